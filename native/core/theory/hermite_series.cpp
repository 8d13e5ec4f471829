#include "hermite_series.hpp"

#include <algorithm>
#include <cmath>

namespace loradyn {

double factorial(int k) {
  double f = 1;
  for (int i = 2; i <= k; ++i) f *= i;
  return f;
}

HermiteSeries hermite_rescale(const HermiteSeries& p, double sigma) {
  HermiteSeries q(p.size(), 0.0);
  const double half = 0.5 * (sigma * sigma - 1.0);
  for (size_t n = 0; n < p.size(); ++n) {
    if (p[n] == 0.0) continue;
    // term k: n!/(k!(n-2k)!) sigma^(n-2k) half^k, built from k = 0 upwards.
    double binom = 1.0;  // n!/(k!(n-2k)!)
    for (size_t k = 0; 2 * k <= n; ++k) {
      if (k > 0) binom *= static_cast<double>((n - 2 * k + 2) * (n - 2 * k + 1)) / k;
      const double t = binom * std::pow(sigma, static_cast<double>(n - 2 * k)) * std::pow(half, static_cast<double>(k));
      q[n - 2 * k] += p[n] * t;
    }
  }
  return q;
}

HermiteSeries hermite_derivative(const HermiteSeries& p) {
  if (p.size() <= 1) return HermiteSeries{0.0};
  HermiteSeries q(p.size() - 1);
  for (size_t k = 1; k < p.size(); ++k) q[k - 1] = k * p[k];
  return q;
}

HermiteSeries hermite_product(const HermiteSeries& p, const HermiteSeries& q) {
  if (p.empty() || q.empty()) return HermiteSeries{0.0};
  HermiteSeries out(p.size() + q.size() - 1, 0.0);
  for (size_t j = 0; j < p.size(); ++j) {
    if (p[j] == 0.0) continue;
    for (size_t k = 0; k < q.size(); ++k) {
      if (q[k] == 0.0) continue;
      double c = 1.0;  // C(j,r) C(k,r) r!, from r = 0 upwards
      for (size_t r = 0; r <= std::min(j, k); ++r) {
        if (r > 0) c *= static_cast<double>((j - r + 1) * (k - r + 1)) / r;
        out[j + k - 2 * r] += p[j] * q[k] * c;
      }
    }
  }
  return out;
}

void hermite_axpy(double a, const HermiteSeries& p, HermiteSeries& q) {
  if (q.size() < p.size()) q.resize(p.size(), 0.0);
  for (size_t k = 0; k < p.size(); ++k) q[k] += a * p[k];
}

double hermite_pair_expect(const HermiteSeries& p, const HermiteSeries& q, double caa, double cab, double cbb) {
  const double sa = std::sqrt(std::fmax(caa, 0.0)), sb = std::sqrt(std::fmax(cbb, 0.0));
  const HermiteSeries P = hermite_rescale(p, sa), Q = hermite_rescale(q, sb);
  double rho = (sa > 0 && sb > 0) ? cab / (sa * sb) : 0.0;
  rho = std::clamp(rho, -1.0, 1.0);
  double acc = 0, rk = 1, kf = 1;
  const size_t n = std::min(P.size(), Q.size());
  for (size_t k = 0; k < n; ++k) {
    if (k > 0) {
      rk *= rho;
      kf *= static_cast<double>(k);
    }
    acc += P[k] * Q[k] * kf * rk;
  }
  return acc;
}

}  // namespace loradyn
