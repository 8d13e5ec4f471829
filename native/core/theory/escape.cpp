#include "escape.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace loradyn {
namespace {

void check_mu(double mu) {
  if (!(mu >= 0 && mu <= 1)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "mu must be in [0, 1] (got %g)", mu);
    throw std::invalid_argument(buf);
  }
}

double tau_or_inf(const EscapePoint& p) { return p.finite ? p.tau : INFINITY; }

}  // namespace

EscapeTheory::EscapeTheory(const Activation& student, const Link& teacher, bool hermite_rescale)
    : model_(student, teacher, 0.0),
      divisor_(hermite_rescale ? hermite_rescale_divisor(student.max_hermite_order()) : 1.0) {}

EscapePoint EscapeTheory::at(double mu) const {
  check_mu(mu);
  double LM, LQ;
  try {
    model_.grad1(mu, mu * mu, &LM, &LQ);
  } catch (const std::domain_error& e) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (at mu = %g)", mu);
    throw std::domain_error(e.what() + std::string(buf));
  }
  return tau_from_coefficients(mu, -(LM + 2 * mu * LQ) / divisor_, -2 * LQ / divisor_);
}

double EscapeTheory::A(double mu) const { return at(mu).A; }

std::vector<EscapePoint> EscapeTheory::curve(const std::vector<double>& mus) const {
  if (mus.empty()) throw std::invalid_argument("mu list is empty");
  std::vector<EscapePoint> out;
  out.reserve(mus.size());
  for (double mu : mus) out.push_back(at(mu));
  return out;
}

EscapeTheory::Critical EscapeTheory::critical(double lo, double hi, int points, double tol) const {
  check_mu(lo);
  check_mu(hi);
  if (!(hi > lo)) throw std::invalid_argument("critical-point grid is reversed or empty (need lo < hi)");
  if (points < 3) throw std::invalid_argument("critical-point grid needs at least 3 points");
  std::vector<double> mu(points + 1);
  std::vector<EscapePoint> p(points + 1);
  for (int i = 0; i <= points; ++i) {
    mu[i] = lo + (hi - lo) * i / points;
    p[i] = at(mu[i]);
  }
  Critical c;
  // Zeros of A: exact grid zeros, then sign changes refined by bisection.
  for (int i = 0; i <= points; ++i) {
    if (p[i].A == 0.0 && i > 0 && i < points) c.zeros.push_back(mu[i]);
    if (i == points) break;
    const double fa = p[i].A, fb = p[i + 1].A;
    if (fa == 0.0 || fb == 0.0 || (fa > 0) == (fb > 0)) continue;
    double a = mu[i], b = mu[i + 1], va = fa;
    while (b - a > tol) {
      const double m = 0.5 * (a + b), vm = A(m);
      if (vm == 0.0) {
        a = b = m;
        break;
      }
      if ((vm > 0) == (va > 0)) {
        a = m;
        va = vm;
      } else {
        b = m;
      }
    }
    c.zeros.push_back(0.5 * (a + b));
  }
  // Interior local minima of tau, refined by golden-section search.
  const double gr = 0.5 * (std::sqrt(5.0) - 1);
  for (int i = 1; i < points; ++i) {
    const double t0 = tau_or_inf(p[i - 1]), t1 = tau_or_inf(p[i]), t2 = tau_or_inf(p[i + 1]);
    if (!std::isfinite(t1) || !(t1 <= t0 && t1 < t2)) continue;
    double a = mu[i - 1], b = mu[i + 1];
    double x1 = b - gr * (b - a), x2 = a + gr * (b - a);
    double f1 = tau_or_inf(at(x1)), f2 = tau_or_inf(at(x2));
    while (b - a > tol) {
      if (f1 < f2) {
        b = x2;
        x2 = x1;
        f2 = f1;
        x1 = b - gr * (b - a);
        f1 = tau_or_inf(at(x1));
      } else {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = a + gr * (b - a);
        f2 = tau_or_inf(at(x2));
      }
    }
    const double m = 0.5 * (a + b);
    c.minima.push_back({m, tau_or_inf(at(m))});
  }
  return c;
}

EscapePoint tau_from_coefficients(double mu, double A, double B) {
  EscapePoint p;
  p.mu = mu;
  p.A = A;
  p.B = B;
  if (!std::isfinite(A) || !std::isfinite(B)) throw std::domain_error("A or B is not finite");
  const double root = std::sqrt(B * B + 4 * A * A);
  if (B > 0) {
    p.tau = 2 / (B + root);
  } else if (A != 0) {
    p.tau = (root - B) / (2 * A * A);
  } else {
    p.finite = false;
    p.reason = B == 0
                   ? "A(mu) = 0 and B(mu) = 0: the linearisation at u = 0 is degenerate"
                   : "A(mu) = 0: u = 0 is a line of fixed points; the ODE never escapes (only SGD noise moves the run)";
  }
  if (p.finite && !std::isfinite(p.tau)) {
    p.finite = false;
    p.reason = "tau overflows: A(mu) is too close to 0";
  }
  return p;
}

double exit_time(double tau, double R, double eps) {
  if (!(eps > 0) || !(R > eps) || !std::isfinite(R))
    throw std::invalid_argument("exit time needs 0 < eps < R (got eps = " + std::to_string(eps) +
                                ", R = " + std::to_string(R) + ")");
  return tau * std::log(R / eps);
}

EscapePoint top_coefficient(int k, double mu, bool rescaled) {
  if (k < 1) throw std::invalid_argument("top-coefficient approximation needs a Hermite order k >= 1");
  check_mu(mu);
  const double f = rescaled ? 1.0 : hermite_rescale_divisor(k);
  const double A = std::pow(mu, k - 1) * (1 - std::pow(mu, k)), B = -std::pow(mu, 2 * k - 2);
  return tau_from_coefficients(mu, f * A, f * B);
}

double linear_potential(double mu, double g) {
  check_mu(mu);
  const double a = std::fabs(g);
  const double logcosh = a + std::log1p(std::exp(-2 * a)) - std::log(2.0);
  return -(1 - mu) * (1 - mu) * logcosh;
}

std::vector<double> parse_mu_grid(double lo, double hi, int n) {
  if (n < 1) throw std::invalid_argument("grid must have at least 1 point");
  check_mu(lo);
  check_mu(hi);
  if (n > 1 && !(hi > lo)) throw std::invalid_argument("grid is reversed or empty: need lo < hi");
  std::vector<double> g(n);
  for (int i = 0; i < n; ++i) g[i] = n == 1 ? lo : lo + (hi - lo) * i / (n - 1);
  return g;
}

}  // namespace loradyn
