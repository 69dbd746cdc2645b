// Rough work estimates for ops, for choosing what to recompute.
#ifndef AOTD_COMPILER_PARTITION_COST_H_
#define AOTD_COMPILER_PARTITION_COST_H_

#include "compiler/ir/graph.h"

namespace aotd::partition {

// Floating-point operations one call of `node` performs: 2*M*N*K for matrix
// products, 2 * output elements * reduction size for convolutions, and one
// per element touched for everything else (views cost nothing).
double EstimateFlops(const ir::Graph& graph, const ir::Node& node);

// What recomputing `node`'s results in the backward costs, in bytes of
// memory traffic that take as long: kTranscendentalBytesPerByte times the
// output bytes for pointwise ops that evaluate a transcendental function
// (exp, log, tanh, sigmoid, erf, gelu, ...; a vectorized call costs about
// as much as moving a few values), 0 for every other op (cheap arithmetic
// hides under the memory traffic of the loop that recomputes it; heavy ops
// are never recomputed by choice).
double RecomputeBytes(const ir::Graph& graph, const ir::Node& node);
inline constexpr double kTranscendentalBytesPerByte = 4;

}  // namespace aotd::partition

#endif  // AOTD_COMPILER_PARTITION_COST_H_
