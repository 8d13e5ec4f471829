// Polynomials in the probabilists' Hermite basis, p(z) = sum_k c_k He_k(z): the algebra that
// gives closed-form Gaussian expectations of polynomial links (Wick / Mehler).
#pragma once
#include <vector>

namespace loradyn {

using HermiteSeries = std::vector<double>;  // c_0, c_1, ...

// q with q(x) = p(sigma x), in the He basis of x:
// He_n(sigma x) = sum_k n!/(k!(n-2k)!) sigma^(n-2k) ((sigma^2-1)/2)^k He_(n-2k)(x).
HermiteSeries hermite_rescale(const HermiteSeries& p, double sigma);
// p'(z), using He_k' = k He_(k-1).
HermiteSeries hermite_derivative(const HermiteSeries& p);
// p(z) q(z), using He_j He_k = sum_r C(j,r) C(k,r) r! He_(j+k-2r).
HermiteSeries hermite_product(const HermiteSeries& p, const HermiteSeries& q);
// a p + b q.
void hermite_axpy(double a, const HermiteSeries& p, HermiteSeries& q);
// E[p(a) q(b)] for (a, b) centred Gaussian with covariance [[caa, cab], [cab, cbb]]:
// with a = sa x, b = sb y, corr(x, y) = rho, E[He_j(x) He_k(y)] = delta_jk k! rho^k.
double hermite_pair_expect(const HermiteSeries& p, const HermiteSeries& q, double caa, double cab, double cbb);
double factorial(int k);

}  // namespace loradyn
