// Rough work estimates for ops, for choosing what to recompute.
#ifndef AOTD_COMPILER_PARTITION_COST_H_
#define AOTD_COMPILER_PARTITION_COST_H_

#include "compiler/ir/graph.h"

namespace aotd::partition {

// Floating-point operations one call of `node` performs: 2*M*N*K for matrix
// products, 2 * output elements * reduction size for convolutions, and one
// per element touched for everything else (views cost nothing).
double EstimateFlops(const ir::Graph& graph, const ir::Node& node);

}  // namespace aotd::partition

#endif  // AOTD_COMPILER_PARTITION_COST_H_
