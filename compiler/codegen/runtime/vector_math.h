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
//
// Generated code calls the scalar math functions as aotd_math::f, float
// and double overloads over GCC's builtins (what <cmath>'s std::f are),
// so it need not parse <cmath>, the most expensive header of a unit.
#ifndef AOTD_COMPILER_CODEGEN_RUNTIME_VECTOR_MATH_H_
#define AOTD_COMPILER_CODEGEN_RUNTIME_VECTOR_MATH_H_

#define AOTD_SIMD __attribute__((simd("notinbranch")))
extern "C" {
float expf(float) noexcept AOTD_SIMD;
float logf(float) noexcept AOTD_SIMD;
float log1pf(float) noexcept AOTD_SIMD;
float tanhf(float) noexcept AOTD_SIMD;
float erff(float) noexcept AOTD_SIMD;
float sinf(float) noexcept AOTD_SIMD;
float cosf(float) noexcept AOTD_SIMD;
double exp(double) noexcept AOTD_SIMD;
double log(double) noexcept AOTD_SIMD;
double log1p(double) noexcept AOTD_SIMD;
double tanh(double) noexcept AOTD_SIMD;
double erf(double) noexcept AOTD_SIMD;
double sin(double) noexcept AOTD_SIMD;
double cos(double) noexcept AOTD_SIMD;
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

namespace aotd_math {
#define AOTD_MATH_1(fn)                                                \
  inline float fn(float x) { return __builtin_##fn##f(x); }            \
  inline double fn(double x) { return __builtin_##fn(x); }
#define AOTD_MATH_2(fn)                                                \
  inline float fn(float x, float y) { return __builtin_##fn##f(x, y); } \
  inline double fn(double x, double y) { return __builtin_##fn(x, y); }
AOTD_MATH_1(exp) AOTD_MATH_1(expm1) AOTD_MATH_1(log) AOTD_MATH_1(log1p) AOTD_MATH_1(sqrt)
AOTD_MATH_1(sin) AOTD_MATH_1(cos) AOTD_MATH_1(tanh) AOTD_MATH_1(erf) AOTD_MATH_1(fabs)
AOTD_MATH_1(trunc) AOTD_MATH_1(floor) AOTD_MATH_1(ceil) AOTD_MATH_1(acos) AOTD_MATH_1(asin)
AOTD_MATH_1(atan) AOTD_MATH_1(sinh) AOTD_MATH_1(cosh) AOTD_MATH_1(acosh) AOTD_MATH_1(asinh)
AOTD_MATH_1(atanh)
AOTD_MATH_2(pow) AOTD_MATH_2(fmod) AOTD_MATH_2(copysign) AOTD_MATH_2(atan2)
#undef AOTD_MATH_1
#undef AOTD_MATH_2
}  // namespace aotd_math

#endif  // AOTD_COMPILER_CODEGEN_RUNTIME_VECTOR_MATH_H_
