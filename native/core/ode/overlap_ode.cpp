#include "overlap_ode.hpp"

#include <cmath>
#include <stdexcept>

namespace loradyn {

void OverlapOde::misaligned_start(const ModelConfig& mc, const LossModel& model, double m0, std::vector<double>* mk,
                                  std::vector<double>* pk) {
  // At U = 0 the student is W_j = w0_j = mu_j w*_j + (1 - mu_j) xi_j, and the search phase
  // of unit j is the linear system
  //   dU/dt = A' m + C' p + B' U,  dm/dt = A' U,  dp/dt = C' U   (p = v . xi_j)
  // with A' = -(L_M + 2 mu L_Q), C' = -2 (1 - mu) L_Q, B' = -2 L_Q at (M, Q) = (mu, R_jj).
  // Only the combination (A' m + C' p) / |(A', C')| grows; the orthogonal one is neutral.
  // SGD starts from m, p iid N(0, 1/d), so that combination has RMS d^(-1/2) whatever the
  // direction: the ODE starts there, with the neutral combination at 0. (Starting at
  // m = p = d^(-1/2) instead put the linear model exactly on the neutral line, A' = -C',
  // so that only u0 = 1/d^2 seeded the escape: 3x later than SGD.) For K > 1 each unit
  // uses its own diagonal coefficients.
  const int K = mc.hidden;
  const double a = committee_readout(mc), a2 = a * a;
  std::vector<double> M(K * K, 0.0), Q(K * K, 0.0), GM(K * K), GQ(K * K);
  for (int j = 0; j < K; ++j) {
    const double mu = mc.mu[j];
    M[j * K + j] = mu;
    Q[j * K + j] = mu * mu + (1 - mu) * (1 - mu);
  }
  try {
    if (K == 1) {
      model.grad1(M[0], Q[0], &GM[0], &GQ[0]);
      GM[0] *= a2;
      GQ[0] *= a2;
    } else {
      model.grad_k(K, M.data(), Q.data(), a, GM.data(), GQ.data());
    }
  } catch (const std::domain_error&) {
    // The link's moments overflow at the saddle (huge Hermite coefficients): no direction is
    // preferred; the run then stops at step 0 on its non-finite loss, as diverged.
    return;
  }
  for (int k = 0; k < K; ++k) {
    const double mu = mc.mu[k];
    const double A = -(GM[k * K + k] + 2 * mu * GQ[k * K + k]), Cp = -2 * (1 - mu) * GQ[k * K + k];
    const double norm = std::hypot(A, Cp);
    if (!(norm > 0) || !std::isfinite(norm)) {
      (*mk)[k] = m0;  // degenerate saddle: no direction is preferred
      (*pk)[k] = 0.0;
      continue;
    }
    const double sign = A < 0 || (A == 0 && Cp < 0) ? -1.0 : 1.0;  // m >= 0, as for aligned
    (*mk)[k] = m0 * sign * A / norm;
    (*pk)[k] = m0 * sign * Cp / norm;
  }
}

OverlapOde::OverlapOde(const RunConfig& cfg, const LossModel& model)
    : model_(model), K_(cfg.model.hidden), r_(cfg.model.rank), spherical_(cfg.model.spherical) {
  const auto& mc = cfg.model;
  scratch_ = mc.pretrained == Pretrained::Scratch;
  // adapter "full": W_j = w0_j + delta_j with the deltas as the rows of V (r = K), from 0, never
  // renormalised, and U = I frozen: the same overlap system, started at m = n = C = 0.
  full_ = mc.adapter == Adapter::Full;
  if (full_) spherical_ = false;
  if (mc.pretrained == Pretrained::Given)
    throw std::invalid_argument(
        "engine 'ode' does not support model.pretrained.kind = given (w0 must be described by overlaps)");
  if (!mc.init_v.empty())
    throw std::invalid_argument("engine 'ode' starts from m = d^(-1/2); model.init.v is not supported");
  a_ = committee_readout(mc);
  const int K = K_, r = r_;
  P_.assign(K * K, 0.0);
  R_.assign(K * K, 0.0);
  // w0_j = mu_j w*_j (+ (1 - mu_j) xi_j, xi_j a random unit vector orthogonal to everything
  // else in high dimension when misaligned).
  for (int j = 0; j < K; ++j) {
    const double mu = mc.mu[j];
    if (scratch_) continue;
    P_[j * K + j] = mu;
    R_[j * K + j] = mu * mu + (mc.pretrained == Pretrained::Misaligned ? (1 - mu) * (1 - mu) : 0.0);
  }
  const double m0 = 1.0 / std::sqrt(static_cast<double>(mc.d));
  y0_.assign(K * r + 2 * r * K + r * r, 0.0);
  double* U = y0_.data();
  double* m = U + K * r;
  double* n = m + r * K;
  double* C = n + r * K;
  for (int j = 0; j < K; ++j)
    for (int i = 0; i < r; ++i) {
      if (scratch_ || full_)
        U[j * r + i] = i == j ? 1.0 : 0.0;
      else
        U[j * r + i] = mc.init_u.empty() ? effective_u0(mc) : mc.init_u[j * r + i];
    }
  // Start overlaps (m_ik, p_ik = v_i . xi_k) per teacher row k, scaled so that their
  // component along the saddle's unstable direction is d^(-1/2), the RMS of SGD's random
  // start (see misaligned_start); aligned and scratch: m = d^(-1/2), p unused.
  std::vector<double> mk(K, m0), pk(K, 0.0);
  if (mc.pretrained == Pretrained::Misaligned) misaligned_start(mc, model, m0, &mk, &pk);
  for (int i = 0; i < r && !full_; ++i) {
    C[i * r + i] = 1.0;
    for (int k = 0; k < K; ++k) m[i * K + k] = mk[k];
    for (int j = 0; j < K; ++j) {
      if (scratch_) continue;
      // v_i . w0_j = mu_j m_ij (+ (1 - mu_j) v_i . xi_j).
      n[i * K + j] = mc.mu[j] * mk[j] + (mc.pretrained == Pretrained::Misaligned ? (1 - mc.mu[j]) * pk[j] : 0.0);
    }
  }
  for (auto* v : {&M_, &Q_, &GM_, &GQ_, &Ww0_, &gs_, &gw_}) v->assign(K * K, 0.0);
  for (auto* v : {&Wv_, &gv_}) v->assign(K * r, 0.0);
  for (auto* v : {&hs_, &hw_}) v->assign(r * K, 0.0);
  hv_.assign(r * r, 0.0);
}

void OverlapOde::order_params(const double* y, double* M, double* Q) const {
  const int K = K_, r = r_;
  const double* U = y;
  const double* m = U + K * r;
  const double* n = m + r * K;
  const double* C = n + r * K;
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < K; ++k) {
      double s = P_[j * K + k];
      for (int i = 0; i < r; ++i) s += U[j * r + i] * m[i * K + k];
      M[j * K + k] = s;
    }
  for (int j = 0; j < K; ++j)
    for (int l = 0; l < K; ++l) {
      double s = R_[j * K + l];
      for (int i = 0; i < r; ++i) s += U[j * r + i] * n[i * K + l] + U[l * r + i] * n[i * K + j];
      for (int i = 0; i < r; ++i)
        for (int i2 = 0; i2 < r; ++i2) s += U[j * r + i] * U[l * r + i2] * C[i * r + i2];
      // Q_jj = |W_j|^2 >= 0: the sum cancels when W_j -> 0 (adapter "full" of He3 below mu_c
      // unlearns w0), where rounding would make it a tiny negative variance.
      Q[j * K + l] = j == l ? std::fmax(s, 0.0) : s;
    }
}

void OverlapOde::observe(const double* y, double* m, double* u, double* M, double* Q) const {
  const int K = K_, r = r_;
  for (int i = 0; i < K * r; ++i) u[i] = y[i];
  for (int i = 0; i < r * K; ++i) m[i] = y[K * r + i];
  order_params(y, M, Q);
}

void OverlapOde::rhs(const double* y, double* dy) const {
  const int K = K_, r = r_;
  const double* U = y;
  const double* m = U + K * r;
  const double* n = m + r * K;
  const double* C = n + r * K;
  double* dU = dy;
  double* dm = dU + K * r;
  double* dn = dm + r * K;
  double* dC = dn + r * K;
  order_params(y, M_.data(), Q_.data());
  if (K == 1) {
    model_.grad1(M_[0], Q_[0], &GM_[0], &GQ_[0]);
    GM_[0] *= a_ * a_;
    GQ_[0] *= a_ * a_;
  } else {
    model_.grad_k(K, M_.data(), Q_.data(), a_, GM_.data(), GQ_.data());
  }
  // W_l . v_i and W_l . w0_j
  for (int l = 0; l < K; ++l) {
    for (int i = 0; i < r; ++i) {
      double s = n[i * K + l];
      for (int i2 = 0; i2 < r; ++i2) s += U[l * r + i2] * C[i2 * r + i];
      Wv_[l * r + i] = s;
    }
    for (int j = 0; j < K; ++j) {
      double s = R_[l * K + j];
      for (int i = 0; i < r; ++i) s += U[l * r + i] * n[i * K + j];
      Ww0_[l * K + j] = s;
    }
  }
  // g_j projected on v_i, w*_k and w0_j'
  for (int j = 0; j < K; ++j) {
    for (int i = 0; i < r; ++i) {
      double s = 0;
      for (int k = 0; k < K; ++k) s += GM_[j * K + k] * m[i * K + k];
      for (int l = 0; l < K; ++l) s += 2 * GQ_[j * K + l] * Wv_[l * r + i];
      gv_[j * r + i] = s;
    }
    for (int k = 0; k < K; ++k) {
      double s = GM_[j * K + k];
      for (int l = 0; l < K; ++l) s += 2 * GQ_[j * K + l] * M_[l * K + k];
      gs_[j * K + k] = s;
    }
    for (int j2 = 0; j2 < K; ++j2) {
      double s = 0;
      for (int k = 0; k < K; ++k) s += GM_[j * K + k] * P_[j2 * K + k];
      for (int l = 0; l < K; ++l) s += 2 * GQ_[j * K + l] * Ww0_[l * K + j2];
      gw_[j * K + j2] = s;
    }
  }
  // h_i = sum_j U_ji g_j, projected
  for (int i = 0; i < r; ++i) {
    for (int l = 0; l < r; ++l) {
      double s = 0;
      for (int j = 0; j < K; ++j) s += U[j * r + i] * gv_[j * r + l];
      hv_[i * r + l] = s;
    }
    for (int k = 0; k < K; ++k) {
      double s = 0, w = 0;
      for (int j = 0; j < K; ++j) {
        s += U[j * r + i] * gs_[j * K + k];
        w += U[j * r + i] * gw_[j * K + k];
      }
      hs_[i * K + k] = s;
      hw_[i * K + k] = w;
    }
  }
  for (int j = 0; j < K; ++j)
    for (int i = 0; i < r; ++i) dU[j * r + i] = scratch_ || full_ ? 0.0 : -gv_[j * r + i];
  for (int i = 0; i < r; ++i) {
    const double p = spherical_ ? hv_[i * r + i] : 0.0;  // radial part removed by the sphere
    for (int k = 0; k < K; ++k) {
      dm[i * K + k] = -(hs_[i * K + k] - p * m[i * K + k]);
      dn[i * K + k] = -(hw_[i * K + k] - p * n[i * K + k]);
    }
  }
  for (int i = 0; i < r; ++i)
    for (int l = 0; l < r; ++l) {
      const double pi = spherical_ ? hv_[i * r + i] : 0.0, pl = spherical_ ? hv_[l * r + l] : 0.0;
      dC[i * r + l] = -(hv_[i * r + l] - pi * C[i * r + l]) - (hv_[l * r + i] - pl * C[i * r + l]);
    }
}

void Rank1Ode::rhs(const double* y, double* dy) const {
  const double u = y[0], m = y[1];
  double LM, LQ;
  // Q = M^2 + u^2 (1 - m^2) is the same number as mu^2 + u^2 + 2 mu u m, written so that it
  // stays >= M^2 >= 0 when the student shrinks to w = 0 (squared teachers drive Q to 0 and
  // rounding would otherwise make it slightly negative); |m| <= 1 on the sphere.
  const double M = mu + u * m;
  const double mc = std::fmin(std::fabs(m), 1.0);
  model.grad1(M, M * M + u * u * (1 - mc) * (1 + mc), &LM, &LQ);
  dy[0] = -(m * LM + 2 * (u + mu * m) * LQ);
  dy[1] = spherical ? -u * (1 - m * m) * (LM + 2 * mu * LQ) : -u * (LM + 2 * LQ * (mu + u * m));
}

}  // namespace loradyn
