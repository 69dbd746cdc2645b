// Every op family's codegen samples, in one table.
#ifndef AOTD_COMPILER_OPS_TESTING_ALL_CODEGEN_SAMPLES_H_
#define AOTD_COMPILER_OPS_TESTING_ALL_CODEGEN_SAMPLES_H_

#include <vector>

#include "compiler/ops/testing/codegen_sample.h"

namespace aotd::ops::testing {

// The samples of every family (Add<Family>Samples), in a fixed order: every
// call returns the same samples.
std::vector<OpSample> AllCodegenSamples();

}  // namespace aotd::ops::testing

#endif  // AOTD_COMPILER_OPS_TESTING_ALL_CODEGEN_SAMPLES_H_
