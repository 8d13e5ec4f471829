// The reference step of the full-d simulator: the update of SPEC section 1 in plain loops,
// with the scalar generator (single precision for x, as in the fast step) and the whole x of each sample drawn at once.
// It follows the summation order of canonical_sum.hpp and the batch parts of batch_parts(), which fix the bits; the
// fast step must reproduce it exactly (test/sgd_fast.test.ts).
#include <algorithm>
#include <cmath>
#include <vector>

#include "../rng/gaussian.hpp"
#include "canonical_sum.hpp"
#include "full_sgd_impl.hpp"

namespace loradyn {

void FullSgd::step_reference(int64_t s) {
  const int K = st_.K, r = st_.r;
  const int64_t d = d_, B = cfg_.train.batch;
  const bool need_w0 = this->need_w0();
  std::vector<double> x(d), proj(2 * K + r), c(r), pv_raw(r);
  // Draws sample b and projects it: teacher rows, w0 rows when needed, then rows of V (pv_raw:
  // before their pending scale). Returns where the V projections start in proj.
  auto draw_and_project = [&](int64_t b) {
    gaussian_fill_f32({seed_, kStreamInputs}, static_cast<uint64_t>(s), static_cast<uint32_t>(b), 0,
                      static_cast<uint32_t>(d), x.data());
    int q = 0;
    for (int j = 0; j < K; ++j) proj[q++] = canonical_dot(&st_.teacher[j * d], x.data(), d);
    if (need_w0)
      for (int j = 0; j < K; ++j) proj[q++] = canonical_dot(&st_.w0[j * d], x.data(), d);
    const int pv = q;
    for (int i = 0; i < r; ++i) {
      pv_raw[i] = canonical_dot(&st_.V[i * d], x.data(), d);
      proj[q++] = pv_raw[i] * v_scale_[i];
    }
    return pv;
  };
  if (B == 1 && !practice_) {  // the batch of one: V moves straight from x (apply_direct_update)
    std::vector<double> gU(K * r, 0.0);
    const int pv = draw_and_project(0);
    const double xx = canonical_dot(x.data(), x.data(), d);
    last_loss_ = sample_terms(s, 0, proj.data(), proj.data() + pv, gU.data(), c.data());
    rec_.add_batch_loss(last_loss_);
    if (!scratch_)
      for (int k = 0; k < K * r; ++k) st_.U[k] -= eta_ * gU[k];
    apply_direct_update(x.data(), c.data(), pv_raw.data(), xx, proj.data(), eta_, false);
    return;
  }
  std::vector<double> dV(r * d, 0.0), gU(K * r, 0.0), part_dV(r * d), part_gU(K * r);
  double loss = 0;
  for (int p = 0; p < parts_.count; ++p) {
    std::fill(part_dV.begin(), part_dV.end(), 0.0);
    std::fill(part_gU.begin(), part_gU.end(), 0.0);
    double part_loss = 0;
    for (int64_t b = parts_.begin(p); b < parts_.end(p, B); ++b) {
      const int pv = draw_and_project(b);
      part_loss += sample_terms(s, b, proj.data(), proj.data() + pv, part_gU.data(), c.data());
      for (int i = 0; i < r; ++i)
        for (int64_t k = 0; k < d; ++k) part_dV[i * d + k] = std::fma(c[i], x[k], part_dV[i * d + k]);
    }
    // Parts in order; the first is copied (0 + y would turn -0 into +0).
    for (size_t k = 0; k < dV.size(); ++k) dV[k] = p == 0 ? part_dV[k] : dV[k] + part_dV[k];
    for (size_t k = 0; k < gU.size(); ++k) gU[k] = p == 0 ? part_gU[k] : gU[k] + part_gU[k];
    loss = p == 0 ? part_loss : loss + part_loss;
  }
  const double step_size = eta_ / static_cast<double>(B);
  last_loss_ = loss / static_cast<double>(B);
  rec_.add_batch_loss(last_loss_);
  if (practice_) {
    practice_update(dV.data(), gU.data());
    return;
  }
  if (!scratch_)
    for (int k = 0; k < K * r; ++k) st_.U[k] -= step_size * gU[k];
  apply_v_update(dV.data(), step_size, false);
}

}  // namespace loradyn
