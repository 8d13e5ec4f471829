#include "gauss_legendre.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

namespace loradyn {
namespace {

constexpr double kNormalLimit = 10.0;
constexpr double kPanelWidth = 2.0;
constexpr int kPanelPoints = 12;

LegendreRule build_legendre(int n) {
  LegendreRule r;
  r.x.resize(n);
  r.w.resize(n);
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double z = std::cos(M_PI * (i + 0.75) / (n + 0.5));
    double pp = 1;
    for (int it = 0; it < 100; ++it) {
      double p1 = 1, p2 = 0;
      for (int j = 0; j < n; ++j) {
        const double p3 = p2;
        p2 = p1;
        p1 = ((2.0 * j + 1) * z * p2 - j * p3) / (j + 1);
      }
      pp = n * (z * p1 - p2) / (z * z - 1);
      const double z1 = z;
      z = z1 - p1 / pp;
      if (std::fabs(z - z1) <= 1e-16) break;
    }
    r.x[i] = -z;
    r.x[n - 1 - i] = z;
    r.w[i] = r.w[n - 1 - i] = 2.0 / ((1 - z * z) * pp * pp);
  }
  return r;
}

}  // namespace

const LegendreRule& gauss_legendre_rule(int n) {
  if (n < 1 || n > 200) throw std::invalid_argument("Gauss-Legendre order must be in [1, 200]");
  static std::mutex mu;
  static std::map<int, LegendreRule> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, build_legendre(n)).first;
  return it->second;
}

void normal_panels(double lo, double hi, std::vector<double>& x, std::vector<double>& w) {
  if (!(hi > lo)) return;
  static const LegendreRule& g = gauss_legendre_rule(kPanelPoints);
  const int panels = static_cast<int>(std::ceil((hi - lo) / kPanelWidth));
  const double h = (hi - lo) / panels;
  const double inv_sqrt_2pi = 0.3989422804014327;
  for (int p = 0; p < panels; ++p) {
    const double a = lo + p * h, mid = a + 0.5 * h;
    for (int i = 0; i < kPanelPoints; ++i) {
      const double z = mid + 0.5 * h * g.x[i];
      x.push_back(z);
      w.push_back(0.5 * h * g.w[i] * inv_sqrt_2pi * std::exp(-0.5 * z * z));
    }
  }
}

void normal_rule_split(double kink, std::vector<double>& x, std::vector<double>& w) {
  x.clear();
  w.clear();
  if (std::isfinite(kink) && kink > -kNormalLimit && kink < kNormalLimit) {
    normal_panels(-kNormalLimit, kink, x, w);
    normal_panels(kink, kNormalLimit, x, w);
  } else {
    normal_panels(-kNormalLimit, kNormalLimit, x, w);
  }
}

}  // namespace loradyn
