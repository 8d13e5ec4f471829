#include "gauss_hermite.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

namespace loradyn {
namespace {

// Physicists' Hermite nodes by Newton iteration on the orthonormal recurrence
// (Golub–Welsch would need an eigen-solver; Newton from asymptotic guesses converges fast).
GaussRule build_rule(int n) {
  const double pim4 = 0.7511255444649425;  // pi^(-1/4)
  std::vector<double> xs(n), ws(n);
  double z = 0;
  for (int i = 0; i < (n + 1) / 2; ++i) {
    if (i == 0)
      z = std::sqrt(2.0 * n + 1) - 1.85575 * std::pow(2.0 * n + 1, -0.16667);
    else if (i == 1)
      z -= 1.14 * std::pow(static_cast<double>(n), 0.426) / z;
    else if (i == 2)
      z = 1.86 * z - 0.86 * xs[0];
    else if (i == 3)
      z = 1.91 * z - 0.91 * xs[1];
    else
      z = 2.0 * z - xs[i - 2];
    double pp = 0;
    for (int it = 0; it < 100; ++it) {
      double p1 = pim4, p2 = 0;
      for (int j = 0; j < n; ++j) {
        const double p3 = p2;
        p2 = p1;
        p1 = z * std::sqrt(2.0 / (j + 1)) * p2 - std::sqrt(static_cast<double>(j) / (j + 1)) * p3;
      }
      pp = std::sqrt(2.0 * n) * p2;
      const double z1 = z;
      z = z1 - p1 / pp;
      if (std::fabs(z - z1) <= 1e-15 * std::fmax(1.0, std::fabs(z))) break;
    }
    xs[i] = z;
    xs[n - 1 - i] = -z;
    ws[i] = 2.0 / (pp * pp);
    ws[n - 1 - i] = ws[i];
  }
  // Change of variable to N(0, 1): x -> sqrt(2) x, w -> w / sqrt(pi).
  GaussRule r;
  r.x.resize(n);
  r.w.resize(n);
  for (int i = 0; i < n; ++i) {
    r.x[i] = std::sqrt(2.0) * xs[n - 1 - i];
    r.w[i] = ws[n - 1 - i] / std::sqrt(M_PI);
  }
  return r;
}

}  // namespace

const GaussRule& gauss_hermite_rule(int n) {
  if (n < 1 || n > 400) throw std::invalid_argument("Gauss-Hermite order must be in [1, 400]");
  static std::mutex mu;
  static std::map<int, GaussRule> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, build_rule(n)).first;
  return it->second;
}

double gauss2_expect(const std::function<double(double, double)>& f, double caa, double cab, double cbb, int n) {
  const GaussRule& r = gauss_hermite_rule(n);
  // a = l11 g1, b = l21 g1 + l22 g2.
  const double l11 = std::sqrt(std::fmax(caa, 0.0));
  const double l21 = l11 > 0 ? cab / l11 : 0.0;
  const double l22 = std::sqrt(std::fmax(cbb - l21 * l21, 0.0));
  double acc = 0;
  for (int i = 0; i < n; ++i) {
    const double a = l11 * r.x[i];
    const double bi = l21 * r.x[i];
    double inner = 0;
    if (l22 == 0) {
      inner = f(a, bi);
    } else {
      for (int j = 0; j < n; ++j) inner += r.w[j] * f(a, bi + l22 * r.x[j]);
    }
    acc += r.w[i] * inner;
  }
  return acc;
}

}  // namespace loradyn
