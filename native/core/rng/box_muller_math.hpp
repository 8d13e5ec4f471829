// The elementary functions of the Box–Muller transform, written with +, -, *, / and sqrt
// only, in a fixed order. Every IEEE-754 double implementation (scalar C++, the SIMD loops of
// gaussian_simd_*.cpp, CUDA device code) therefore returns the same bits, which libm's log,
// sin and cos do not promise. Builds must keep -ffp-contract=off (no fused multiply-add).
//
// Accuracy (rngAccuracy() in test/rng_simd.test.ts, against 80-bit long double, 2e6 draws
// plus edge words): log_unit 0.79 ulp, cos/sin of the turn 1.8 ulp, the Gaussians 3.2 ulp;
// the tests bound them by 1, 2 and 4 ulp. The polynomials are the classic fdlibm minimax fits
// (Sun Microsystems, 1993): log on [sqrt(1/2), sqrt(2)) via s = f / (2 + f), sin and cos on
// [-pi/4, pi/4] (cos without fdlibm's compensation term: the rounding of the reduced angle
// dominates the error either way).
#pragma once
#include <cstdint>
#include <cstring>

#include "philox.hpp"  // LD_HD

namespace loradyn {
namespace bm {

LD_HD uint64_t bits_of(double x) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint64_t>(__double_as_longlong(x));
#else
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

// a * b that no compiler may fuse with a following add: nvcc contracts a * b + c into an FMA
// by default (-fmad=true), which would change the bits; __dmul_rn is never contracted. On the
// host the builds pass -ffp-contract=off.
LD_HD double mul(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

LD_HD double from_bits(uint64_t u) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(u));
#else
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

// Natural log of a normal u in [2^-64, 1]. Branch-free so that loops over it vectorise.
LD_HD double log_unit(double u) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2, top 32 bits
  constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 - kLn2Hi
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                   Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  // u = 2^k m with m in [sqrt(1/2), sqrt(2)): subtracting sqrt(1/2)'s bits puts k in the top
  // 12 bits (two's complement), and removing them from u's exponent leaves m.
  const uint64_t ix = bits_of(u);
  const uint64_t tmp = ix - 0x3FE6A09E667F3BCDull;
  const double m = from_bits(ix - (tmp & 0xFFF0000000000000ull));
  // k in [-64, 0] as a double without an int64 conversion (AVX2 has none): k + 64 in the
  // mantissa of 2^52.
  const double dk = from_bits(0x4330000000000000ull | (((tmp >> 52) + 64u) & 0xFFFull)) - 4503599627370560.0;
  const double f = m - 1.0;  // exact
  const double s = f / (2.0 + f);
  const double z = mul(s, s);
  const double w = mul(z, z);
  const double t1 = mul(w, Lg2 + mul(w, Lg4 + mul(w, Lg6)));
  const double t2 = mul(z, Lg1 + mul(w, Lg3 + mul(w, Lg5 + mul(w, Lg7))));
  const double R = t2 + t1;
  const double hfsq = mul(mul(0.5, f), f);
  return mul(dk, kLn2Hi) - ((hfsq - (mul(s, hfsq + R) + mul(dk, kLn2Lo))) - f);
}

// cos and sin of the turn 2*pi*(w + 0.5) / 2^32. The quadrant comes exactly from the top bits
// of w, so the reduction to [-pi/4, pi/4] costs one rounding.
LD_HD void sincos_turn(uint32_t w, double& c, double& s) {
  constexpr double kStep = 1.4629180792671596e-09;  // (pi/2) / 2^30
  constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
                   S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
                   C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  const uint32_t n = w + 0x20000000u;  // shift by 1/8 turn: quadrant q is centred on q*pi/2
  const uint32_t q = n >> 30;
  const int32_t rho = static_cast<int32_t>(n & 0x3FFFFFFFu) - 0x20000000;
  const double x = mul(static_cast<double>(rho) + 0.5, kStep);  // angle - q*pi/2, |x| < pi/4
  const double z = mul(x, x);
  const double v = mul(z, x);
  const double rs = S2 + mul(z, S3 + mul(z, S4 + mul(z, S5 + mul(z, S6))));
  const double sn = x + mul(v, S1 + mul(z, rs));
  const double rc = mul(z, C1 + mul(z, C2 + mul(z, C3 + mul(z, C4 + mul(z, C5 + mul(z, C6))))));
  const double hz = mul(0.5, z);
  const double cs = 1.0 - (hz - mul(z, rc));
  // Rotate by q quarter turns: (cos, sin) -> (-sin, cos) per quarter.
  const double a = (q & 1u) ? sn : cs;
  const double b = (q & 1u) ? cs : sn;
  c = ((q + 1u) & 2u) ? -a : a;  // q = 1, 2
  s = (q & 2u) ? -b : b;         // q = 2, 3
}

}  // namespace bm
}  // namespace loradyn
