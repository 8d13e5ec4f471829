// The batched step for large d (FullSgd::part_grouped): a part's samples in groups of G.
// Per coordinate block, every sample of the group is drawn and projected while the block of the
// teacher, w0 and V rows stays in L1, and its inputs are kept as floats (they are floats, so
// nothing is lost); then, sample by sample in order, the gradient terms; then dV += c_g x_g
// for the whole group in one pass over dV. Every sum adds the same terms in the same order as
// the per-sample loop of sgd_full.cpp, so the bits are the same (test/sgd_fast.test.ts).
#include <algorithm>

#include "../rng/gaussian_simd.hpp"
#include "canonical_sum.hpp"
#include "full_kernels.hpp"
#include "full_sgd_impl.hpp"

namespace loradyn {

double FullSgd::part_grouped(int64_t s, int p, Scratch& w, double* dV, double* gU) {
  const int K = st_.K, r = st_.r;
  const int64_t d = d_, B = cfg_.train.batch;
  const bool need_w0 = this->need_w0();
  const int nproj = K + (need_w0 ? K : 0) + r;
  const int64_t d8 = d - d % kSumLanes;
  const DrawKey inputs{seed_, kStreamInputs};
  const int64_t acc_n = static_cast<int64_t>(nproj) * kSumLanes;
  double* x = w.x.data() + w.x_begin;  // one block of one sample, as doubles
  const bool fused = full_kernels::draw_project_supported(nproj, false, true, false);
  const double* rows0[4];  // the rows from coordinate 0 (draw_project indexes them by coordinate)
  if (fused) block_rows(0, rows0);
  double loss = 0;
  for (int64_t b0 = parts_.begin(p); b0 < parts_.end(p, B); b0 += group_) {
    const int G = static_cast<int>(std::min<int64_t>(group_, parts_.end(p, B) - b0));
    std::fill(w.accg.begin(), w.accg.begin() + G * acc_n, 0.0);
    for (int64_t c0 = 0; c0 < d; c0 += kDrawBlock) {
      if (stop_requested()) return loss;  // step_fast sees it too and drops the step
      const int64_t len = std::min(kDrawBlock, d - c0);
      const int64_t drawn = drawn_length(len);
      block_rows(c0, w.rows.data());
      const int64_t n8 = std::min(len, d8 - c0);
      for (int g = 0; g < G; ++g) {
        if (fused) {  // AVX-512: drawn, projected and stored as floats in one loop
          full_kernels::DrawProjectRows in{nproj, rows0};
          in.xf = &w.xg[g * d_pad_];
          in.x_row = false;
          in.first = static_cast<uint32_t>(c0 / kF32SuperBlock);
          full_kernels::draw_project(inputs, static_cast<uint64_t>(s), static_cast<uint32_t>(b0 + g),
                                     static_cast<uint32_t>(drawn / kF32SuperBlock), d8, in, x, &w.accg[g * acc_n]);
          continue;
        }
        gaussian_fill_f32_fast(inputs, static_cast<uint64_t>(s), static_cast<uint32_t>(b0 + g),
                               static_cast<uint32_t>(c0), static_cast<uint32_t>(drawn), x);
        if (n8 > 0) full_kernels::project(nproj, w.rows.data(), x, n8, &w.accg[g * acc_n]);
        full_kernels::to_float(x, len, &w.xg[g * d_pad_ + c0]);
      }
    }
    for (int g = 0; g < G; ++g) {
      finish_projections(&w.accg[g * acc_n], &w.xg[g * d_pad_], w.rows.data(), w.proj.data());
      loss += sample_terms(s, b0 + g, w.proj.data(), w.proj.data() + K + (need_w0 ? K : 0), gU, &w.cg[g * r]);
    }
    for (int i = 0; i < r; ++i) {
      double ci[64];
      for (int g = 0; g < G; ++g) ci[g] = w.cg[g * r + i];
      full_kernels::axpy_group_f32(G, ci, w.xg.data(), d_pad_, d, &dV[i * d], b0 == parts_.begin(p));
    }
  }
  if (parts_.begin(p) >= parts_.end(p, B)) std::fill(dV, dV + r * d, 0.0);  // no samples (not zeroed above)
  return loss;
}

}  // namespace loradyn
