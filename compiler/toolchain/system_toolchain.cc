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
// (Names starting with "unit" and "kernel" are the toolchain's own.)
bool IsPlainName(absl::string_view name) {
  return !name.empty() && name != "." && name != ".." && !absl::StrContains(name, '/') &&
         !absl::StartsWith(name, "unit") && !absl::StartsWith(name, "kernel");
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

  absl::StatusOr<std::string> CompileSharedObject(const SharedObjectSources& sources) override {
    if (std::find(std::begin(kCpuLevels), std::end(kCpuLevels), options_.target_cpu) ==
        std::end(kCpuLevels)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown CPU level ", options_.target_cpu, " (x86-64-v2, -v3 or -v4)"));
    }
    if (sources.units.empty()) return absl::InvalidArgumentError("no translation unit to compile");
    for (const std::vector<NamedFile>* files : {&sources.headers, &sources.archives}) {
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
    for (const NamedFile& header : sources.headers) {
      RETURN_IF_ERROR(WriteFile(dir.path() + "/" + header.name, header.contents));
    }
    const absl::Time deadline = absl::Now() + options_.time_limit;
    // Every unit compiles at once, each in its own process.
    std::vector<Process> compiles;
    std::vector<std::string> objects;
    for (size_t k = 0; k < sources.units.size(); ++k) {
      RETURN_IF_ERROR(WriteFile(absl::StrCat(dir.path(), "/unit", k, ".cc"), sources.units[k]));
    }
    for (size_t k = 0; k < sources.units.size(); ++k) {
      const std::string unit = absl::StrCat(dir.path(), "/unit", k);
      std::vector<std::string> args = CommandLine();
      args.insert(args.end(), {"-c", "-o", unit + ".o", unit + ".cc"});
      compiles.push_back(Start(args, dir.path(), unit + ".log"));
      objects.push_back(unit + ".o");
    }
    absl::Status compiled = absl::OkStatus();
    for (Process& process : compiles) {
      absl::Status s = Finish(process, deadline);
      if (compiled.ok()) compiled = s;
    }
    RETURN_IF_ERROR(compiled);
    // Then one link.
    const std::string so = dir.path() + "/kernel.so";
    std::vector<std::string> args = CommandLine();
    args.insert(args.end(), {"-o", so});
    args.insert(args.end(), objects.begin(), objects.end());
    for (const NamedFile& archive : sources.archives) {
      const std::string path = dir.path() + "/" + archive.name;
      RETURN_IF_ERROR(WriteFile(path, archive.contents));
      args.push_back(path);
    }
    args.insert(args.end(), options_.libs.begin(), options_.libs.end());
    Process link = Start(args, dir.path(), dir.path() + "/kernel.log");
    RETURN_IF_ERROR(Finish(link, deadline));
    return Slurp(so);
  }

 private:
  // A compiler run: its process (-1 if fork failed) and its log's path.
  struct Process {
    pid_t pid = -1;
    std::string log;
  };

  // The compiler with the CPU level and flags.
  std::vector<std::string> CommandLine() const {
    std::vector<std::string> args = {options_.compiler, "-march=" + options_.target_cpu};
    args.insert(args.end(), options_.flags.begin(), options_.flags.end());
    return args;
  }

  // Starts `args` in `dir` with the limits, a clean environment and its
  // output in `log`.
  Process Start(std::vector<std::string> args, const std::string& dir, const std::string& log) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string path_env = "PATH=/usr/bin:/bin", tmp_env = "TMPDIR=" + dir;
    char* envp[] = {path_env.data(), tmp_env.data(), nullptr};
    const rlim_t cpu_seconds =
        static_cast<rlim_t>(absl::ToInt64Seconds(options_.time_limit)) + 1;
    const rlim_t memory = static_cast<rlim_t>(options_.memory_limit_bytes);
    pid_t pid = fork();
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
      if (chdir(dir.c_str()) != 0) _exit(126);
      execve(argv[0], argv.data(), envp);
      _exit(127);
    }
    return Process{pid, log};
  }

  // Waits for `process` until `deadline` (then kills it) and says how it
  // ended, with the errors of CompileSharedObject.
  absl::Status Finish(const Process& process, absl::Time deadline) {
    if (process.pid < 0) return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
    int status = 0;
    bool timed_out = false;
    while (true) {
      pid_t done = waitpid(process.pid, &status, WNOHANG);
      if (done == process.pid) break;
      if (done < 0 && errno != EINTR) return absl::InternalError("waitpid failed");
      if (absl::Now() > deadline) {
        kill(-process.pid, SIGKILL);
        kill(process.pid, SIGKILL);
        waitpid(process.pid, &status, 0);
        timed_out = true;
        break;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
    std::string messages = Slurp(process.log).value_or("");
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
    return absl::OkStatus();
  }

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
