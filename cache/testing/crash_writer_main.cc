// Writes cache entries to a RocksDbStore as fast as it can and prints each
// key on stdout (flushed) once its Put returned OK. rocksdb_crash_test kills
// it with SIGKILL mid-burst and checks every printed key.
//
// Usage: crash_writer DIR PREFIX
// Entry PREFIX<i> holds ArtifactBytes(PREFIX<i>, CrashEntrySize(i)).
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cache/rocksdb_store.h"
#include "cache/testing/test_entries.h"
#include "common/status_macros.h"

namespace aotd::cache {
namespace {

absl::Status WriteForever(const std::string& dir, const std::string& prefix) {
  RocksDbStore::Options options;
  options.path = dir;
  options.max_bytes = 0;
  ASSIGN_OR_RETURN(auto store, RocksDbStore::Open(options));
  for (int i = 0;; ++i) {
    const std::string key = absl::StrCat(prefix, i);
    // Sizes from 100 bytes to 64 KB: some inline, some in blob files.
    const size_t size = 100 + (static_cast<size_t>(i) * 7919) % 65436;
    RETURN_IF_ERROR(
        store->Put(key, testing::MakeEntry(testing::ArtifactBytes(key, size))));
    // A read now and then, so use records get written too.
    if (i % 7 == 0) RETURN_IF_ERROR(store->Get(key).status());
    std::printf("%s %zu\n", key.c_str(), size);
    std::fflush(stdout);
  }
}

}  // namespace
}  // namespace aotd::cache

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_writer DIR PREFIX\n");
    return 2;
  }
  absl::Status status = aotd::cache::WriteForever(argv[1], argv[2]);
  std::fprintf(stderr, "crash_writer: %s\n", status.ToString().c_str());
  return 1;
}
