#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "compiler/toolchain/toolchain.h"

namespace aotd::toolchain {
namespace {

absl::StatusOr<std::string> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InternalError(absl::StrCat("cannot read ", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status WriteFile(const std::string& path, absl::string_view contents) {
  std::ofstream out(path, std::ios::binary);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// A name that stays inside the compile's folder.
bool IsPlainName(absl::string_view name) {
  return !name.empty() && name != "." && name != ".." && !absl::StrContains(name, '/') &&
         name != "kernel.cc" && name != "kernel.so" && name != "compiler.log";
}

// A temporary folder removed when this goes out of scope.
class TempDir {
 public:
  explicit TempDir(const std::string& root) {
    std::string pattern = root + "/aotd-cc-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class SystemToolchain final : public Toolchain {
 public:
  explicit SystemToolchain(SystemToolchainOptions options) : options_(std::move(options)) {}

  std::string Fingerprint() const override {
    return absl::StrCat(options_.compiler, " -march=", options_.target_cpu, " ",
                        absl::StrJoin(options_.flags, " "), " ", absl::StrJoin(options_.libs, " "));
  }

  std::string CpuLevel() const override { return options_.target_cpu; }

  absl::StatusOr<std::string> CompileSharedObject(const TranslationUnit& unit) override {
    if (std::find(std::begin(kCpuLevels), std::end(kCpuLevels), options_.target_cpu) ==
        std::end(kCpuLevels)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown CPU level ", options_.target_cpu, " (x86-64-v2, -v3 or -v4)"));
    }
    for (const std::vector<NamedFile>* files : {&unit.headers, &unit.archives}) {
      for (const NamedFile& file : *files) {
        if (!IsPlainName(file.name)) {
          return absl::InvalidArgumentError(absl::StrCat("not a plain file name: ", file.name));
        }
      }
    }
    TempDir dir(options_.temp_root);
    if (dir.path().empty()) {
      return absl::UnavailableError(absl::StrCat("cannot create a folder under ", options_.temp_root));
    }
    const std::string src = dir.path() + "/kernel.cc", so = dir.path() + "/kernel.so",
                      log = dir.path() + "/compiler.log";
    RETURN_IF_ERROR(WriteFile(src, unit.source));
    for (const NamedFile& header : unit.headers) {
      RETURN_IF_ERROR(WriteFile(dir.path() + "/" + header.name, header.contents));
    }
    std::vector<std::string> args = {options_.compiler, "-march=" + options_.target_cpu};
    args.insert(args.end(), options_.flags.begin(), options_.flags.end());
    args.insert(args.end(), {"-o", so, src});
    for (const NamedFile& archive : unit.archives) {
      const std::string path = dir.path() + "/" + archive.name;
      RETURN_IF_ERROR(WriteFile(path, archive.contents));
      args.push_back(path);
    }
    args.insert(args.end(), options_.libs.begin(), options_.libs.end());

    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string path_env = "PATH=/usr/bin:/bin", tmp_env = "TMPDIR=" + dir.path();
    char* envp[] = {path_env.data(), tmp_env.data(), nullptr};
    const rlim_t cpu_seconds =
        static_cast<rlim_t>(absl::ToInt64Seconds(options_.time_limit)) + 1;
    const rlim_t memory = static_cast<rlim_t>(options_.memory_limit_bytes);

    pid_t pid = fork();
    if (pid < 0) return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
    if (pid == 0) {
      // Child: only async-signal-safe calls until exec.
      setpgid(0, 0);
      rlimit cpu = {cpu_seconds, cpu_seconds};
      rlimit as = {memory, memory};
      setrlimit(RLIMIT_CPU, &cpu);
      setrlimit(RLIMIT_AS, &as);
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
      }
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, STDIN_FILENO);
      if (chdir(dir.path().c_str()) != 0) _exit(126);
      execve(argv[0], argv.data(), envp);
      _exit(127);
    }
    int status = 0;
    const absl::Time deadline = absl::Now() + options_.time_limit;
    bool timed_out = false;
    while (true) {
      pid_t done = waitpid(pid, &status, WNOHANG);
      if (done == pid) break;
      if (done < 0 && errno != EINTR) return absl::InternalError("waitpid failed");
      if (absl::Now() > deadline) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        timed_out = true;
        break;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
    std::string messages = Slurp(log).value_or("");
    if (timed_out || (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)) {
      return absl::DeadlineExceededError(absl::StrCat("C++ compile exceeded its time limit of ",
                                                      absl::FormatDuration(options_.time_limit)));
    }
    if (WIFSIGNALED(status)) {
      return absl::ResourceExhaustedError(absl::StrCat("C++ compiler killed by signal ",
                                                       WTERMSIG(status), ": ", messages));
    }
    int code = WEXITSTATUS(status);
    if (code == 127 || code == 126) {
      return absl::UnavailableError(absl::StrCat("cannot run ", options_.compiler));
    }
    if (code != 0) {
      if (messages.find("out of memory") != std::string::npos ||
          messages.find("virtual memory exhausted") != std::string::npos) {
        return absl::ResourceExhaustedError(absl::StrCat("C++ compile ran out of memory: ", messages));
      }
      return absl::InternalError(absl::StrCat("generated C++ failed to compile:\n", messages));
    }
    return Slurp(so);
  }

 private:
  SystemToolchainOptions options_;
};

}  // namespace

std::string HostCpuLevel() {
  __builtin_cpu_init();
  const bool v2 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt") &&
                  __builtin_cpu_supports("ssse3");
  const bool v3 = v2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                  __builtin_cpu_supports("avx");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl");
  return std::string(v4 ? kCpuLevels[2] : v3 ? kCpuLevels[1] : kCpuLevels[0]);
}

std::unique_ptr<Toolchain> NewSystemToolchain(SystemToolchainOptions options) {
  return std::make_unique<SystemToolchain>(std::move(options));
}

}  // namespace aotd::toolchain
