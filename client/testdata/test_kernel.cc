// A hand-written kernel implementing the shared-object ABI (version 2) for
// loaded_artifact_test.cc. Its specs (which the test puts in the artifact):
//   inputs      0 x        float32[2, 3] strides [3, 1]
//               1 w        float32[2, 3] strides [1, 2]   (column-major)
//               2 running  float32[3]    strides [1]      (mutated)
//   outputs     0 y        float32[2, 3] strides [3, 1]   y = x * w
//               1 total    float32[]                      total = sum(y)
//   write_backs 0 running  float32[3]  -> input 2         running + sum_i x[i]
//   saved       0 x        the forward input (saved_inputs [0, -1])
//               1 w        float32[2, 3] strides [3, 1], at byte 0 of a
//                          64-byte saved arena (saved_offsets [-1, 0])
//   tangent_outputs [0]; grad_inputs [0, 1]
//   backward: grad_x = gy * w, grad_w = gy * x (both contiguous); it
//   overwrites the arena once it has read it, as the ABI allows.
// The forward returns 7 when x[0][0] is -1234.5 (to test failure reporting).
// Loading the library sets AOTD_TEST_KERNEL_LOADED=1 in the environment, so
// a test can tell whether its code ever ran.
#include <stdlib.h>

namespace {

__attribute__((constructor)) void MarkLoaded() {
  setenv("AOTD_TEST_KERNEL_LOADED", "1", 1);
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int aotd_abi_version(void) { return 2; }

__attribute__((visibility("default"))) int aotd_forward(void* const* inputs,
                                                        void* const* outputs) {
  const float* x = static_cast<const float*>(inputs[0]);
  const float* w = static_cast<const float*>(inputs[1]);
  const float* running = static_cast<const float*>(inputs[2]);
  float* y = static_cast<float*>(outputs[0]);
  float* total = static_cast<float*>(outputs[1]);
  float* running_out = static_cast<float*>(outputs[2]);
  float* saved_w = static_cast<float*>(outputs[3]);  // The arena.
  if (x[0] == -1234.5f) return 7;
  float sum = 0;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      const float xv = x[i * 3 + j];
      const float wv = w[i * 1 + j * 2];
      y[i * 3 + j] = xv * wv;
      sum += xv * wv;
      saved_w[i * 3 + j] = wv;
    }
  }
  *total = sum;
  for (int j = 0; j < 3; ++j) running_out[j] = running[j] + x[j] + x[3 + j];
  return 0;
}

__attribute__((visibility("default"))) int aotd_backward(void* const* inputs,
                                                         void* const* outputs) {
  float* saved_w = static_cast<float*>(inputs[0]);  // The arena.
  const float* saved_x = static_cast<const float*>(inputs[1]);
  const float* gy = static_cast<const float*>(inputs[2]);
  float* grad_x = static_cast<float*>(outputs[0]);
  float* grad_w = static_cast<float*>(outputs[1]);
  for (int k = 0; k < 6; ++k) {
    grad_x[k] = gy[k] * saved_w[k];
    grad_w[k] = gy[k] * saved_x[k];
    saved_w[k] = -1;
  }
  return 0;
}

}  // extern "C"
