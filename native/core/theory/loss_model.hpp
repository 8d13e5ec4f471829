// Population loss L and its gradient in the order parameters, for one unit (L(M, Q)) and for
// a committee of K units, from the Gaussian expectations of gauss_expect.hpp.
//
// K = 1, (lam*, lam) ~ N(0, [[1, M], [M, Q]]):
//   L   = 1/2 E[s(lam)^2] - E[s(lam) t(lam*)] + 1/2 E[t(lam*)^2] + noise/2
//   L_M = -E[s'(lam) t'(lam*)]                                   (Price: d/dcab = E[f' g'])
//   L_Q = 1/2 E[s'(lam)^2 + s(lam) s''(lam)] - 1/2 E[s''(lam) t(lam*)]   (d/dcaa = 1/2 E[f''])
// Committee, yhat = a sum_j s(lam_j), y = a sum_k t(lam*_k), teacher rows orthonormal:
//   dL/dM_jk = -a^2 E[s'(lam_j) t'(lam*_k)]
//   dL/dQ_jl = a^2/2 E[s'(lam_j) s'(lam_l)]            (j != l, per ordered entry)
//   dL/dQ_jj = a^2 [1/2 E[s'^2 + s s''](lam_j) + 1/2 sum_{l != j} E[s''(lam_j) s(lam_l)]
//                   - 1/2 sum_k E[s''(lam_j) t(lam*_k)]]
// so that dL = sum_jk GM_jk dM_jk + sum_jl GQ_jl dQ_jl over all ordered entries, and
// dL/dW_j = sum_k GM_jk w*_k + 2 sum_l GQ_jl W_l.
#pragma once
#include "../activations/activation.hpp"
#include "gauss_expect.hpp"

namespace loradyn {

class LossModel {
 public:
  LossModel(const Activation& student, const Link& teacher, double noise, ExpectMode mode = ExpectMode::Auto);

  double loss1(double M, double Q) const;
  // L_M and L_Q at (M, Q).
  void grad1(double M, double Q, double* LM, double* LQ) const;

  // Committee: M, Q are K x K row-major; GM, GQ receive the gradients (K x K).
  double loss_k(int K, const double* M, const double* Q, double a) const;
  void grad_k(int K, const double* M, const double* Q, double a, double* GM, double* GQ) const;

  double noise() const { return noise_; }
  ExpectMode mode() const { return mode_; }

 private:
  GaussFn s0_, s1_, s2_, t0_, t1_;
  double noise_;
  ExpectMode mode_;
  double tt_same_, tt_cross_;  // E[t(z)^2], E[t(z)] E[t(z')] (independent z, z')
};

}  // namespace loradyn
