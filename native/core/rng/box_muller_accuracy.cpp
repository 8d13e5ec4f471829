#include "box_muller_accuracy.hpp"

#include <cfloat>
#include <cmath>
#include <vector>

#include "gaussian.hpp"

namespace loradyn {
namespace {

// |got - exact| in units of the last place of a `bits`-bit significand at exact's binade.
double ulps(double got, long double exact, int bits = 53) {
  if (exact == 0) return got == 0 ? 0 : INFINITY;
  int e;
  std::frexp(static_cast<double>(exact), &e);
  const long double ulp = std::ldexp(1.0L, e - bits);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - exact) / ulp);
}

// cos and sin of 2 pi (w + 0.5) / 2^32 in long double, reduced by quarter turns exactly.
void exact_turn(uint32_t w, long double& c, long double& s) {
  const long double pi = 3.14159265358979323846264338327950288L;
  const uint32_t n = w + 0x20000000u;
  const uint32_t q = n >> 30;
  const int32_t rho = static_cast<int32_t>(n & 0x3FFFFFFFu) - 0x20000000;
  const long double x = (static_cast<long double>(rho) + 0.5L) * (pi / 2147483648.0L);
  const long double cx = std::cos(x), sx = std::sin(x);
  switch (q) {
    case 0:
      c = cx;
      s = sx;
      break;
    case 1:
      c = -sx;
      s = cx;
      break;
    case 2:
      c = -cx;
      s = -sx;
      break;
    default:
      c = sx;
      s = -cx;
      break;
  }
}

}  // namespace

BoxMullerAccuracy box_muller_accuracy(uint64_t n, uint64_t seed) {
  BoxMullerAccuracy a;
  a.reference_digits = LDBL_MANT_DIG;
  std::vector<uint32_t> words;
  for (uint32_t k = 0; k < 64; ++k) {
    words.push_back(k);
    words.push_back(0xFFFFFFFFu - k);
    for (uint32_t q = 0; q < 8; ++q) {  // around every eighth of a turn
      words.push_back(q * 0x20000000u + k);
      words.push_back(q * 0x20000000u - 1 - k);
    }
  }
  for (uint64_t i = 0; i < (n + 3) / 4; ++i) {
    const Philox4 p = philox_block({seed, kStreamTest}, 0, 0, static_cast<uint32_t>(i));
    for (int j = 0; j < 4; ++j) words.push_back(p.v[j]);
  }
  for (size_t i = 0; i < words.size(); ++i) {
    const uint32_t wa = words[i], wb = words[words.size() - 1 - i];
    const double u = u32_to_open01(wa);
    const long double L = std::log(static_cast<long double>(u));
    a.log_ulp = std::fmax(a.log_ulp, ulps(bm::log_unit(u), L));
    a.libm_log_ulp = std::fmax(a.libm_log_ulp, ulps(std::log(u), L));
    double c, s;
    bm::sincos_turn(wb, c, s);
    long double ce, se;
    exact_turn(wb, ce, se);
    a.cos_ulp = std::fmax(a.cos_ulp, ulps(c, ce));
    a.sin_ulp = std::fmax(a.sin_ulp, ulps(s, se));
    double g0, g1;
    box_muller(wa, wb, g0, g1);
    const long double R = std::sqrt(-2.0L * L);
    a.gaussian_ulp = std::fmax(a.gaussian_ulp, std::fmax(ulps(g0, R * ce), ulps(g1, R * se)));
    // Single precision, against the exact values of the words (not of the rounded double u).
    const long double Lw = std::log((static_cast<long double>(wa) + 0.5L) / 4294967296.0L);
    a.f32_log_ulp = std::fmax(a.f32_log_ulp, ulps(bmf::log_word(wa), Lw, 24));
    float cf, sf;
    bmf::sincos_turn(wb, cf, sf);
    a.f32_cos_ulp = std::fmax(a.f32_cos_ulp, ulps(cf, ce, 24));
    a.f32_sin_ulp = std::fmax(a.f32_sin_ulp, ulps(sf, se, 24));
    double h0, h1;
    box_muller_f32(wa, wb, h0, h1);
    const long double Rw = std::sqrt(-2.0L * Lw);
    a.f32_gaussian_ulp = std::fmax(a.f32_gaussian_ulp, std::fmax(ulps(h0, Rw * ce, 24), ulps(h1, Rw * se, 24)));
  }
  a.samples = words.size();
  return a;
}

}  // namespace loradyn
