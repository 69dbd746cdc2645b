#include "compiler/ops/testing/all_codegen_samples.h"

#include <vector>

namespace aotd::ops::testing {

std::vector<OpSample> AllCodegenSamples() {
  SampleTable t;
  AddMathSamples(t);
  AddActivationSamples(t);
  AddArithmeticSamples(t);
  AddComparisonSamples(t);
  AddConversionSamples(t);
  AddMatmulSamples(t);
  AddConvSamples(t);
  AddPoolSamples(t);
  AddNormSamples(t);
  AddUpsampleSamples(t);
  AddSoftmaxSamples(t);
  AddLossSamples(t);
  AddEmbeddingSamples(t);
  AddViewSamples(t);
  AddShapeSamples(t);
  AddIndexingSamples(t);
  AddReductionSamples(t);
  AddCreationSamples(t);
  AddRandomSamples(t);
  return t.Take();
}

}  // namespace aotd::ops::testing
