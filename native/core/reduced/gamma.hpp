// Exact gamma, chi-square and Wishart variates drawn from Philox counters, so the reduced
// chain stays a pure function of (seed, step) like every other simulator.
#pragma once
#include <cmath>
#include <cstdint>

#include "../rng/gaussian.hpp"
#include "chain_draws.hpp"

namespace loradyn {

// Gamma(a, 1) by Marsaglia & Tsang (ACM TOMS 2000), exact for every a > 0 (0 for a <= 0).
// Attempt k reads Philox block k of (key, step, sample): words 0 and 1 give the normal
// (Box–Muller, cosine branch), word 2 the acceptance uniform, word 3 the U^(1/a) boost for
// a < 1. Acceptance depends on words 0..2 only, so word 3 is still uniform given acceptance.
LD_HD double gamma_mt(const DrawKey& key, uint64_t step, uint32_t sample, double a) {
  if (!(a > 0)) return 0.0;
  const bool boost = a < 1.0;
  const double s = boost ? a + 1.0 : a;
  const double dd = s - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * dd);
  for (uint32_t k = 0;; ++k) {
    const Philox4 w = philox_block(key, step, sample, k);
    const double x =
        std::sqrt(-2.0 * std::log(u32_to_open01(w.v[0]))) * std::cos(6.283185307179586 * u32_to_open01(w.v[1]));
    const double t = c * x;
    if (t <= -1.0) continue;
    const double v = (1.0 + t) * (1.0 + t) * (1.0 + t);
    const double u = u32_to_open01(w.v[2]);
    const double x2 = x * x;
    bool accept = u < 1.0 - 0.0331 * x2 * x2;  // squeeze: no logarithm on most attempts
    if (!accept) {
      // 1 - v + log v written so that large a (v close to 1) loses no precision.
      const double one_minus_v_plus_log_v = -(3.0 * t + 3.0 * t * t + t * t * t) + 3.0 * std::log1p(t);
      accept = std::log(u) < 0.5 * x2 + dd * one_minus_v_plus_log_v;
    }
    if (accept) {
      double g = dd * v;
      if (boost) g *= std::pow(u32_to_open01(w.v[3]), 1.0 / a);
      return g;
    }
  }
}

// Chi-square with n degrees of freedom (n may be any real >= 0; 0 gives 0).
LD_HD double chi_square(const DrawKey& key, uint64_t step, uint32_t sample, double n) {
  return 2.0 * gamma_mt(key, step, sample, 0.5 * n);
}

// Bartlett factor of a Wishart_r(n, I) matrix: lower-triangular T (r x r, row-major) with
// T T^T ~ Wishart_r(n, I); T_ii = sqrt(chi2_{n-i}), T_ij ~ N(0, 1) below the diagonal.
// Needs n >= r (checked by the caller). Diagonal i draws from `diag` with sample i; the
// off-diagonal Gaussians are coordinates 0.. of sample 0 of `offdiag`, in row order. `r` is an
// int or a std::integral_constant.
template <class R>
LD_HD void bartlett_factor(const DrawKey& diag, const DrawKey& offdiag, uint64_t step, R r, double n, double* T) {
  // The r (r - 1) / 2 Gaussians below the diagonal come kMaxFill at a time, four per Philox
  // block (gaussian_span gives gaussian_at's numbers).
  constexpr int kMaxFill = 64;
  double g[kMaxFill];
  const int below = r * (r - 1) / 2;
  int idx = 0;
  for (int i = 0; i < r; ++i) {
    for (int j = 0; j < i; ++j, ++idx) {
      if (idx % kMaxFill == 0) {
        const int count = below - idx < kMaxFill ? below - idx : kMaxFill;
        gaussian_span(offdiag, step, static_cast<uint32_t>(idx), static_cast<uint32_t>(count), g);
      }
      T[i * r + j] = g[idx % kMaxFill];
    }
    T[i * r + i] = std::sqrt(chi_square(diag, step, static_cast<uint32_t>(i), n - i));
    for (int j = i + 1; j < r; ++j) T[i * r + j] = 0.0;
  }
}

}  // namespace loradyn
