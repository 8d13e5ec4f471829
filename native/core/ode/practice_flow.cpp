#include "practice_flow.hpp"

namespace loradyn {

PracticeFlow practice_flow(const RunConfig& cfg, bool rank1) {
  PracticeFlow f;
  const ModelConfig& m = cfg.model;
  const TrainConfig& t = cfg.train;
  f.active = t.optimizer.kind == OptimizerKind::Momentum || t.weight_decay != 0 || t.lr_ratio != 1;
  if (t.optimizer.kind == OptimizerKind::Momentum) f.rate = 1 / (1 - t.optimizer.beta);
  f.ratio = t.lr_ratio;
  f.wd = t.weight_decay;
  f.u_frozen = m.pretrained == Pretrained::Scratch || m.adapter == Adapter::Full;
  const int K = m.hidden, r = m.rank;
  f.nu = rank1 ? 1 : K * r;
  if (!rank1) {
    f.decay_rows = t.weight_decay != 0 && (!m.spherical || m.adapter == Adapter::Full);
    f.m_off = K * r;
    f.nm = 2 * r * K;
    f.c_off = K * r + 2 * r * K;
    f.nc = r * r;
  }
  return f;
}

void PracticeFlow::apply(const double* y, double* dy) const {
  if (!u_frozen)
    for (int k = 0; k < nu; ++k) dy[k] = ratio * (dy[k] - wd * y[k]);
  if (decay_rows) {
    for (int k = m_off; k < m_off + nm; ++k) dy[k] -= wd * y[k];
    for (int k = c_off; k < c_off + nc; ++k) dy[k] -= 2 * wd * y[k];
  }
  if (rate != 1) {
    const int n = nc > 0 ? c_off + nc : 2;
    for (int k = 0; k < n; ++k) dy[k] *= rate;
  }
}

}  // namespace loradyn
