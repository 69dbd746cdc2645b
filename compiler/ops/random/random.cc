// Ops that draw random values: bernoulli (dropout's mask).
//
// They are marked random (OpDef::random): every call draws anew, so passes
// never merge, fold or recompute one. The reference kernels draw from their
// own generator, and compiled code from the runtime's (kernels_nn.h):
// neither reproduces PyTorch's random stream, only its distribution.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/random/random.h"

namespace aotd::ops::internal {
namespace {



using Types = absl::StatusOr<std::vector<TensorType>>;

using Values = absl::StatusOr<std::vector<HostTensor>>;

// A generator seeded differently on every call in this process.
std::mt19937_64 FreshGenerator() {
  static std::atomic<uint64_t> calls{0};
  static const uint64_t process_seed = static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  std::seed_seq seq{process_seed, calls.fetch_add(1, std::memory_order_relaxed)};
  return std::mt19937_64(seq);
}

absl::Status CheckProbability(double p) {
  if (p >= 0 && p <= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("bernoulli expects p to be in [0, 1], but got p=", p));
}

// bernoulli with a float p: self's shape and dtype (any dtype), each element
// 1 with probability p, else 0; self's values are not read.
Types InferBernoulli(const TypeCall& call) {
  RETURN_IF_ERROR(CheckProbability(call.Float(1)));
  return One(call.tensor(0).dtype, call.tensor(0).shape);
}

Values BernoulliKernel(const KernelCall& call, const std::vector<TensorType>& results) {
  std::mt19937_64 rng = FreshGenerator();
  std::bernoulli_distribution draw(call.Float(1));
  HostTensor out(results[0].dtype, results[0].shape);
  for (double& v : out.data) v = draw(rng) ? 1 : 0;
  return std::vector<HostTensor>{std::move(out)};
}

}  // namespace

absl::Status RegisterRandomOps(OpRegistry& r) {
  // derivatives.yaml: self: zeros_like(grad); no gradient flows.
  OpDefiner(r, "bernoulli.p(Tensor self, float p, *, Generator? generator=None) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("bernoulli")
      .Infer(InferBernoulli)
      .Kernel(BernoulliKernel)
      .NonDifferentiable()
      .Random();

  // In place (dropout fills a fresh empty_like): the functionalization pass
  // makes it bernoulli.p.
  OpDefiner(r,
            "bernoulli_.float(Tensor(a!) self, float p=0.5, *, Generator? generator=None) "
            "-> Tensor(a!)",
            OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckProbability(call.Float(1)));
        return std::vector<TensorType>{call.tensor(0)};
      })
      .Kernel(BernoulliKernel)
      .NonDifferentiable()
      .Random();
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
