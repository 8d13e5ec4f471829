// M and Q of the full-d state at any step, for record.lossThresholds: the population loss
// is needed every step, and record_point's path (materialise the pending scales, form W)
// would change the rounding of the trajectory. This reads the state and writes nothing, so a
// run with loss thresholds has the same bits as one without.
#include <algorithm>

#include "full_kernels.hpp"
#include "full_sgd_impl.hpp"

namespace loradyn {

// With W_j = w0_j + sum_i U_ji v_i (true rows v_i = v_scale_[i] x stored row):
//   M_jk = w0_j . w*_k + sum_i U_ji m_ik
//   Q_jl = w0_j . w0_l + sum_i (U_ji n_il + U_li n_ij) + sum_ii' U_ji U_li' C_ii'
// with m_ik = v_i . w*_k (m_, kept current by every step), n_ij = v_i . w0_j and C = V V^T.
void FullSgd::overlaps_now(double* M, double* Q) {
  const int K = st_.K, r = st_.r;
  const int64_t d = d_;
  const bool w0_rows = need_w0();  // misaligned or given: w0 is not a multiple of w*
  if (w0_teacher_.empty()) {
    w0_teacher_.assign(static_cast<size_t>(K) * K, 0.0);
    w0_w0_.assign(static_cast<size_t>(K) * K, 0.0);
    for (int j = 0; j < K; ++j)
      for (int k = 0; k < K; ++k) {
        w0_teacher_[j * K + k] = full_kernels::dot(&st_.w0[j * d], &st_.teacher[k * d], d);
        w0_w0_[j * K + k] = full_kernels::dot(&st_.w0[j * d], &st_.w0[k * d], d);
      }
    ov_C_.resize(static_cast<size_t>(r) * r);
    ov_n_.resize(static_cast<size_t>(r) * K);
  }
  for (int i = 0; i < r; ++i) {
    const double si = v_scale_[i];
    for (int k = 0; k <= i; ++k) {
      double c;
      // The batch of one carries |v_i|^2 of the stored row (and may owe the row its last
      // update, which only it knows): use it.
      if (k == i && row_sums_valid_)
        c = row_nn_[i] * si * si;
      else
        c = full_kernels::dot(&st_.V[i * d], &st_.V[k * d], d) * si * v_scale_[k];
      ov_C_[i * r + k] = ov_C_[k * r + i] = c;
    }
    for (int j = 0; j < K; ++j) {
      if (scratch_)
        ov_n_[i * K + j] = 0.0;
      else if (!w0_rows)
        ov_n_[i * K + j] = cfg_.model.mu[j] * m_[i * K + j];  // w0_j = mu_j w*_j
      else
        ov_n_[i * K + j] = full_kernels::dot(&st_.V[i * d], &st_.w0[j * d], d) * si;
    }
  }
  const std::vector<double>& U = st_.U;
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < K; ++k) {
      double mm = w0_teacher_[j * K + k];
      for (int i = 0; i < r; ++i) mm += U[j * r + i] * m_[i * K + k];
      M[j * K + k] = mm;
      double qq = w0_w0_[j * K + k];
      for (int i = 0; i < r; ++i) qq += U[j * r + i] * ov_n_[i * K + k] + U[k * r + i] * ov_n_[i * K + j];
      for (int i = 0; i < r; ++i)
        for (int i2 = 0; i2 < r; ++i2) qq += U[j * r + i] * U[k * r + i2] * ov_C_[i * r + i2];
      Q[j * K + k] = qq;
    }
}

}  // namespace loradyn
