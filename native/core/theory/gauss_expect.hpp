// E[f(a) g(b)] for (a, b) centred jointly Gaussian with covariance [[caa, cab], [cab, cbb]],
// the building block of the population loss, its derivatives, the ODE and the escape theory.
//
// Closed forms (mode Auto):
//   polynomial x polynomial  Hermite algebra after rescaling to unit variance (Mehler);
//   erf family x erf family  the arcsin formula (2/pi) asin(2 cab / sqrt((1+2caa)(1+2cbb)))
//                            and its covariance derivatives (Price's theorem);
//   relu family x relu family  arc-cosine kernels; the Dirac delta of relu'' by conditioning
//                            on a = 0;
//   polynomial x anything    E[f(a) He_k(b/sb)] = rho^k sa^k E[f^(k)(a)], with closed
//                            one-variable moments for the erf and relu families.
// Everything else (sigmoid, tanh, erf x relu, squared non-polynomial teachers) is computed
// by quadrature: Gauss–Hermite for smooth pairs, composite Gauss–Legendre split at the kink
// otherwise. Mode Quadrature forces the quadrature path (used by the tests as a reference).
#pragma once
#include "gauss_fn.hpp"

namespace loradyn {

struct Cov2 {
  double aa, ab, bb;
};

enum class ExpectMode { Auto, Quadrature };

double expect_atoms(const GaussAtom& f, const GaussAtom& g, Cov2 c, ExpectMode mode = ExpectMode::Auto);
double expect_pair(const GaussFn& f, const GaussFn& g, Cov2 c, ExpectMode mode = ExpectMode::Auto);
// E[f(a)], a ~ N(0, caa).
double expect_one(const GaussFn& f, double caa, ExpectMode mode = ExpectMode::Auto);

// E[f(a) He_k(a / sqrt(caa))] = caa^(k/2) E[f^(k)(a)] for one atom (the moments that the
// polynomial x anything rule needs).
double atom_hermite_moment(const GaussAtom& f, int k, double caa, ExpectMode mode = ExpectMode::Auto);

// All of these throw std::domain_error when the expectation diverges (a Dirac delta of a
// degenerate variable: relu student at mu = 0) and never return NaN silently.

}  // namespace loradyn
