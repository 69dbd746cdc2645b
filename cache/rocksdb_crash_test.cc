// Kills a process that is writing to a RocksDbStore with SIGKILL in the
// middle of a burst of Puts, reopens the cache, and checks that every Put
// the process saw acknowledged is there and intact, and that nothing
// damaged is served. Three rounds, each writing over what the previous kill
// left behind.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cache/maintenance.h"
#include "cache/rocksdb_store.h"
#include "cache/testing/test_entries.h"
#include "gtest/gtest.h"

extern char** environ;

namespace aotd::cache {
namespace {

using ::aotd::cache::testing::ArtifactBytes;
using ::aotd::cache::testing::NewTempDir;

struct Acknowledged {
  std::string key;
  size_t size;
};

std::string WriterPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/",
                      workspace != nullptr ? workspace : "aotd",
                      "/cache/crash_writer");
}

// Runs crash_writer on `dir` until it has acknowledged `kill_after` keys,
// SIGKILLs it, and returns every key it acknowledged (including any printed
// between the decision and the kill).
std::vector<Acknowledged> RunAndKill(const std::string& dir,
                                     const std::string& prefix,
                                     int kill_after) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  std::string writer = WriterPath();
  std::vector<char*> argv = {writer.data(), const_cast<char*>(dir.c_str()),
                             const_cast<char*>(prefix.c_str()), nullptr};
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, writer.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  EXPECT_EQ(spawned, 0) << "cannot run " << writer;
  if (spawned != 0) return {};

  std::vector<Acknowledged> acknowledged;
  std::string buffer;
  bool killed = false;
  char chunk[4096];
  for (;;) {
    const ssize_t n = read(pipe_fds[0], chunk, sizeof(chunk));
    if (n <= 0) break;  // EOF once the writer is dead.
    buffer.append(chunk, n);
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::vector<std::string> fields =
          absl::StrSplit(buffer.substr(0, newline), ' ');
      buffer.erase(0, newline + 1);
      Acknowledged ack;
      EXPECT_EQ(fields.size(), 2u);
      if (fields.size() == 2 && absl::SimpleAtoi(fields[1], &ack.size)) {
        ack.key = fields[0];
        acknowledged.push_back(std::move(ack));
      }
    }
    if (!killed && static_cast<int>(acknowledged.size()) >= kill_after) {
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  close(pipe_fds[0]);
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  EXPECT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
      << "the writer stopped on its own (see its stderr) after "
      << acknowledged.size() << " keys";
  return acknowledged;
}

TEST(RocksDbCrashTest, AcknowledgedEntriesSurviveSigkill) {
  const std::string dir = NewTempDir() + "/cache";
  std::vector<Acknowledged> acknowledged;
  for (int round = 0; round < 3; ++round) {
    std::vector<Acknowledged> acked =
        RunAndKill(dir, absl::StrCat("round", round, "-"), 150 + 50 * round);
    ASSERT_GE(acked.size(), 150u);
    acknowledged.insert(acknowledged.end(), acked.begin(), acked.end());
  }

  RocksDbStore::Options options;
  options.path = dir;
  options.max_bytes = 0;
  auto store = RocksDbStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  for (const Acknowledged& ack : acknowledged) {
    auto got = (*store)->Get(ack.key);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << ack.key << " was acknowledged but is lost";
    EXPECT_EQ((*got)->artifact, ArtifactBytes(ack.key, ack.size)) << ack.key;
  }
  // Everything stored, acknowledged or not (a Put may have completed just
  // before the kill without being printed), reads back intact.
  auto verified = Verify(**store);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_GE(verified->checked, acknowledged.size());
  EXPECT_LE(verified->checked, acknowledged.size() + 3);
  EXPECT_EQ(verified->removed, 0u);
  EXPECT_EQ((*store)->Stats().digest_failures, 0u);
}

}  // namespace
}  // namespace aotd::cache
