#include "population_loss.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "../theory/loss_model.hpp"

namespace loradyn {

// Closed forms where they exist (polynomial links, erf, relu), quadrature otherwise: see
// theory/gauss_expect.hpp. The model is rebuilt per call; callers record O(100) points.
double population_loss_1(const Activation& s, const Link& teacher, double M, double Q, double noise) {
  // A diverged state is recorded as it is: its loss is NaN, not an exception.
  if (!std::isfinite(M) || !std::isfinite(Q)) return std::nan("");
  try {
    return LossModel(s, teacher, noise).loss1(M, Q);
  } catch (const std::domain_error&) {
    // Finite overlaps whose loss overflows a double (a run on its way to divergence, e.g.
    // Q = 1e120 under a cubic link): the loss is larger than any double, so +inf; one such
    // record point must not fail the other runs of a batch.
    return std::numeric_limits<double>::infinity();
  }
}

double population_loss_k(const Activation& s, const Link& teacher, int K, const double* M, const double* Q, double a,
                         double noise) {
  for (int i = 0; i < K * K; ++i)
    if (!std::isfinite(M[i]) || !std::isfinite(Q[i])) return std::nan("");
  try {
    return LossModel(s, teacher, noise).loss_k(K, M, Q, a);
  } catch (const std::domain_error&) {
    return std::numeric_limits<double>::infinity();  // as in population_loss_1
  }
}

}  // namespace loradyn
