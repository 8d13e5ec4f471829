#include "gradient_noise.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "../gauss/gauss_hermite.hpp"
#include "../gauss/gauss_legendre.hpp"

namespace loradyn {
namespace {

bool kinked(const Activation& a) { return !a.is_smooth(); }

// A rule for E[f(z)], z ~ N(0, 1): Gauss–Hermite when f is smooth, else split at `kink`.
void rule(bool smooth, double kink, std::vector<double>& x, std::vector<double>& w) {
  if (smooth) {
    const GaussRule& r = gauss_hermite_rule(40);
    x = r.x;
    w = r.w;
  } else {
    normal_rule_split(kink, x, w);
  }
}

}  // namespace

double error_second_moment(const Activation& s, const Link& t, double noise, double M, double Q) {
  if (!(Q >= 0) || !std::isfinite(Q) || !std::isfinite(M) || M * M > Q * (1 + 1e-12))
    throw std::invalid_argument("error moment needs a covariance: finite M, Q with M^2 <= Q");
  if (!(noise >= 0) || !std::isfinite(noise)) throw std::invalid_argument("noise must be finite and >= 0");
  std::vector<double> xo, wo, xi, wi;
  const bool s_smooth = !kinked(s), t_smooth = !kinked(t.act);
  if (Q == 0) {
    // lam = 0 always: e = (s(0) - t(lam*)) s'(0).
    const ActivationValue v = s.eval(0.0);
    rule(t_smooth, 0.0, xi, wi);
    double e2 = 0;
    for (size_t j = 0; j < xi.size(); ++j) {
      const double r = v.s - t.value(xi[j]);
      e2 += wi[j] * r * r;
    }
    return (e2 + noise) * v.ds * v.ds;
  }
  // lam = sqrt(Q) a; lam* | lam ~ N(rho lam, 1 - M^2 / Q), rho = M / Q.
  const double sq = std::sqrt(Q), rho = M / Q, var_c = std::fmax(0.0, 1 - M * M / Q), sc = std::sqrt(var_c);
  rule(s_smooth, 0.0, xo, wo);
  double total = 0;
  for (size_t i = 0; i < xo.size(); ++i) {
    const double lam = sq * xo[i];
    const ActivationValue v = s.eval(lam);
    const double ds2 = v.ds * v.ds;
    if (ds2 == 0) continue;
    const double mean = rho * lam;
    double inner = 0;
    if (sc < 1e-12) {
      const double r = v.s - t.value(mean);
      inner = r * r;
    } else {
      rule(t_smooth, -mean / sc, xi, wi);
      for (size_t j = 0; j < xi.size(); ++j) {
        const double r = v.s - t.value(mean + sc * xi[j]);
        inner += wi[j] * r * r;
      }
    }
    total += wo[i] * ds2 * (inner + noise);
  }
  return total;
}

}  // namespace loradyn
