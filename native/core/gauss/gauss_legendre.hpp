// Gauss–Legendre rules and a composite rule for E[f(z)], z ~ N(0, 1), that is exact about a
// kink: the integral is split at the kink and each side is covered by panels. Used where
// Gauss–Hermite converges slowly (relu, step, |z|) or where a split point moves (conditional
// integrals with a kink at -mean/std).
#pragma once
#include <vector>

namespace loradyn {

// Nodes and weights on [-1, 1], exact for polynomials of degree <= 2n - 1. Cached.
struct LegendreRule {
  std::vector<double> x, w;
};
const LegendreRule& gauss_legendre_rule(int n);

// Nodes and weights for the integral of f(z) phi(z) over [lo, hi] (phi the standard normal
// density), by panels of width <= 2 with a 12-point rule each. Appends to x and w.
void normal_panels(double lo, double hi, std::vector<double>& x, std::vector<double>& w);

// A rule for E[f(z)] over [-L, L] (L = 10, beyond which phi < 1e-22), split at `kink` when
// it lies inside. Exact to ~1e-14 for functions smooth on each side of the kink.
void normal_rule_split(double kink, std::vector<double>& x, std::vector<double>& w);

}  // namespace loradyn
