// The vector-math declarations generated code and the runtime kernels are
// compiled with: the math functions below get SIMD variants through GCC's
// vector ABI, so loops calling them vectorize without -ffast-math and keep
// IEEE inf/NaN/-0 semantics. glibc's libmvec and SLEEF both define those
// names; the linked libmvec serves tanh (1.4 ulp, 5x faster than SLEEF),
// erf (4 ulp, 3x), log1p (1.8 ulp), sin and cos (2 ulp for float, 3.3 for
// double). exp and log are equated to SLEEF's 1-ulp functions (libsleef):
// libmvec's take a scalar path for every vector holding an input outside
// their fast range (exp(-inf) in a masked softmax, log of a subnormal), 10
// to 100x slower. The equations are assembler symbols local to each object
// file, so every file including this header gets its own. Link with
// -lmvec -lsleef.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_VECTOR_MATH_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_VECTOR_MATH_H_

#include <cmath>

#define AOTD_SIMD __attribute__((simd("notinbranch")))
extern "C" {
float expf(float) AOTD_SIMD;
float logf(float) AOTD_SIMD;
float log1pf(float) AOTD_SIMD;
float tanhf(float) AOTD_SIMD;
float erff(float) AOTD_SIMD;
float sinf(float) AOTD_SIMD;
float cosf(float) AOTD_SIMD;
double exp(double) AOTD_SIMD;
double log(double) AOTD_SIMD;
double log1p(double) AOTD_SIMD;
double tanh(double) AOTD_SIMD;
double erf(double) AOTD_SIMD;
double sin(double) AOTD_SIMD;
double cos(double) AOTD_SIMD;
}
#undef AOTD_SIMD
// SSE (b), AVX (c), AVX2 (d) and AVX-512 (e) variants of exp and log.
#define AOTD_FROM_SLEEF(f, sleef4, sleef8, sleef16)        \
  __asm__(".set _ZGVbN4v_" #f ", " #sleef4 "\n"            \
          ".set _ZGVcN8v_" #f ", " #sleef8 "\n"            \
          ".set _ZGVdN8v_" #f ", " #sleef8 "\n"            \
          ".set _ZGVeN16v_" #f ", " #sleef16 "\n")
AOTD_FROM_SLEEF(expf, Sleef_expf4_u10, Sleef_expf8_u10, Sleef_expf16_u10);
AOTD_FROM_SLEEF(logf, Sleef_logf4_u10, Sleef_logf8_u10, Sleef_logf16_u10);
#undef AOTD_FROM_SLEEF
#define AOTD_FROM_SLEEF(f, sleef2, sleef4, sleef8)         \
  __asm__(".set _ZGVbN2v_" #f ", " #sleef2 "\n"            \
          ".set _ZGVcN4v_" #f ", " #sleef4 "\n"            \
          ".set _ZGVdN4v_" #f ", " #sleef4 "\n"            \
          ".set _ZGVeN8v_" #f ", " #sleef8 "\n")
AOTD_FROM_SLEEF(exp, Sleef_expd2_u10, Sleef_expd4_u10, Sleef_expd8_u10);
AOTD_FROM_SLEEF(log, Sleef_logd2_u10, Sleef_logd4_u10, Sleef_logd8_u10);
#undef AOTD_FROM_SLEEF

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_VECTOR_MATH_H_
