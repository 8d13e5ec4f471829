// Vector kernels of the fast full-d step. Each keeps canonical_sum.hpp's order, so the
// result does not depend on which instruction set runs it (they are compiled for AVX-512,
// AVX2 and the baseline where the compiler supports target clones).
#pragma once
#include <cstdint>

#include "../rng/gaussian.hpp"

namespace loradyn {
namespace full_kernels {

// acc[q * kSumLanes + j] += sum over i < n, i = j mod kSumLanes, of rows[q][i] * x[i]; n is a
// multiple of kSumLanes.
void project(int nrows, const double* const* rows, const double* x, int64_t n, double* acc);

// out[q] = lanes_total(acc + q * kSumLanes), then fma(rows[q][i], x[i], .) for d8 <= i < d, in
// order: the end of project() for each row (canonical_sum.hpp's order).
void finish_rows(int nrows, const double* acc, const double* const* rows, const double* x, int64_t d8, int64_t d,
                 double* out);

// project() on the three rows (t, v, x) of a batch of one, with the previous step's V update
// done on the way: v[k] = fma(beta, xp[k], v[k]) is stored, then used. The same bits as the
// update followed by project(); one pass over v instead of two.
void project3_pending(const double* t, double* v, const double* x, const double* xp, double beta, int64_t n,
                      double* acc);

// The rows of draw_project: nrows rows from coordinate 0, then (x_row, the batch of one) x itself,
// the sum x . x. With xp, the last row is v, which first moves by beta xp (as in project3_pending).
// Float inputs (FullSgd::f32_inputs_): x is stored as floats at xf (whole super-blocks; exact,
// the draws are floats), draw_project's x is then one super-block of scratch, and a pending
// update reads xpf in place of xp.
struct DrawProjectRows {
  int nrows;
  const double* const* rows;
  double* v = nullptr;
  const double* xp = nullptr;
  double beta = 0;
  float* xf = nullptr;
  const float* xpf = nullptr;
  bool x_row = true;
  uint32_t first = 0;  // the super-blocks drawn are [first, first + nsuper)
};
// Whether draw_project runs on this CPU for that shape: AVX-512 (as the generator's best path,
// LORADYN_SIMD caps it) with 2 or 3 rows; with the x row, a pending v or float inputs only with 2
// rows; without it, float inputs only.
bool draw_project_supported(int nrows, bool pending, bool float_x, bool x_row = true);
// Draws super-blocks [in.first, in.first + nsuper) of (step, sample) into x (or in.xf), the
// numbers of gaussian_fill_f32_fast, and adds the terms of project() (or project3_pending()) on
// the rows (and x) for coordinates below n8 (a multiple of kSumLanes) to acc, each super-block
// projected as soon as it is drawn. Only where draw_project_supported.
void draw_project(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t nsuper, int64_t n8,
                  const DrawProjectRows& in, double* x, double* acc);

// project() for two samples' x0 and x1 at once (acc0, acc1), each row loaded once for both.
void project_pair(int nrows, const double* const* rows, const double* x0, const double* x1, int64_t n, double* acc0,
                  double* acc1);

// dv[i * stride + k] = fma(c[i], x[k], dv[i * stride + k]) for i < nrows, k < n.
void axpy_rows(int nrows, const double* c, const double* x, int64_t n, double* dv, int64_t stride);

// Two samples' axpy_rows in one pass: dv = fma(c1[i], x1[k], fma(c0[i], x0[k], dv)), the bits of
// the two calls in turn.
void axpy2_rows(int nrows, const double* c0, const double* x0, const double* c1, const double* x1, int64_t n,
                double* dv, int64_t stride);

// dst[k] = src[k] as a float, k < n (exact for the single-precision inputs).
void to_float(const double* src, int64_t n, float* dst);

// dv[k] += c[g] * x[g * stride + k] for g = 0 .. G-1 in turn, k < n: the additions of G
// axpy_rows calls in the same order, with dv read and written once.
// from_zero: dv's old values are not read, as if they were +0.0 (a part's first group: the
// same bits as zeroing dv first, without the pass).
void axpy_group_f32(int G, const double* c, const float* x, int64_t stride, int64_t n, double* dv,
                    bool from_zero = false);

// dst[k] += src[k], k < n.
void add_into(double* dst, const double* src, int64_t n);

// The V update with V's pending scale (FullSgd::v_scale_): v[k] = fma(-step, dv[k], sc * v[k]);
// returns |v|^2 and v . t of the new v, both in the canonical order.
struct NormDot {
  double nn, dt;
};
NormDot step_norm_dot(double* v, double sc, const double* dv, double step, const double* t, int64_t n);

// v[k] *= s.
void scale(double* v, double s, int64_t n);

// canonical_dot with vector lanes.
double dot(const double* a, const double* b, int64_t n);

}  // namespace full_kernels
}  // namespace loradyn
