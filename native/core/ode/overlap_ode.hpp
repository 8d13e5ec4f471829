// The ODE limit of spherical LoRA SGD in the overlaps (SPEC section 3). Derivation in
// native/core/theory/README.md; in short, gradient flow in t = steps * eta on
// L(M(U, overlaps), Q(U, overlaps)), with each row v_i projected on its sphere's tangent.
//
// State (general form): U (K x r), m_ik = v_i . w*_k (r x K), n_ij = v_i . w0_j (r x K),
// C_il = v_i . v_l (r x r). Constants: P_jk = w0_j . w*_k, R_jl = w0_j . w0_l.
//   M_jk = P_jk + sum_i U_ji m_ik
//   Q_jl = R_jl + sum_i (U_ji n_il + U_li n_ij) + sum_ii' U_ji U_li' C_ii'
//   g_j = dL/dW_j = sum_k GM_jk w*_k + 2 sum_l GQ_jl W_l;  h_i = sum_j U_ji g_j
//   dU_ji/dt = -g_j . v_i
//   dv_i/dt = -(h_i - (h_i . v_i) v_i)           (spherical; without the projection otherwise)
// and every overlap's derivative follows from the projections of g_j on w*, w0 and v.
#pragma once
#include <vector>

#include "../model/config.hpp"
#include "../theory/loss_model.hpp"

namespace loradyn {

class OverlapOde {
 public:
  // Initial condition (deterministic): m_ik = d^(-1/2) (misaligned: m and v . xi chosen so that
  // the unstable combination is d^(-1/2)), C = I, n from w0, U = u0 or init.u.
  OverlapOde(const RunConfig& cfg, const LossModel& model);
  int size() const { return static_cast<int>(y0_.size()); }
  const std::vector<double>& initial() const { return y0_; }
  void rhs(const double* y, double* dy) const;
  // Order parameters of a state: m (r x K), u (K x r), M, Q (K x K).
  void observe(const double* y, double* m, double* u, double* M, double* Q) const;
  int K() const { return K_; }
  int r() const { return r_; }

  // Views of a state.
  const double* U(const double* y) const { return y; }
  const double* m(const double* y) const { return y + K_ * r_; }

 private:
  void order_params(const double* y, double* M, double* Q) const;
  // Misaligned w0: the start overlaps m_ik = v . w*_k and p_ik = v . xi_k (same for every row).
  static void misaligned_start(const ModelConfig& mc, const LossModel& model, double m0, std::vector<double>* mk,
                               std::vector<double>* pk);
  const LossModel& model_;
  int K_, r_;
  bool spherical_, scratch_, full_ = false;
  double a_;
  std::vector<double> P_, R_, y0_;
  mutable std::vector<double> M_, Q_, GM_, GQ_, Wv_, Ww0_, gv_, gs_, gw_, hv_, hs_, hw_;
};

// The rank-1, K = 1, aligned, spherical system of SPEC section 3, state (u, m):
//   du/dt = -[m L_M + 2 (u + mu m) L_Q],  dm/dt = -u (1 - m^2) (L_M + 2 mu L_Q).
struct Rank1Ode {
  const LossModel& model;
  double mu;
  bool spherical = true;
  void rhs(const double* y, double* dy) const;
};

}  // namespace loradyn
