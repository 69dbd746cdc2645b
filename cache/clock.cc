#include "cache/clock.h"

#include "absl/time/clock.h"

namespace aotd::cache {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* Clock::Real() {
  static RealClock* const clock = new RealClock();
  return clock;
}

}  // namespace aotd::cache
