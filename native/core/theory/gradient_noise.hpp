// The second moment of SGD's per-sample error signal, which sets the size of the update's
// noise: with e = (s(lam) - y) s'(lam) and y = t(lam*) + sqrt(noise) xi,
//   E[e^2] = E[(s(lam) - t(lam*))^2 s'(lam)^2] + noise E[s'(lam)^2],
// (lam*, lam) ~ N(0, [[1, M], [M, Q]]). One step of one-pass SGD moves v by eta u times the
// batch mean of e x, whose part outside the model's span has squared norm E[e^2] (d - q) / B
// on average: this is what the escape law's noise and its high-dimensional drift are made of.
#pragma once
#include "../activations/activation.hpp"

namespace loradyn {

// Integrated by quadrature over lam and then lam* given lam (Gauss–Hermite, 40 points per
// axis, for smooth links (exact for polynomial integrands up to degree 79); composite Gauss–Legendre split at the kink
// for relu-type links). Exact to ~1e-10 relative for smooth links, ~1e-8 with kinks. Throws std::invalid_argument
// unless Q >= 0, M^2 <= Q (a covariance) and noise >= 0.
double error_second_moment(const Activation& student, const Link& teacher, double noise, double M, double Q);

}  // namespace loradyn
