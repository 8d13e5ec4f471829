// The full-d simulator's run loop (recording, progress, divergence) and its two steps: the
// fast one (sgd_full.cpp: SIMD draws in blocks, fused projections, batch parts on threads)
// and the plain reference (sgd_full_reference.cpp) that tests hold it to, bit for bit.
#pragma once
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "../model/recorder.hpp"
#include "../rng/gaussian.hpp"
#include "../util/aligned_vector.hpp"
#include "../util/thread_pool.hpp"
#include "canonical_sum.hpp"
#include "full_kernels.hpp"
#include "full_state.hpp"

namespace loradyn {

// Coordinates drawn and projected at a time: 8 KB of x, which stays in L1 while every
// projection row passes over it.
inline constexpr int64_t kDrawBlock = 1024;
static_assert(kDrawBlock % kF32SuperBlock == 0, "draw blocks start on super-blocks");
// A draw block of len coordinates rounded up to whole super-blocks: they go straight into x,
// and what lies past d is never read.
inline int64_t drawn_length(int64_t len) { return (len + kF32SuperBlock - 1) / kF32SuperBlock * kF32SuperBlock; }

// The batch is cut into parts that depend on B alone; each part sums its samples in order,
// then the parts are added in order. This fixes the floating-point order for any number of
// threads (the parts are what threads share out).
struct BatchParts {
  int count;
  int64_t size;  // samples per part (the last may hold fewer)
  int64_t begin(int p) const { return p * size; }
  int64_t end(int p, int64_t B) const { return std::min<int64_t>(B, (p + 1) * size); }
};
BatchParts batch_parts(int64_t B);

class FullSgd {
 public:
  enum class Path { Fast, Reference };
  FullSgd(const RunConfig& cfg, uint64_t seed, Path path, int threads);
  RunRecord run(const RunControl& ctl);

 private:
  void record_point(int64_t step);
  // M and Q (K x K) of the current state without touching it (record.lossThresholds, every
  // step): from m_, U, the rows' Gram matrix and their pending scales (sgd_full_overlaps.cpp).
  void overlaps_now(double* M, double* Q);
  // The practice step (sgd_full_practice.cpp): optimizer buffers, and the update from the
  // batch's gradient sums dV (r x d) and gU (K x r) in place of the default update.
  void init_practice();
  void practice_update(const double* dV, const double* gU);
  bool finite_state() const;
  void step_fast(int64_t s);
  void step_reference(int64_t s);
  // Gradient bookkeeping of sample b from its projections pstar (K; followed by the K w0
  // projections when w0 is neither aligned nor zero) and pv (r): adds to
  // gU (K x r) and returns the loss; c (r) receives the coefficient of x_b in dV.
  double sample_terms(int64_t s, int64_t b, const double* pstar, const double* pv, double* gU, double* c) const;
  // V -= step * dV, renormalise, new overlaps m; shared tail of both steps (B > 1).
  void apply_v_update(const double* dV, double step_size, bool fast);
  // The batch of one: V moves by -step c_i x with |v_i|^2 and v_i . w*_j carried from the
  // sample's sums (pv_raw: v_i . x of the stored rows; xx: |x|^2; pstar: w*_j . x).
  // xf: x as floats (f32_inputs_, which always defers the update; x is then not read).
  void apply_direct_update(const double* x, const double* c, const double* pv_raw, double xx, const double* pstar,
                           double step_size, bool fast, const float* xf = nullptr);
  void refresh_row_sums(int i, bool fast);
  // The fast batch of one with K = r = 1 and no stored w0, below kGroupMinD or with float inputs,
  // defers its V update (v += beta x) to the next step's projection pass (draw_project, or
  // full_kernels::project3_pending without AVX-512): defers_v_update(). Anything else that reads
  // V calls flush_pending_v() first.
  bool defers_v_update() const;
  void flush_pending_v();
  static double rescale_huge(double* v, int64_t n);
  void materialize_v();
  struct Scratch;
  // The projection rows in their order (teacher rows, w0 rows when needed, rows of V), from
  // coordinate c0 on; shared by the per-sample and the grouped step.
  bool need_w0() const { return !st_.w0_aligned && !scratch_; }
  void block_rows(int64_t c0, const double** rows) const {
    const int64_t d = d_;
    int q = 0;
    for (int j = 0; j < st_.K; ++j) rows[q++] = &st_.teacher[j * d + c0];
    if (need_w0())
      for (int j = 0; j < st_.K; ++j) rows[q++] = &st_.w0[j * d + c0];
    for (int i = 0; i < st_.r; ++i) rows[q++] = &st_.V[i * d + c0];
  }
  // Completes a sample's projections from their lane sums acc (kSumLanes per row, coordinates
  // below d8) and the tail of x, in the canonical order; V rows take their pending scale.
  // rows: room for the row pointers (Scratch::rows). With pv_raw (the batch of one), acc holds
  // one more row, |x|^2, which lands in proj[nrows], and pv_raw receives v_i . x before scaling.
  template <class X>
  void finish_projections(const double* acc, const X* x, const double** rows, double* proj,
                          double* pv_raw = nullptr) const {
    const int64_t d = d_, d8 = d - d % kSumLanes;
    const int nrows = st_.K + (need_w0() ? st_.K : 0) + st_.r;
    block_rows(0, rows);
    if constexpr (std::is_same_v<X, double>) {
      if (pv_raw != nullptr) rows[nrows] = x;  // the |x|^2 row
      full_kernels::finish_rows(nrows + (pv_raw != nullptr), acc, rows, x, d8, d, proj);
    } else {  // float inputs (part_grouped, sample_one_f32)
      for (int q = 0; q < nrows; ++q) {
        double t = lanes_total(&acc[q * kSumLanes]);
        for (int64_t i = d8; i < d; ++i) t = std::fma(rows[q][i], static_cast<double>(x[i]), t);
        proj[q] = t;
      }
      if (pv_raw != nullptr) {  // the |x|^2 row
        double t = lanes_total(&acc[nrows * kSumLanes]);
        for (int64_t i = d8; i < d; ++i) t = std::fma(static_cast<double>(x[i]), static_cast<double>(x[i]), t);
        proj[nrows] = t;
      }
    }
    for (int i = 0; i < st_.r; ++i) {
      if (pv_raw != nullptr) pv_raw[i] = proj[nrows - st_.r + i];
      proj[nrows - st_.r + i] *= v_scale_[i];  // the pending scale (apply_v_update)
    }
  }
  // Large d, B > 1 (sgd_full_grouped.cpp): samples of a part in groups of group_, so the teacher,
  // w0 and V blocks and dV are read once per group instead of once per sample. The same bits
  // as the per-sample loop. Returns the part's loss.
  double part_grouped(int64_t s, int p, Scratch& w, double* dV, double* gU);
  // The batch of one with float inputs (sgd_full_one_f32.cpp): draws and projects the sample,
  // doing the pending V update on the way; returns its loss.
  double sample_one_f32(int64_t s, Scratch& w, double* gU);

  // Abort inside a step (a step of B samples at large d can take seconds): the sample loops
  // poll the call's cancel flag once per sample or sample group and leave the step unfinished;
  // run() then ends the run as cancelled.
  bool stop_requested() const { return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed); }

  const RunConfig& cfg_;
  uint64_t seed_;
  Path path_;
  const std::atomic<bool>* cancel_ = nullptr;
  FullState st_;
  Recorder rec_;
  int64_t d_;
  double eta_, a_, sqrt_noise_;
  bool scratch_;
  // Practice options set (model/practice.hpp): the step takes practice_update; U frozen for
  // the scratch baseline and for adapter "full" (U = I, the rows of V are the deltas).
  bool practice_ = false, u_frozen_ = false;
  int64_t opt_step_ = 0;
  std::vector<double> opt_u1_, opt_u2_, opt_v1_, opt_v2_;  // momentum: *1; adam: *1 = m, *2 = s
  double last_loss_ = 0;
  bool row_broken_ = false;  // a row of V became zero, NaN or Inf
  BatchParts parts_;
  std::unique_ptr<TaskPool> pool_;
  std::vector<double> m_, M_, Q_;
  std::vector<double> w0_teacher_, w0_w0_, ov_C_, ov_n_;  // overlaps_now: w0 . w*, w0 . w0 (once), C, n
  std::vector<double> v_scale_;                           // pending renormalisation of each row of V (apply_v_update)
  // The batch of one (apply_direct_update): |v_i|^2 and v_i . w*_j of the stored rows, valid
  // while row_sums_valid_ (materialize_v rescales the rows and clears it).
  std::vector<double> row_nn_, row_dt_;
  bool row_sums_valid_ = false;
  bool pending_ = false;  // V[0] += pending_beta_ * (pending_x_ or pending_xf_) not done yet (flush_pending_v)
  double pending_beta_ = 0;
  const double* pending_x_ = nullptr;  // or, with float inputs, pending_xf_
  const float* pending_xf_ = nullptr;
  // Per part: dV (r x d), gU (K x r), loss. Per worker: x (d) and projections.
  AlignedDoubles part_dV_, dV_;  // part p's dV at p * dv_stride_
  int64_t dv_stride_ = 0;
  std::vector<double> part_gU_, part_loss_, gU_;
  struct Scratch {  // one per worker, sized once
    AlignedDoubles x, acc;
    std::vector<double> proj, c, pv_raw;
    int64_t x_begin = 0;  // x is x.data() + x_begin (its placement: FullSgd's constructor)
    // The batch of one draws into x and x_alt by turns: the previous x is still to be added to V.
    AlignedDoubles x_alt;
    int64_t x_alt_begin = 0;
    double* x_cur = nullptr;  // the buffer the current sample was drawn into
    // Float inputs (f32_inputs_): x as floats, one buffer (sample_one_f32).
    AlignedFloats xf;
    std::vector<const double*> rows;
    // Grouped path: the group's inputs as floats (they are floats: exact), G x padded d; the
    // group's projection accumulators and gradient coefficients.
    std::vector<float, AlignedAllocator<float>> xg;
    std::vector<double> accg, cg;
  };
  int group_ = 1;  // samples per group in part_grouped (1: per-sample loop)
  // The batch of one from kGroupMinD on (K = r = 1, no w0 row, AVX-512) keeps x as floats:
  // sample_one_f32.
  bool f32_inputs_ = false;
  int64_t d_pad_ = 0;  // d rounded up to whole super-blocks
  std::vector<Scratch> scratch_per_worker_;
};

}  // namespace loradyn
