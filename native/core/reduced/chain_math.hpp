// exp, erf and the logistic sigmoid for the reduced chain's links, branch-free so that the
// batch kernels' loops over a block of samples vectorise (the C library's erf costs about
// 35 cycles a call and does not vectorise; the two-layer grid calls it eight times a sample).
// Only +, -, *, /, fused multiply-add (std::fma: one rounding, the same on every machine; the
// baseline clone calls the C library's), comparisons and bit operations occur, so scalar code,
// every SIMD width and device code built with --fmad=false return the same bits.
//
// erf is fdlibm's rational approximation near 0 and Cody's for erfc beyond, evaluated as one
// rational per lane (the lane's interval picks the coefficients) and one exponential, which erf'
// shares. exp is
// fdlibm's range reduction (Sun Microsystems, 1993) with a degree-13 Taylor polynomial in place
// of its rational form (no division), taking its argument as an exact part plus a small one.
// Accuracy against a 64-bit-mantissa reference (test/chain_math.test.ts): exp and erf within
// about 1 ulp, erf' within 2, the sigmoid within 3 and its derivative within 5.
#pragma once
#include <cmath>
#include <cstdint>

#include "../rng/box_muller_math.hpp"  // bm::bits_of, bm::from_bits; LD_HD

// Always inlined on the host: the loops that call them vectorise only then.
#if defined(__CUDACC__) || !defined(__GNUC__)
#define LD_MATH LD_HD
#else
#define LD_MATH inline __attribute__((always_inline))
#endif

namespace loradyn {
namespace chain_math {

using std::fma;

// e^(a + b) for an a that is exact and a b below 2 in size: the reduction subtracts k ln 2 from a
// alone (exactly), then adds b, so a's size costs no accuracy. Results below the normal range
// come out subnormal or 0, above it +inf; NaN stays NaN.
LD_MATH double exp_sum(double a, double b) {
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 bits: k * kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52: rounds to an integer
  // e^-748 is 0 in double and e^710 is inf: clamping keeps k (and 2^k) in range.
  a = a < -750.0 ? -750.0 : (a > 712.0 ? 712.0 : a);
  b = b < -2.0 ? -2.0 : (b > 2.0 ? 2.0 : b);
  const double t = (a + b) * kInvLn2 + kShift;
  const double kd = t - kShift;  // the integer nearest (a + b) / ln 2
  // k as a two's-complement integer: the low bits of t's mantissa.
  const int64_t k = static_cast<int64_t>(bm::bits_of(t) - bm::bits_of(kShift));
  const double r = ((a - kd * kLn2Hi) + b) - kd * kLn2Lo;  // |r| <= ln(2) / 2, plus rounding
  // e^r by Horner on Taylor's coefficients: the first term left out is below 2^-57.
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = fma(r, p, 1.0 / 479001600.0);
  p = fma(r, p, 1.0 / 39916800.0);
  p = fma(r, p, 1.0 / 3628800.0);
  p = fma(r, p, 1.0 / 362880.0);
  p = fma(r, p, 1.0 / 40320.0);
  p = fma(r, p, 1.0 / 5040.0);
  p = fma(r, p, 1.0 / 720.0);
  p = fma(r, p, 1.0 / 120.0);
  p = fma(r, p, 1.0 / 24.0);
  p = fma(r, p, 1.0 / 6.0);
  p = fma(r, p, 0.5);
  p = fma(r, p, 1.0);
  p = fma(r, p, 1.0);
  // Times 2^k in two exact halves, so that a subnormal or overflowing result rounds once.
  const int64_t k1 = k / 2, k2 = k - k1;
  const double s1 = bm::from_bits(static_cast<uint64_t>(k1 + 1023) << 52);
  const double s2 = bm::from_bits(static_cast<uint64_t>(k2 + 1023) << 52);
  return (p * s1) * s2;
}

LD_MATH double exp(double x) { return exp_sum(x, 0.0); }

// x with the low 32 bits of its mantissa cleared: z * z is then exact.
LD_MATH double high_part(double x) { return bm::from_bits(bm::bits_of(x) & 0xFFFFFFFF00000000ull); }

// erf(x) and, when want_deriv, erf'(x) = 2/sqrt(pi) e^(-x^2), from two rational
// approximations: fdlibm's near 0 and W. J. Cody's for erfc beyond (Math. Comp. 23, 1969; the
// coefficients of his CALERF for 0.46875 <= x <= 4):
//   |x| < 0.84375:   erf  = |x| + |x| N(x^2) / D(x^2)     (fdlibm, degrees 4 and 5)
//   |x| >= 0.84375:  erfc = e^(-x^2) N(|x|) / D(|x|)      (Cody, degrees 8 and 8)
// Past 0.84375 erfc < 0.24, so erf = 1 - erfc loses under one bit; past 4, where Cody uses a
// third approximation, erfc < 2e-8 and this one's error there is far below half an ulp of erf
// (measured: erf within 1.3 ulp over [-7, 7]). Each lane evaluates one rational of degree 8 with
// its interval's coefficients (fdlibm's padded with leading zeros, which change nothing:
// fma(v, 0, c) = c) and one exponential, which erf' shares.
template <bool want_deriv>
LD_MATH void erf_eval(double x, double& s, double& ds) {
  const double y = x < 0 ? -x : x;
  const double yc = y > 1e10 ? 1e10 : y;  // beyond, erf = 1 and e^(-x^2) = 0 anyway; NaN stays
  const bool near = y < 0.84375;          // NaN: not near, and NaN comes out
  const double v = near ? y * y : yc;
#define LD_C(c_near, c_far) (near ? (c_near) : (c_far))
  double N = LD_C(0.0, 2.15311535474403846e-8);
  N = fma(v, N, LD_C(0.0, 5.64188496988670089e-1));
  N = fma(v, N, LD_C(0.0, 8.88314979438837594e0));
  N = fma(v, N, LD_C(0.0, 6.61191906371416295e1));
  N = fma(v, N, LD_C(-2.37630166566501626084e-05, 2.98635138197400131e2));
  N = fma(v, N, LD_C(-5.77027029648944159157e-03, 8.81952221241769090e2));
  N = fma(v, N, LD_C(-2.84817495755985104766e-02, 1.71204761263407058e3));
  N = fma(v, N, LD_C(-3.25042107247001499370e-01, 2.05107837782607147e3));
  N = fma(v, N, LD_C(1.28379167095512558561e-01, 1.23033935479799725e3));
  double D = LD_C(0.0, 1.0);
  D = fma(v, D, LD_C(0.0, 1.57449261107098347e1));
  D = fma(v, D, LD_C(0.0, 1.17693950891312499e2));
  D = fma(v, D, LD_C(-3.96022827877536812320e-06, 5.37181101862009858e2));
  D = fma(v, D, LD_C(1.32494738004321644526e-04, 1.62138957456669019e3));
  D = fma(v, D, LD_C(5.08130628187576562776e-03, 3.29079923573345963e3));
  D = fma(v, D, LD_C(6.50222499887672944485e-02, 4.36261909014324716e3));
  D = fma(v, D, LD_C(3.97917223959155352819e-01, 3.43936767414372164e3));
  D = fma(v, D, LD_C(1.0, 1.23033935480374942e3));
#undef LD_C
  const double ratio = N / D;
  // e^(-x^2) = e^(-z^2 + (z - |x|)(z + |x|)) with z^2 exact.
  const double z = high_part(yc);
  const double E = exp_sum(-z * z, (z - yc) * (z + yc));
  const double e = near ? y + y * ratio : 1.0 - E * ratio;
  s = x < 0 ? -e : e;
  if (want_deriv) ds = 1.1283791670955126 * E;
}

// The logistic sigmoid 1 / (1 + e^-x) and its derivative s (1 - s) = e^-|x| / (1 + e^-|x|)^2
// (written so, it keeps its relative accuracy where s is close to 1).
LD_MATH void sigmoid_eval(double x, double& s, double& ds) {
  const double e = exp(x < 0 ? x : -x);  // e^-|x|: no overflow
  const double d = 1.0 / (1.0 + e);
  s = x >= 0 ? d : e * d;
  ds = (e * d) * d;
}

}  // namespace chain_math
}  // namespace loradyn
