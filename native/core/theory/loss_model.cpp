#include "loss_model.hpp"

#include <cmath>
#include <stdexcept>

namespace loradyn {

LossModel::LossModel(const Activation& student, const Link& teacher, double noise, ExpectMode mode)
    : s0_(gauss_fn(student, 0)),
      s1_(gauss_fn(student, 1)),
      s2_(gauss_fn(student, 2)),
      t0_(gauss_fn(teacher, 0)),
      t1_(gauss_fn(teacher, 1)),
      noise_(noise),
      mode_(mode) {
  if (!(noise >= 0) || !std::isfinite(noise)) throw std::invalid_argument("noise must be finite and >= 0");
  tt_same_ = expect_pair(t0_, t0_, Cov2{1, 1, 1}, mode);
  tt_cross_ = expect_pair(t0_, t0_, Cov2{1, 0, 1}, mode);
}

double LossModel::loss1(double M, double Q) const {
  const double ss = expect_pair(s0_, s0_, Cov2{Q, Q, Q}, mode_);
  const double st = expect_pair(s0_, t0_, Cov2{Q, M, 1}, mode_);
  // L >= noise/2 exactly; the max removes rounding below it at the global minimum.
  return std::fmax(0.5 * ss - st + 0.5 * tt_same_, 0.0) + 0.5 * noise_;
}

void LossModel::grad1(double M, double Q, double* LM, double* LQ) const {
  *LM = -expect_pair(s1_, t1_, Cov2{Q, M, 1}, mode_);
  const double s1s1 = expect_pair(s1_, s1_, Cov2{Q, Q, Q}, mode_);
  const double s2s0 = s2_.empty() ? 0.0 : expect_pair(s2_, s0_, Cov2{Q, Q, Q}, mode_);
  const double s2t = s2_.empty() ? 0.0 : expect_pair(s2_, t0_, Cov2{Q, M, 1}, mode_);
  *LQ = 0.5 * (s1s1 + s2s0) - 0.5 * s2t;
}

double LossModel::loss_k(int K, const double* M, const double* Q, double a) const {
  if (K == 1) return a * a * (loss1(M[0], Q[0]) - 0.5 * noise_) + 0.5 * noise_;
  double acc = 0;
  for (int j = 0; j < K; ++j)
    for (int l = 0; l < K; ++l)
      acc += 0.5 * expect_pair(s0_, s0_, Cov2{Q[j * K + j], Q[j * K + l], Q[l * K + l]}, mode_);
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < K; ++k) acc -= expect_pair(s0_, t0_, Cov2{Q[j * K + j], M[j * K + k], 1.0}, mode_);
  acc += 0.5 * (K * tt_same_ + K * (K - 1.0) * tt_cross_);
  return a * a * std::fmax(acc, 0.0) + 0.5 * noise_;
}

void LossModel::grad_k(int K, const double* M, const double* Q, double a, double* GM, double* GQ) const {
  const double a2 = a * a;
  for (int j = 0; j < K; ++j) {
    const double qjj = Q[j * K + j];
    for (int k = 0; k < K; ++k) GM[j * K + k] = -a2 * expect_pair(s1_, t1_, Cov2{qjj, M[j * K + k], 1.0}, mode_);
    double diag = 0.5 * expect_pair(s1_, s1_, Cov2{qjj, qjj, qjj}, mode_);
    if (!s2_.empty()) {
      diag += 0.5 * expect_pair(s2_, s0_, Cov2{qjj, qjj, qjj}, mode_);
      for (int l = 0; l < K; ++l)
        if (l != j) diag += 0.5 * expect_pair(s2_, s0_, Cov2{qjj, Q[j * K + l], Q[l * K + l]}, mode_);
      for (int k = 0; k < K; ++k) diag -= 0.5 * expect_pair(s2_, t0_, Cov2{qjj, M[j * K + k], 1.0}, mode_);
    }
    GQ[j * K + j] = a2 * diag;
    for (int l = 0; l < K; ++l)
      if (l != j) GQ[j * K + l] = 0.5 * a2 * expect_pair(s1_, s1_, Cov2{qjj, Q[j * K + l], Q[l * K + l]}, mode_);
  }
}

}  // namespace loradyn
