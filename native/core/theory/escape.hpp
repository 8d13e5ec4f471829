// Escape-time theory (SPEC section 4): linearising the rank-1 aligned ODE at u = 0, where
// (M, Q) = (mu, mu^2), gives d(u, m)/dt = [[B, A], [A, 0]] (u, m) with
//   A(mu) = -(L_M + 2 mu L_Q),  B(mu) = -2 L_Q      (both at M = mu, Q = mu^2)
// which equal -E[(s(mu z) - t(z)) s'(mu z) z] and -E[s'(mu z)^2 + (s(mu z) - t(z)) s''(mu z)]
// by Stein's lemma, Dirac term of relu included. tau = 1 / lambda_+, lambda_+ the unstable rate.
#pragma once
#include <string>
#include <vector>

#include "loss_model.hpp"

namespace loradyn {

struct EscapePoint {
  double mu = 0, A = 0, B = 0;
  double tau = 0;      // valid when finite
  bool finite = true;  // false: no escape along the linearisation (A = 0 and B <= 0)
  std::string reason;  // why tau is infinite
};

class EscapeTheory {
 public:
  // hermite_rescale divides A and B by k! k, k the student's top Hermite order.
  EscapeTheory(const Activation& student, const Link& teacher, bool hermite_rescale);

  EscapePoint at(double mu) const;  // throws std::invalid_argument for mu outside [0, 1]
  std::vector<EscapePoint> curve(const std::vector<double>& mus) const;
  double A(double mu) const;
  double divisor() const { return divisor_; }

  struct Minimum {
    double mu, tau;
  };
  struct Critical {
    std::vector<double> zeros;    // mu_c in (lo, hi) with A(mu_c) = 0
    std::vector<Minimum> minima;  // interior local minima of tau
  };
  // Brackets on `points` equal intervals of [lo, hi], then refines to `tol` in mu.
  Critical critical(double lo = 1e-3, double hi = 1 - 1e-3, int points = 2000, double tol = 1e-9) const;

 private:
  LossModel model_;
  double divisor_;
};

// tau = 1 / lambda_+, lambda_+ = (B + sqrt(B^2 + 4 A^2)) / 2, in a cancellation-free form.
EscapePoint tau_from_coefficients(double mu, double A, double B);
// t_exit = tau log(R / eps). Throws unless 0 < eps < R.
double exit_time(double tau, double R, double eps);
// The top-coefficient approximation for He_k: A = mu^(k-1) (1 - mu^k), B = -mu^(2k-2)
// (already in the rescaled units; multiplied by k! k when rescaled is false).
EscapePoint top_coefficient(int k, double mu, bool rescaled);
// Effective potential of the linear model, m = tanh g, g'' + g' = -V'(g):
// V(g) = -(1 - mu)^2 log cosh g.
double linear_potential(double mu, double g);
// Parses "lo:hi:n" into n equally spaced points; throws on empty or reversed grids.
std::vector<double> parse_mu_grid(double lo, double hi, int n);

}  // namespace loradyn
