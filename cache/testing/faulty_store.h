// A CacheStore wrapper that fails on command, for tests (testonly): a disk
// that fills up, a remote tier that vanishes.
#ifndef AOTD_CACHE_TESTING_FAULTY_STORE_H_
#define AOTD_CACHE_TESTING_FAULTY_STORE_H_

#include <cstdint>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache_store.h"

namespace aotd::cache::testing {

// Forwards every call to `base` unless told to fail. Writes are Put,
// Delete, Touch and Flush; reads are Get, Peek, GetMetadata and List. A
// failed call does not reach `base`, so it changes nothing there. Stats is
// forwarded always. Thread-safe if `base` is.
class FaultyStore final : public CacheStore {
 public:
  // RESOURCE_EXHAUSTED, as a full disk makes RocksDB answer.
  static absl::Status DiskFull() {
    return absl::ResourceExhaustedError("injected fault: no space left on device");
  }
  // UNAVAILABLE, as an unreachable remote tier answers.
  static absl::Status Unreachable() {
    return absl::UnavailableError("injected fault: tier unreachable");
  }

  // `base` is not owned and must outlive this.
  explicit FaultyStore(CacheStore* base) : base_(base) {}

  // Writes fail with `status` after `after` more successful writes, until
  // Heal().
  void FailWrites(absl::Status status, int after = 0) {
    absl::MutexLock lock(&mu_);
    write_failure_ = std::move(status);
    writes_before_failure_ = after;
  }
  // Reads fail with `status` until Heal().
  void FailReads(absl::Status status) {
    absl::MutexLock lock(&mu_);
    read_failure_ = std::move(status);
  }
  void Heal() {
    absl::MutexLock lock(&mu_);
    write_failure_.reset();
    read_failure_.reset();
  }
  int64_t failed_writes() const {
    absl::MutexLock lock(&mu_);
    return failed_writes_;
  }
  int64_t failed_reads() const {
    absl::MutexLock lock(&mu_);
    return failed_reads_;
  }

  absl::StatusOr<std::optional<Entry>> Get(absl::string_view key) override {
    if (absl::Status s = ReadFault(); !s.ok()) return s;
    return base_->Get(key);
  }
  absl::StatusOr<std::optional<Entry>> Peek(absl::string_view key) override {
    if (absl::Status s = ReadFault(); !s.ok()) return s;
    return base_->Peek(key);
  }
  absl::StatusOr<std::optional<EntryMetadata>> GetMetadata(
      absl::string_view key) override {
    if (absl::Status s = ReadFault(); !s.ok()) return s;
    return base_->GetMetadata(key);
  }
  absl::StatusOr<ListPage> List(const ListOptions& options) override {
    if (absl::Status s = ReadFault(); !s.ok()) return s;
    return base_->List(options);
  }
  absl::Status Put(absl::string_view key, const Entry& entry) override {
    if (absl::Status s = WriteFault(); !s.ok()) return s;
    return base_->Put(key, entry);
  }
  absl::StatusOr<bool> Delete(absl::string_view key) override {
    if (absl::Status s = WriteFault(); !s.ok()) return s;
    return base_->Delete(key);
  }
  absl::StatusOr<bool> Touch(absl::string_view key) override {
    if (absl::Status s = WriteFault(); !s.ok()) return s;
    return base_->Touch(key);
  }
  absl::Status Flush() override {
    if (absl::Status s = WriteFault(); !s.ok()) return s;
    return base_->Flush();
  }
  CacheStats Stats() override { return base_->Stats(); }

 private:
  absl::Status ReadFault() {
    absl::MutexLock lock(&mu_);
    if (!read_failure_.has_value()) return absl::OkStatus();
    ++failed_reads_;
    return *read_failure_;
  }
  absl::Status WriteFault() {
    absl::MutexLock lock(&mu_);
    if (!write_failure_.has_value()) return absl::OkStatus();
    if (writes_before_failure_ > 0) {
      --writes_before_failure_;
      return absl::OkStatus();
    }
    ++failed_writes_;
    return *write_failure_;
  }

  CacheStore* const base_;
  mutable absl::Mutex mu_;
  std::optional<absl::Status> write_failure_ ABSL_GUARDED_BY(mu_);
  int writes_before_failure_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<absl::Status> read_failure_ ABSL_GUARDED_BY(mu_);
  int64_t failed_writes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_reads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace aotd::cache::testing

#endif  // AOTD_CACHE_TESTING_FAULTY_STORE_H_
