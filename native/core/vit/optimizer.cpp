#include "optimizer.hpp"

#include <cmath>

namespace loradyn {
namespace vit {

bool is_trainable(Group g, Trainable tr) {
  switch (g) {
    case Group::Base:
      return tr.base;
    case Group::Head:
      return tr.head;
    case Group::Lora:
      return tr.lora;
  }
  return false;
}

Optimizer::Optimizer(const Layout& L, const OptimConfig& cfg, Trainable tr) : cfg_(cfg) {
  validate_optim_config(cfg);
  for (const TensorInfo& t : L.tensors)
    if (is_trainable(t.group, tr)) slices_.push_back({t.offset, t.size, t.decay});
  m_.assign(L.total, 0.0f);
  if (cfg.kind == OptimKind::AdamW) v_.assign(L.total, 0.0f);
}

void Optimizer::step(float* P, const float* G) {
  ++t_;
  const float lr = static_cast<float>(cfg_.lr);
  if (cfg_.kind == OptimKind::Sgd) {
    const float mom = static_cast<float>(cfg_.momentum);
    for (const Slice& s : slices_) {
      const float wd = s.decay ? static_cast<float>(cfg_.weight_decay) : 0.0f;
      float* p = P + s.off;
      float* m = m_.data() + s.off;
      const float* g = G + s.off;
      for (size_t i = 0; i < s.size; ++i) {
        m[i] = mom * m[i] + g[i];
        p[i] -= lr * (m[i] + wd * p[i]);
      }
    }
    return;
  }
  const double b1 = cfg_.beta1, b2 = cfg_.beta2;
  const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(b1, static_cast<double>(t_))));
  const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(b2, static_cast<double>(t_))));
  const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2), eps = static_cast<float>(cfg_.eps);
  for (const Slice& s : slices_) {
    const float wd = s.decay ? static_cast<float>(cfg_.weight_decay) : 0.0f;
    float* p = P + s.off;
    float* m = m_.data() + s.off;
    float* v = v_.data() + s.off;
    const float* g = G + s.off;
    for (size_t i = 0; i < s.size; ++i) {
      m[i] = fb1 * m[i] + (1.0f - fb1) * g[i];
      v[i] = fb2 * v[i] + (1.0f - fb2) * g[i] * g[i];
      // Decoupled decay (Loshchilov & Hutter): shrink the weight, not the gradient.
      p[i] -= lr * ((m[i] * c1) / (std::sqrt(v[i] * c2) + eps) + wd * p[i]);
    }
  }
}

}  // namespace vit
}  // namespace loradyn
