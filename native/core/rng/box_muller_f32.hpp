// The single-precision Box–Muller transform that draws the inputs x of engine "full" (the hot
// path: d * B Gaussians per step). Same rules as box_muller_math.hpp: only IEEE +, -, *, /,
// sqrt, fused multiply-add (one rounding: IEEE fma, the same everywhere) and exact or
// round-to-nearest conversions, in a fixed order, so scalar C++, the SIMD loops and CUDA return
// the same bits; builds keep -ffp-contract=off so that only the fma written here are fused.
// In float the vector units hold twice the lanes and divide/sqrt are far cheaper, which takes
// the generator past 1e9 Gaussians/s per core (bench/cpu_speed.ts).
//
// Accuracy (rngAccuracy() in test/rng_simd.test.ts, 2e6 words plus edge words, against long
// double evaluated at the exact u = (w + 0.5) / 2^32; float ulps; seed 7): log 1.56, cos 2.71,
// sin 2.54, the Gaussians 3.89 (relative error <= 2.4e-7); the tests bound them by 2, 3 and 4 ulp. The
// word is rounded to 24 bits before the log, but near u = 1 the log is taken of 1 - u, so the
// small radii keep their relative accuracy. Tails as in double: |z| <= 6.66 (u = 2^-33).
// Coefficients: sin/cos kernels of Cephes (S. Moshier); the log's series Q was fitted for this
// file (iteratively reweighted least squares on the relative error of 2 atanh(s) / s - 2 over
// s^2 in [0, (3 - 2 sqrt 2)^2], numpy), then rounded to float.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "philox.hpp"  // LD_HD

namespace loradyn {
namespace bmf {

LD_HD uint32_t bits_of(float x) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint32_t>(__float_as_uint(x));
#else
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

LD_HD float from_bits(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

// Correctly rounded *, / and sqrt that nvcc never contracts or approximates.
LD_HD float mul(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

LD_HD float div(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

// a * b + c with one rounding. The SIMD paths are compiled with FMA enabled (the vector
// instruction); the portable path calls the C library's fmaf, which IEEE 754 fixes to the same
// result. Fused polynomials take about 8% off the generator (bench/cpu_speed.ts).
LD_HD float fma(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#else
  return __builtin_fmaf(a, b, c);
#endif
}

LD_HD float sqrt_rn(float a) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}

// mask ? a : b with a mask of all ones or zeros: written with bit operations so that GCC
// if-converts and vectorises the loops that call it.
LD_HD float select(uint32_t mask, float a, float b) { return from_bits((bits_of(a) & mask) | (bits_of(b) & ~mask)); }

// ln u for the uniform u = (w + 0.5) / 2^32 of a 32-bit word, branch-free.
// p is the smaller of u and 1 - u, rounded to float (relative error <= 2^-24).
// Lower half (w < 2^31): p = u = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact).
// Upper half: p = 1 - u = (~w + 0.5) / 2^32 and ln(1 - p) is taken without forming 1 - p, so
// the relative error stays 2^-24 near u = 1: for p <= 1 - sqrt(1/2), k = 0 and f = -p; above
// it k = -1 and f = 1 - 2p (exact, Sterbenz).
// Then ln m = ln(1 + f) from s = f / (2 + f), below.
LD_HD float log_word(uint32_t w) {
  constexpr float kLn2Hi = 6.9313812256e-01f;  // ln 2 to 16 bits: k * kLn2Hi is exact
  constexpr float kLn2Lo = 9.0580006145e-06f;
  const uint32_t upper = 0u - (w >> 31);  // all ones for w >= 2^31
  const uint32_t t = w ^ upper;           // w or ~w, below 2^31
  // (t + 0.5) 2^-32 rounded once: t as a float is exact up to 2^24 and rounded above, then
  // the fused add of 2^-33 rounds as (t + 0.5) would, and the power of two scales exactly.
  const float p =
      fma(static_cast<float>(static_cast<int32_t>(t)), 2.3283064365386963e-10f, 1.16415321826934814453125e-10f);
  // Lower half: subtracting sqrt(1/2)'s bits puts k in the top 9 bits (two's complement).
  const uint32_t ix = bits_of(p);
  const uint32_t tmp = ix - 0x3F3504F3u;
  const int32_t k_low = static_cast<int32_t>(tmp) >> 23;
  const float f_low = from_bits(ix - (tmp & 0xFF800000u)) - 1.0f;
  // Upper half.
  const uint32_t big = 0u - static_cast<uint32_t>(p > 0.29289321881345254f);  // u < sqrt(1/2)
  const float f_up = select(big, fma(-2.0f, p, 1.0f), -p);                    // exact either way (Sterbenz)
  const int32_t k = static_cast<int32_t>((big & upper) | (static_cast<uint32_t>(k_low) & ~upper));
  const float f = select(upper, f_up, f_low);
  const float dk = static_cast<float>(k);
  // ln m = 2 atanh(s) = 2s + s z Q(z), z = s^2, Q a near-minimax fit (relative error of the
  // series 7e-10 for |s| <= 0.1716); with 2s = f - s f this is f - s (f - z Q), in which f is
  // exact and the roundings of s only touch a term |f|/2 times smaller.
  constexpr float Q1 = 0.666668176651001f, Q2 = 0.3997478783130646f, Q3 = 0.29925718903541565f;
  const float s = div(f, 2.0f + f);
  const float z = mul(s, s);
  const float zq = mul(z, fma(z, fma(z, Q3, Q2), Q1));
  return fma(dk, kLn2Hi, f - fma(s, f - zq, -mul(dk, kLn2Lo)));
}

// cos and sin of the turn 2 pi (w + 0.5) / 2^32; the quadrant comes exactly from the top bits
// (as in box_muller_math.hpp), then polynomials on [-pi/4, pi/4].
LD_HD void sincos_turn(uint32_t w, float& c, float& s) {
  constexpr float kStep = 1.4629180792671596e-09f;  // (pi/2) / 2^30
  constexpr float S1 = -1.6666654611e-1f, S2 = 8.3321608736e-3f, S3 = -1.9515295891e-4f;
  constexpr float C1 = 4.166664568298827e-2f, C2 = -1.388731625493765e-3f, C3 = 2.443315711809948e-5f;
  const uint32_t n = w + 0x20000000u;
  const uint32_t n2 = n << 1;
  const int32_t rho = static_cast<int32_t>(n & 0x3FFFFFFFu) - 0x20000000;
  const float x = fma(static_cast<float>(rho), kStep, 0.5f * kStep);
  const float z = mul(x, x);
  const float sn = fma(mul(z, x), fma(z, fma(z, S3, S2), S1), x);
  // 1 - z/2 rounds once either way: z/2 is exact.
  const float cs = fma(mul(z, z), fma(z, fma(z, C3, C2), C1), fma(-0.5f, z, 1.0f));
  // The quadrant q is the top two bits of n: odd q is bit 30 (the top bit of n2), cos is
  // negative for q = 1, 2 (bit 31 xor bit 30) and sin for q = 2, 3 (bit 31).
  const uint32_t odd = static_cast<uint32_t>(static_cast<int32_t>(n2) >> 31);
  const float a = select(odd, sn, cs);
  const float b = select(odd, cs, sn);
  c = from_bits(bits_of(a) ^ ((n ^ n2) & 0x80000000u));
  s = from_bits(bits_of(b) ^ (n & 0x80000000u));
}

}  // namespace bmf
}  // namespace loradyn
