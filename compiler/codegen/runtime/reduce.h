// Reductions that are not fused loops: var, var_dim, argmax, prod and
// prod_dim. var in float and double; the others every dtype (prod every
// pair of output and input dtypes).
// Declarations only (calling convention: ref.h); definitions in reduce.cc.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_REDUCE_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_REDUCE_H_

#include <cstdint>

#include "compiler/codegen/runtime/ref.h"

namespace aotd_rt {

// ======================================================================
// Reductions
// ======================================================================

// var (ATen's var.correction)(self, dim[dim_len] (null or empty: every
// dim), correction (optional; absent means 1), keepdim) -> out (the reduced
// shape; keepdim changes only the shape): sum((x - mean)^2) /
// max(0, n - correction), two passes in double.
template <typename T>
void var(Ref<const T> self, const int64_t* dim, int64_t dim_len, bool has_correction,
         int64_t correction, bool keepdim, Ref<T> out);

// var_dim (ATen's var.dim)(self, dim[dim_len], unbiased, keepdim) -> out:
// var with correction 1 when unbiased, else 0.
template <typename T>
void var_dim(Ref<const T> self, const int64_t* dim, int64_t dim_len, bool unbiased,
             bool keepdim, Ref<T> out);

// argmax(self, dim (optional: none flattens), keepdim) -> out (int64, the
// reduced shape): the index of the first maximum along dim (or in the
// flattened input); NaN is the maximum.
template <typename T>
void argmax(Ref<const T> self, bool has_dim, int64_t dim, bool keepdim,
            Ref<int64_t> out);

// prod(self) -> out [] (TOut: self's dtype, or int64 for integer inputs):
// the product of every element, in double (integers wrap in int64).
template <typename TOut, typename T>
void prod(Ref<const T> self, Ref<TOut> out);

// prod_dim (ATen's prod.dim_int)(self, dim, keepdim) -> out (the reduced
// shape; keepdim changes only the shape): the product along dim.
template <typename TOut, typename T>
void prod_dim(Ref<const T> self, int64_t dim, bool keepdim, Ref<TOut> out);

}  // namespace aotd_rt

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_REDUCE_H_
