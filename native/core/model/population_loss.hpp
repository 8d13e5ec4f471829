// Exact population loss L = 1/2 E[(yhat - y)^2] + noise/2 from the order parameters.
#pragma once
#include <vector>

#include "config.hpp"

namespace loradyn {

// K = 1: L(M, Q) with (lam*, lam) ~ N(0, [[1, M], [M, Q]]).
double population_loss_1(const Activation& s, const Link& teacher, double M, double Q, double noise);

// Committee of K units: M (K x K, M[j*K+k] = W_j . w*_k), Q (K x K, W_j . W_k), readout a.
double population_loss_k(const Activation& s, const Link& teacher, int K, const double* M, const double* Q, double a,
                         double noise);

}  // namespace loradyn
