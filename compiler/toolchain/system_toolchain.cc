#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
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

  absl::StatusOr<std::string> CompileSharedObject(absl::string_view source) override {
    TempDir dir(options_.temp_root);
    if (dir.path().empty()) {
      return absl::UnavailableError(absl::StrCat("cannot create a folder under ", options_.temp_root));
    }
    const std::string src = dir.path() + "/kernel.cc", so = dir.path() + "/kernel.so",
                      log = dir.path() + "/compiler.log";
    {
      std::ofstream out(src, std::ios::binary);
      out.write(source.data(), static_cast<std::streamsize>(source.size()));
      if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", src));
    }
    std::vector<std::string> args = {options_.compiler, "-march=" + options_.target_cpu};
    args.insert(args.end(), options_.flags.begin(), options_.flags.end());
    args.insert(args.end(), {"-o", so, src});
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

std::unique_ptr<Toolchain> NewSystemToolchain(SystemToolchainOptions options) {
  return std::make_unique<SystemToolchain>(std::move(options));
}

}  // namespace aotd::toolchain
