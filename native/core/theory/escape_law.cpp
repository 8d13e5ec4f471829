#include "escape_law.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "../model/config_issue.hpp"
#include "../ode/dopri5.hpp"
#include "gradient_noise.hpp"
#include "loss_model.hpp"

namespace loradyn {
namespace {

std::string fmt(const char* f, double x) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

void check(bool ok, const std::string& field, const std::string& what) {
  if (!ok) throw ConfigInvalid(field, what);
}

void validate(const EscapeLawSpec& s) {
  check(s.mu >= 0 && s.mu <= 1, "mu", fmt("must be in [0, 1] (got %g)", s.mu));
  check(s.d >= 3, "d", "must be an integer >= 3 (a unit row, the teacher and one new direction)");
  check(s.batch >= 1, "batch", "must be an integer >= 1");
  check(s.eta > 0 && std::isfinite(s.eta), "eta", fmt("must be finite and > 0 (got %g)", s.eta));
  check(s.threshold > 0 && s.threshold < 1, "threshold", fmt("must be in (0, 1) (got %g)", s.threshold));
  check(s.loss_fraction < 0 || (s.loss_fraction > 0 && s.loss_fraction < 1), "lossThreshold",
        fmt("must be in (0, 1) (got %g)", s.loss_fraction));
  check(s.noise >= 0 && std::isfinite(s.noise), "noise", "must be finite and >= 0");
  check(s.u0 < 0 || std::isfinite(s.u0), "u0", "must be finite and >= 0");
  check(!s.probs.empty(), "probs", "must not be empty");
  for (double p : s.probs) check(p > 0 && p < 1, "probs", fmt("each probability must be in (0, 1) (got %g)", p));
}

// Standard normal upper tail.
double phibar(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

}  // namespace

double folded_normal_tail(double z, double mean, double sd) {
  if (z <= 0) return 1.0;
  return phibar((z - mean) / sd) + phibar((z + mean) / sd);
}

double folded_normal_tail_inverse(double p, double mean, double sd) {
  if (!(p > 0 && p < 1) || !(sd > 0)) throw std::invalid_argument("folded normal: need p in (0, 1) and sd > 0");
  double lo = 0, hi = std::fabs(mean) + 40 * sd;
  for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
    const double z = 0.5 * (lo + hi);
    (folded_normal_tail(z, mean, sd) > p ? lo : hi) = z;
  }
  return 0.5 * (lo + hi);
}

EscapeLaw escape_law(const EscapeLawSpec& spec) {
  validate(spec);
  EscapeLaw out;
  const double divisor = spec.hermite_rescale ? hermite_rescale_divisor(spec.student.max_hermite_order()) : 1.0;
  const double eta = spec.eta / divisor;
  out.eta_eff = eta;
  const double mu = spec.mu, d = static_cast<double>(spec.d), Bsz = static_cast<double>(spec.batch);
  const LossModel model(spec.student, spec.teacher, spec.noise);
  double LM, LQ;
  try {
    model.grad1(mu, mu * mu, &LM, &LQ);
  } catch (const std::domain_error& e) {
    throw std::domain_error(std::string(e.what()) + fmt(" (at mu = %g)", mu));
  }
  const double A = -(LM + 2 * mu * LQ), B = -2 * LQ;
  out.A = A;
  out.B = B;
  out.loss0 = model.loss1(mu, mu * mu);
  if (!std::isfinite(A) || !std::isfinite(B)) throw std::domain_error("A or B is not finite");
  if (A == 0) {
    out.finite = false;
    out.reason = "A(mu) = 0: u = 0 is a line of fixed points; the flow never escapes and only SGD noise moves the run";
    return out;
  }
  // Eigen-decomposition of J = [[B, A], [A, 0]] (symmetric): lambda_+ > 0 > lambda_-.
  const double root = std::sqrt(B * B + 4 * A * A);
  const double lp = B > 0 ? 0.5 * (B + root) : 2 * A * A / (root - B);  // no cancellation
  const double lm = -A * A / lp;                                        // lambda_+ lambda_- = -A^2
  out.lambda_plus = lp;
  out.lambda_minus = lm;
  out.tau = 1 / lp;
  // (c, s) ∝ (lambda_+, A): the second row of J v = lambda v reads A c = lambda_+ s.
  const double nrm = std::hypot(lp, A);
  out.c = (A > 0 ? 1 : -1) * lp / nrm;
  out.s = std::fabs(A) / nrm;
  const double c = out.c, s = out.s;
  const double rho = 1 + eta * lp;
  out.growth_per_step = std::log1p(eta * lp);
  // The start: zeta = c u0 + s m0 + the noise SGD adds along (c, s) while near the saddle.
  out.sigma2 = error_second_moment(spec.student, spec.teacher, spec.noise, mu, mu * mu);
  const double u0 = spec.u0 >= 0 ? spec.u0 : 1 / (d * d);
  out.zeta_mean = c * u0;
  out.sd_init = s / std::sqrt(d);
  out.sd_noise = std::sqrt(eta * eta * out.sigma2 * c * c / (Bsz * (rho * rho - 1)));
  const double sd = std::hypot(out.sd_init, out.sd_noise);
  out.kappa = eta * d * out.sigma2 * std::fabs(c) * s / (2 * std::fabs(A) * Bsz);

  if (out.sd_noise > out.sd_init)
    out.warnings.push_back(
        fmt("SGD noise sets the start (its part of zeta is %.3g x the random row's): the law depends on eta and B more "
            "than on d",
            out.sd_noise / out.sd_init));
  if (out.kappa > 1)
    out.warnings.push_back(
        fmt("kappa = %.3g > 1: SGD's high-dimensional noise (eta d / B) competes with the signal; the mean-field drift "
            "kept in the nonlinear part does not capture the fluctuations (docs/escape-law.md: where the law holds)",
            out.kappa));
  if (eta * lp > 0.3)
    out.warnings.push_back(
        fmt("eta lambda_+ = %.3g: far from continuous time; the linear phase uses the per-step rate log(1 + eta "
            "lambda_+), the nonlinear part the flow",
            eta * lp));
  if (eta * std::fabs(lm) >= 2)
    out.warnings.push_back(
        fmt("eta |lambda_-| = %.3g >= 2: the saddle's stable direction is unstable for SGD at this step size; the law "
            "does not apply",
            eta * std::fabs(lm)));

  // The flow from (u, m) = zeta (c, s), with SGD's O(eta d / B) shrink of m kept:
  //   dm/dt += -(eta (d - 2) / (2 B)) E[e^2] u^2 m.
  const double drift = spec.noise_drift ? eta * (d - 2) / (2 * Bsz) : 0.0;
  const double th = spec.threshold, f = spec.loss_fraction;
  const double floor = spec.noise / 2, lvl = f > 0 ? floor + f * (out.loss0 - floor) : -INFINITY;
  auto state_MQ = [mu](const double* y, double* M, double* Q) {
    const double u = y[0], m = y[1];
    *M = mu + u * m;
    const double mc = std::fmin(std::fabs(m), 1.0);
    *Q = *M * *M + u * u * (1 - mc) * (1 + mc);
  };
  auto rhs = [&](double, const double* y, double* dy) {
    const double u = y[0], m = y[1];
    double M, Q, gM, gQ;
    state_MQ(y, &M, &Q);
    model.grad1(M, Q, &gM, &gQ);
    dy[0] = -(m * gM + 2 * (u + mu * m) * gQ);
    dy[1] = -u * (1 - m * m) * (gM + 2 * mu * gQ);
    if (drift > 0 && u != 0)
      dy[1] -= drift * error_second_moment(spec.student, spec.teacher, spec.noise, M, Q) * u * u * m;
  };
  auto loss_at = [&](const double* y) {
    double M, Q;
    state_MQ(y, &M, &Q);
    return model.loss1(M, Q);
  };
  auto to_steps = [&](double t, double zeta) {
    // Linear phase at SGD's exact per-step growth rather than the flow's eta lambda_+.
    const double lin = std::log(std::fmax(th, zeta) / zeta);
    return t / eta + lin * (1 / out.growth_per_step - 1 / (eta * lp));
  };
  std::vector<double> sorted = spec.probs;
  for (double p : sorted) {
    EscapeLawQuantile q;
    q.p = p;
    q.zeta = folded_normal_tail_inverse(p, out.zeta_mean, sd);
    std::vector<double> y{c * q.zeta, s * q.zeta}, yd(2);
    double t_m = s * q.zeta >= th ? 0.0 : -1.0;
    double t_l = f > 0 ? (loss_at(y.data()) <= lvl ? 0.0 : -1.0) : 0.0;
    const double horizon = 50 * out.tau * (std::log(1 / q.zeta) + 20);
    Dopri5Options opt;
    opt.rtol = 1e-9;
    opt.atol = 1e-14;
    opt.h0 = 1e-3 * out.tau;
    opt.max_steps = 200000;
    Dopri5 dp(2, opt);
    bool stuck = false;
    auto bisect = [&](double a, double b, const Dopri5& D, auto&& reached) {
      for (int it = 0; it < 80 && b - a > 1e-12 * std::fmax(1.0, b); ++it) {
        const double mid = 0.5 * (a + b);
        D.dense(mid, yd.data());
        (reached(yd.data()) ? b : a) = mid;
      }
      return b;
    };
    auto m_reached = [&](const double* z) { return std::fabs(z[1]) >= th; };
    auto l_reached = [&](const double* z) { return loss_at(z) <= lvl; };
    if (t_m < 0 || t_l < 0) try {
        dp.integrate(rhs, 0.0, horizon, y, [&](double t0, double t1, const Dopri5& D) {
          const double* z = D.state().data();
          if (t_m < 0 && m_reached(z)) t_m = bisect(t0, t1, D, m_reached);
          if (t_l < 0 && l_reached(z)) t_l = bisect(t0, t1, D, l_reached);
          if (t_m >= 0 && t_l >= 0) return false;
          // A fixed point short of the threshold: over a time tau the state would move by less
          // than 1e-7 of its size (the integrator's jitter there is ~1e-8; in the linear phase
          // the move over tau is the state's own size).
          double dz[2];
          rhs(t1, z, dz);
          if (std::hypot(dz[0], dz[1]) * out.tau < 1e-7 * std::hypot(z[0], z[1])) {
            stuck = true;
            return false;
          }
          return true;
        });
      } catch (const std::runtime_error&) {
        // Step limit or a non-finite state: no passage within reach.
      }
    q.steps = t_m >= 0 ? to_steps(t_m, q.zeta) : -1;
    q.loss_steps = f > 0 && t_l >= 0 ? to_steps(t_l, q.zeta) : -1;
    if ((t_m < 0 || (f > 0 && t_l < 0)) && out.reason.empty())
      out.reason =
          std::string(stuck ? "the flow settles at a fixed point" : "the flow does not get there within its horizon") +
          (t_m < 0 ? fmt(" before |m| reaches %g", th) : fmt(" before the loss makes %g of its progress", f));
    out.quantiles.push_back(q);
  }
  return out;
}

}  // namespace loradyn
