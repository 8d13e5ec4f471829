// Gauss–Hermite quadrature for expectations over standard Gaussians.
#pragma once
#include <functional>
#include <vector>

namespace loradyn {

// Nodes and weights for E[f(z)], z ~ N(0, 1): sum_i w_i f(x_i), exact for polynomials of
// degree <= 2n - 1. Computed once per n and cached (thread-safe).
struct GaussRule {
  std::vector<double> x, w;
};
const GaussRule& gauss_hermite_rule(int n);

// E[f(a, b)] for (a, b) jointly Gaussian, zero mean, covariance [[caa, cab], [cab, cbb]],
// by a tensor-product rule of n points per axis (Cholesky of the covariance).
double gauss2_expect(const std::function<double(double, double)>& f, double caa, double cab, double cbb, int n = 96);

}  // namespace loradyn
