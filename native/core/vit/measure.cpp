#include "measure.hpp"

#include <algorithm>
#include <cmath>

#include "../util/parallel.hpp"

namespace loradyn {
namespace vit {

LossGradient loss_gradient(const Layout& L, const float* P, const DataView& data, Trainable tr, int threads) {
  validate_data(L.cfg, data, "data");
  const int parts = kGroups, chunk = 16, pixels = L.cfg.pixels();
  std::vector<std::vector<float>> grads(parts, std::vector<float>(L.total, 0.0f));
  std::vector<double> loss(parts, 0.0);
  const float scale = 1.0f / data.n;
  parallel_for(parts, threads, [&](int p) {
    Workspace<float> ws;
    const int lo = static_cast<int>((int64_t)data.n * p / parts),
              hi = static_cast<int>((int64_t)data.n * (p + 1) / parts);
    for (int s = lo; s < hi; s += chunk) {
      const int n = std::min(chunk, hi - s);
      loss[p] += forward_backward<float>(L, P, n, data.x + (size_t)s * pixels, data.y + s, scale, ws, grads[p].data(),
                                         tr, nullptr);
    }
  });
  LossGradient out;
  out.grad = std::move(grads[0]);
  out.loss = loss[0];
  for (int p = 1; p < parts; ++p) {
    for (size_t i = 0; i < L.total; ++i) out.grad[i] += grads[p][i];
    out.loss += loss[p];
  }
  out.loss /= data.n;
  return out;
}

std::vector<double> attention_entropy(const Layout& L, const float* P, const float* x, int n, int threads) {
  const VitConfig& c = L.cfg;
  const int T = c.tokens(), H = c.heads, D = c.width, chunk = 16;
  std::vector<std::vector<double>> sums(kGroups, std::vector<double>(c.depth, 0.0));
  parallel_for(kGroups, threads, [&](int p) {
    Workspace<float> ws;
    std::vector<float> feat((size_t)chunk * D);
    const int lo = static_cast<int>((int64_t)n * p / kGroups), hi = static_cast<int>((int64_t)n * (p + 1) / kGroups);
    for (int s = lo; s < hi; s += chunk) {
      const int m = std::min(chunk, hi - s);
      features<float>(L, P, m, x + (size_t)s * c.pixels(), ws, feat.data());
      for (int l = 0; l < c.depth; ++l) {
        const float* probs = ws.blocks[l].P.data();
        double e = 0;
        for (size_t r = 0; r < (size_t)m * H * T; ++r)
          for (int j = 0; j < T; ++j) {
            const double q = probs[r * T + j];
            if (q > 0) e -= q * std::log(q);
          }
        sums[p][l] += e;
      }
    }
  });
  std::vector<double> out(c.depth, 0.0);
  for (int l = 0; l < c.depth; ++l) {
    for (int p = 0; p < kGroups; ++p) out[l] += sums[p][l];
    out[l] /= static_cast<double>(n) * H * T;
  }
  return out;
}

}  // namespace vit
}  // namespace loradyn
