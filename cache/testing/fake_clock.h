// A manually driven Clock for tests (testonly).
#ifndef AOTD_CACHE_TESTING_FAKE_CLOCK_H_
#define AOTD_CACHE_TESTING_FAKE_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cache/clock.h"

namespace aotd::cache::testing {

// Time stands still until the test moves it. Thread-safe.
class FakeClock final : public Clock {
 public:
  // Starts at `start` (by default 2024-01-01T00:00:00Z, so times are neither
  // the epoch nor absl::InfinitePast()).
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1704067200))
      : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace aotd::cache::testing

#endif  // AOTD_CACHE_TESTING_FAKE_CLOCK_H_
