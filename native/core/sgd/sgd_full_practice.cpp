// The practice step of engine "full" (model/practice.hpp): momentum, Adam, weight decay,
// LoRA+ learning-rate ratios and full fine-tuning. The batch's gradient comes from the same
// loops as the default step (step_fast or step_reference, with the batch of one summed like
// any batch); only the update differs, so the default step keeps its fast paths untouched.
//
// Parameters and their learning rates: U (K x r) with eta_u = lrRatio * eta, the rows of V
// (r x d) with eta_v = eta (eta after any Hermite rescale). With adapter "full" the rows of V
// are the deltas (w_j = w0_j + delta_j) and U is the identity, frozen, as for the scratch
// baseline. Per parameter p with batch-mean gradient g, step t = 1, 2, ...:
//   sgd:      g += wd p;  p -= lr g
//   momentum: g += wd p;  b = beta b + g;  p -= lr b                       (heavy ball, as torch)
//   adam:     m = b1 m + (1 - b1) g;  s = b2 s + (1 - b2) g^2;
//             p *= 1 - lr wd;  p -= lr (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps)  (AdamW)
// then, for spherical LoRA, each row of V is renormalised (the optimizer's buffers are not).
#include <cmath>

#include "full_kernels.hpp"
#include "full_sgd_impl.hpp"

namespace loradyn {

void FullSgd::init_practice() {
  const OptimizerConfig& o = cfg_.train.optimizer;
  const size_t nu = static_cast<size_t>(st_.K) * st_.r, nv = static_cast<size_t>(st_.r) * d_;
  if (o.kind == OptimizerKind::Momentum) {
    opt_u1_.assign(nu, 0.0);
    opt_v1_.assign(nv, 0.0);
  } else if (o.kind == OptimizerKind::Adam) {
    opt_u1_.assign(nu, 0.0);
    opt_u2_.assign(nu, 0.0);
    opt_v1_.assign(nv, 0.0);
    opt_v2_.assign(nv, 0.0);
  }
}

namespace {

struct StepRule {
  OptimizerKind kind;
  double lr, wd, beta, b1, b2, eps, bc1, bc2;  // bc: 1 - beta^t (Adam's bias corrections)
};

// One parameter block p (n values) with gradient sum gsum (divide by B for the mean) and its
// optimizer buffers.
void update_block(const StepRule& r, double* p, const double* gsum, double inv_b, int64_t n, double* buf1,
                  double* buf2) {
  switch (r.kind) {
    case OptimizerKind::Sgd:
      for (int64_t k = 0; k < n; ++k) p[k] -= r.lr * (gsum[k] * inv_b + r.wd * p[k]);
      break;
    case OptimizerKind::Momentum:
      for (int64_t k = 0; k < n; ++k) {
        buf1[k] = r.beta * buf1[k] + (gsum[k] * inv_b + r.wd * p[k]);
        p[k] -= r.lr * buf1[k];
      }
      break;
    case OptimizerKind::Adam:
      for (int64_t k = 0; k < n; ++k) {
        const double g = gsum[k] * inv_b;
        buf1[k] = r.b1 * buf1[k] + (1 - r.b1) * g;
        buf2[k] = r.b2 * buf2[k] + (1 - r.b2) * (g * g);
        p[k] *= 1 - r.lr * r.wd;
        p[k] -= r.lr * (buf1[k] / r.bc1) / (std::sqrt(buf2[k] / r.bc2) + r.eps);
      }
      break;
  }
}

}  // namespace

void FullSgd::practice_update(const double* dV, const double* gU) {
  const int K = st_.K, r = st_.r;
  const int64_t d = d_;
  const OptimizerConfig& o = cfg_.train.optimizer;
  ++opt_step_;
  const double t = static_cast<double>(opt_step_);
  StepRule rule{o.kind,
                eta_,
                cfg_.train.weight_decay,
                o.beta,
                o.beta1,
                o.beta2,
                o.eps,
                1 - std::pow(o.beta1, t),
                1 - std::pow(o.beta2, t)};
  const double inv_b = 1.0 / static_cast<double>(cfg_.train.batch);
  if (!u_frozen_) {
    StepRule ru = rule;
    ru.lr = eta_ * cfg_.train.lr_ratio;
    update_block(ru, st_.U.data(), gU, inv_b, static_cast<int64_t>(K) * r, opt_u1_.data(), opt_u2_.data());
  }
  const bool spherical = cfg_.model.spherical && cfg_.model.adapter == Adapter::Lora;
  for (int i = 0; i < r; ++i) {
    double* v = &st_.V[i * d];
    if (v_scale_[i] != 1.0) full_kernels::scale(v, v_scale_[i], d);  // the true row
    v_scale_[i] = 1.0;
    update_block(rule, v, &dV[i * d], inv_b, d, opt_v1_.empty() ? nullptr : &opt_v1_[i * d],
                 opt_v2_.empty() ? nullptr : &opt_v2_[i * d]);
    double inv = 1.0;
    if (spherical) {
      const double nn = full_kernels::dot(v, v, d);
      if (!(nn > 0) || !std::isfinite(nn))
        row_broken_ = true;
      else {
        inv = 1.0 / std::sqrt(nn);
        full_kernels::scale(v, inv, d);
      }
    }
    for (int j = 0; j < K; ++j) m_[i * K + j] = full_kernels::dot(v, &st_.teacher[j * d], d);
  }
}

}  // namespace loradyn
