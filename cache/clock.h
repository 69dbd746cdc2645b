// The source of wall-clock time for the cache: entry creation and last-use
// times, TTL expiry and the interval between use-record flushes.
#ifndef AOTD_CACHE_CLOCK_H_
#define AOTD_CACHE_CLOCK_H_

#include "absl/time/time.h"

namespace aotd::cache {

// Tells the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() const = 0;

  // The process-wide system clock (absl::Now()). Never null; not owned by the
  // caller; lives for the whole process.
  static Clock* Real();
};

}  // namespace aotd::cache

#endif  // AOTD_CACHE_CLOCK_H_
