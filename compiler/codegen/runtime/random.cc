#include "compiler/codegen/runtime/random.h"

#include <atomic>
#include <chrono>

#include "compiler/codegen/runtime/internal.h"

namespace aotd_rt {

namespace detail {

// splitmix64's output function: a bijective mix of 64 bits.
inline uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

// A seed no other call in this process gets: the process's start time and
// the counter's address (differing between shared objects), mixed with the
// number of earlier calls. Thread-safe.
inline uint64_t next_random_seed() {
  static std::atomic<uint64_t> calls{0};
  static const uint64_t process_key =
      mix64(static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
            reinterpret_cast<uintptr_t>(&calls));
  return mix64(process_key + kGoldenGamma * calls.fetch_add(1, std::memory_order_relaxed));
}

// Element i of the stream keyed by `seed`: 64 uniform bits.
inline uint64_t random_bits(uint64_t seed, int64_t i) {
  return mix64(seed + kGoldenGamma * (static_cast<uint64_t>(i) + 1));
}

}  // namespace detail

template <typename T>
void bernoulli(Ref<const T> self, double p, Ref<T> out) {
  (void)self;
  const uint64_t seed = detail::next_random_seed();
  const int64_t n = detail::numel(out);
  // 1 when the top 53 bits, as a fraction of 2^53, fall below p.
  const double scaled = p * 9007199254740992.0;
  const uint64_t threshold = static_cast<uint64_t>(scaled);
  T* data = out.data;
#pragma omp parallel for simd if (n > kParallelWork) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    data[i] = static_cast<T>((detail::random_bits(seed, i) >> 11) < threshold ? 1 : 0);
  }
}

// Explicit instantiations for the dtypes the ops allow (lists in internal.h).
#define AOTD_RT_INSTANTIATE_RANDOM(T) \
  template void bernoulli(Ref<const T> self, double p, Ref<T> out);
AOTD_RT_ALL_TYPES(AOTD_RT_INSTANTIATE_RANDOM)
#undef AOTD_RT_INSTANTIATE_RANDOM

}  // namespace aotd_rt
