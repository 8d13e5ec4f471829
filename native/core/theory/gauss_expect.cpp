#include "gauss_expect.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "../gauss/gauss_hermite.hpp"
#include "../gauss/gauss_legendre.hpp"

namespace loradyn {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInvSqrt2Pi = 0.3989422804014327;
constexpr double kTwoOverSqrtPi = 1.1283791670955126;
constexpr int kSmoothPoints = 80;  // Gauss–Hermite points per axis for smooth integrands

double hermite_at_zero(int n) {  // He_n(0)
  if (n % 2) return 0.0;
  double v = 1;
  for (int i = 1; i < n; i += 2) v *= -static_cast<double>(i);
  return v;
}

double double_factorial_odd(int i) {  // (2i-1)!!
  double v = 1;
  for (int j = 1; j <= 2 * i - 1; j += 2) v *= j;
  return v;
}

[[noreturn]] void diverges(const char* what) {
  throw std::domain_error(std::string("Gaussian expectation diverges: ") + what);
}

// Rule for E[f(z)], z ~ N(0,1): Gauss–Hermite when f is smooth, split composite otherwise.
void standard_rule(bool kinked, double kink, std::vector<double>& x, std::vector<double>& w) {
  if (kinked) {
    normal_rule_split(kink, x, w);
  } else {
    const GaussRule& r = gauss_hermite_rule(kSmoothPoints);
    x = r.x;
    w = r.w;
  }
}

double quad_moment(const GaussAtom& f, int k, double caa) {
  const double s = std::sqrt(std::fmax(caa, 0.0));
  if (s == 0) return k == 0 ? f.eval(0.0) : 0.0;
  std::vector<double> x, w, h(k + 1);
  standard_rule(f.kinked(), 0.0, x, w);
  double acc = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    hermite_values(k, x[i], h.data());
    acc += w[i] * f.eval(s * x[i]) * h[k];
  }
  return acc;
}

double erf_moment(int order, int k, double caa) {
  // E[erf^(m)(a)] with m = order + k; erf^(m) = (2/sqrt(pi)) g^(m-1), g = exp(-z^2), and by the
  // heat equation E[g^(2i)(a)] = 2^i d^i/dc^i (1+2c)^(-1/2) = (-2)^i (2i-1)!! (1+2c)^(-i-1/2).
  const int m = order + k;
  if (m == 0) return 0.0;
  const int j = m - 1;
  if (j % 2) return 0.0;
  const int i = j / 2;
  const double sk = k == 0 ? 1.0 : std::pow(std::sqrt(std::fmax(caa, 0.0)), k);
  return sk * kTwoOverSqrtPi * std::pow(-2.0, i) * double_factorial_odd(i) * std::pow(1 + 2 * caa, -(i + 0.5));
}

double relu_moment(int order, int k, double caa) {
  // relu^(m): relu, step, then delta^(m-2) with E[delta^(n)(a)] = He_n(0) phi(0) / s^(n+1).
  // The sigma -> 0 limits are kept (step(s x) does not depend on s); only delta diverges.
  const double s = std::sqrt(std::fmax(caa, 0.0));
  const int m = order + k;
  if (m == 0) return s * kInvSqrt2Pi;
  if (m == 1) return k == 0 ? 0.5 : 0.5 * s;  // E[step] or s E[step]
  if (order == 2 && s == 0) diverges("E[delta(a) ...] with var(a) = 0 (relu at zero pre-activation variance)");
  // s^k He_(m-2)(0) phi(0) / s^(m-1) = He_(m-2)(0) phi(0) s^(1-order)
  return hermite_at_zero(m - 2) * kInvSqrt2Pi * std::pow(s, 1.0 - order);
}

double erf_pair(int i, int j, Cov2 c) {
  const double Da = 1 + 2 * c.aa, Db = 1 + 2 * c.bb, G = Da * Db - 4 * c.ab * c.ab;
  if ((i + j) % 2) return 0.0;  // parity: erf and erf'' odd, erf' even
  if (i == 0 && j == 0) return (2 / kPi) * std::asin(std::clamp(2 * c.ab / std::sqrt(Da * Db), -1.0, 1.0));
  if (i == 1 && j == 1) return (4 / kPi) / std::sqrt(G);
  if (i == 2 && j == 0) return -(8 / kPi) * c.ab / (Da * std::sqrt(G));
  if (i == 0 && j == 2) return -(8 / kPi) * c.ab / (Db * std::sqrt(G));
  return (16 / kPi) * c.ab * std::pow(G, -1.5);  // (2, 2)
}

double relu_pair(int i, int j, Cov2 c) {
  const double sa = std::sqrt(std::fmax(c.aa, 0.0)), sb = std::sqrt(std::fmax(c.bb, 0.0));
  const double rho = (sa > 0 && sb > 0) ? std::clamp(c.ab / (sa * sb), -1.0, 1.0) : 0.0;
  // theta = acos(rho) from the determinant: exact at the degenerate (same-variable) point,
  // where acos(1 - rounding) would lose half the digits.
  const double det = std::fmax(c.aa * c.bb - c.ab * c.ab, 0.0);
  const double sin_theta = (sa > 0 && sb > 0) ? std::fmin(std::sqrt(det) / (sa * sb), 1.0) : 1.0;
  const double theta = std::atan2(sin_theta, rho);
  if (i == 0 && j == 0) return sa * sb / (2 * kPi) * (sin_theta + (kPi - theta) * rho);
  if (i == 1 && j == 1) return (kPi - theta) / (2 * kPi);
  if (i == 0 && j == 1) return sa * (1 + rho) * 0.5 * kInvSqrt2Pi;
  return sb * (1 + rho) * 0.5 * kInvSqrt2Pi;  // (1, 0)
}

double poly_times(const GaussAtom& x, const GaussAtom& p, Cov2 c, ExpectMode mode) {
  // E[x(a) q(b)], q(sb y) = sum_k Q_k He_k(y), E[x(a) He_k(y)] = rho^k E[x(a) He_k(a/sa)].
  const double sa = std::sqrt(std::fmax(c.aa, 0.0)), sb = std::sqrt(std::fmax(c.bb, 0.0));
  const HermiteSeries Q = hermite_rescale(p.poly, sb);
  const double rho = (sa > 0 && sb > 0) ? std::clamp(c.ab / (sa * sb), -1.0, 1.0) : 0.0;
  double acc = 0, rk = 1;
  for (size_t k = 0; k < Q.size(); ++k) {
    if (k > 0) rk *= rho;
    if (Q[k] == 0.0 || (k > 0 && rk == 0.0)) continue;
    acc += Q[k] * rk * atom_hermite_moment(x, static_cast<int>(k), c.aa, mode);
  }
  return p.coef * acc;
}

double quad_pair(const GaussAtom& f, const GaussAtom& g, Cov2 c) {
  const double sa = std::sqrt(std::fmax(c.aa, 0.0));
  if (sa == 0) return f.eval(0.0) * quad_moment(g, 0, c.bb);
  const double beta = c.ab / sa;  // b = beta x + s xi
  const double s = std::sqrt(std::fmax(c.bb - c.ab * c.ab / c.aa, 0.0));
  std::vector<double> x, w, xi, wi;
  // When b is (nearly) a multiple of a, g's kink also sits at x = 0: split there too.
  standard_rule(f.kinked() || g.kinked(), 0.0, x, w);
  if (!g.kinked()) standard_rule(false, 0.0, xi, wi);
  double acc = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double fa = f.eval(sa * x[i]);
    if (fa == 0.0) continue;
    const double mb = beta * x[i];
    double inner = 0;
    if (s == 0) {
      inner = g.eval(mb);
    } else {
      if (g.kinked()) normal_rule_split(-mb / s, xi, wi);
      for (size_t j = 0; j < xi.size(); ++j) inner += wi[j] * g.eval(mb + s * xi[j]);
    }
    acc += w[i] * fa * inner;
  }
  return acc;
}

}  // namespace

double atom_hermite_moment(const GaussAtom& f, int k, double caa, ExpectMode mode) {
  if (k < 0) throw std::invalid_argument("Hermite moment order must be >= 0");
  switch (f.kind) {
    case AtomKind::Poly: {
      if (static_cast<size_t>(k) >= f.poly.size()) return 0.0;
      const HermiteSeries P = hermite_rescale(f.poly, std::sqrt(std::fmax(caa, 0.0)));
      return f.coef * P[k] * factorial(k);
    }
    case AtomKind::Erf:
      if (mode == ExpectMode::Auto) return f.coef * erf_moment(f.order, k, caa);
      return quad_moment(f, k, caa);
    case AtomKind::Relu:
      if (mode == ExpectMode::Auto || f.is_delta()) return f.coef * relu_moment(f.order, k, caa);
      return quad_moment(f, k, caa);
    case AtomKind::Callable:
      return quad_moment(f, k, caa);
  }
  return 0.0;
}

double expect_atoms(const GaussAtom& f, const GaussAtom& g, Cov2 c, ExpectMode mode) {
  if (!(std::isfinite(c.aa) && std::isfinite(c.ab) && std::isfinite(c.bb)) || c.aa < 0 || c.bb < 0)
    throw std::domain_error("covariance must be finite with non-negative variances");
  if (f.is_delta() && g.is_delta()) {
    const double det = c.aa * c.bb - c.ab * c.ab;
    if (!(det > 0)) diverges("E[delta(a) delta(b)] with a degenerate covariance");
    return f.coef * g.coef / (2 * kPi * std::sqrt(det));
  }
  if (g.is_delta()) return expect_atoms(g, f, Cov2{c.bb, c.ab, c.aa}, mode);
  if (f.is_delta()) {
    // E[delta(a) g(b)] = p_a(0) E[g(b) | a = 0]; b | a = 0 is centred with variance
    // cbb - cab^2 / caa.
    if (!(c.aa > 0)) diverges("E[delta(a) ...] with var(a) = 0 (relu at zero pre-activation variance)");
    const double cond = std::fmax(c.bb - c.ab * c.ab / c.aa, 0.0);
    return f.coef * kInvSqrt2Pi / std::sqrt(c.aa) * atom_hermite_moment(g, 0, cond, mode);
  }
  if (mode == ExpectMode::Auto) {
    if (f.kind == AtomKind::Poly && g.kind == AtomKind::Poly)
      return f.coef * g.coef * hermite_pair_expect(f.poly, g.poly, c.aa, c.ab, c.bb);
    if (f.kind == AtomKind::Erf && g.kind == AtomKind::Erf) return f.coef * g.coef * erf_pair(f.order, g.order, c);
    if (f.kind == AtomKind::Relu && g.kind == AtomKind::Relu) return f.coef * g.coef * relu_pair(f.order, g.order, c);
    if (g.kind == AtomKind::Poly) return poly_times(f, g, c, mode);
    if (f.kind == AtomKind::Poly) return poly_times(g, f, Cov2{c.bb, c.ab, c.aa}, mode);
  }
  return quad_pair(f, g, c);
}

double expect_pair(const GaussFn& f, const GaussFn& g, Cov2 c, ExpectMode mode) {
  double acc = 0;
  for (const auto& a : f.atoms)
    for (const auto& b : g.atoms) acc += expect_atoms(a, b, c, mode);
  if (!std::isfinite(acc)) throw std::domain_error("Gaussian expectation is not finite");
  return acc;
}

double expect_one(const GaussFn& f, double caa, ExpectMode mode) {
  double acc = 0;
  for (const auto& a : f.atoms) acc += atom_hermite_moment(a, 0, caa, mode);
  if (!std::isfinite(acc)) throw std::domain_error("Gaussian expectation is not finite");
  return acc;
}

}  // namespace loradyn
