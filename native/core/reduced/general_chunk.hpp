// One run of the general reduced chain (any K, r <= 4, f <= 8) over a chunk of steps, written once
// for the CUDA kernel (cuda/sgd_reduced_general.cu: one thread per run) and for its CPU emulation
// (general_launch.cpp, which tests the kernel's logic on machines without a GPU). It is
// ReducedSgd::run_general's loop (sgd_reduced.cpp) with the state in fixed-size arrays: the same
// draws (frame coordinate k of x_b is coordinate b * nq + k of kStreamReduced, step s, sample 0),
// general_add_sample and general_move_frame (general_ops.hpp), the same divergence, first-passage
// and stop tests, and the state written at the record grid for the host to replay.
#pragma once
#include <cmath>
#include <cstdint>

#include "../rng/gaussian.hpp"
#include "general_ops.hpp"

namespace loradyn {

constexpr int kGenMaxK = 4, kGenMaxR = 4, kGenMaxF = 2 * kGenMaxK, kGenMaxQ = kGenMaxF + kGenMaxR;
constexpr int kGenMaxThresholds = 8;

// Every array holds S runs; per-run state and outputs are contiguous per run.
struct ReducedGeneralArgs {
  int S = 0;
  int64_t B = 0;
  int K = 1, r = 1, f = 1, q = 2;
  double dof = 0, a = 1;  // d - q; the committee readout
  int scratch = 0, spherical = 1, w0_zero = 0;
  int nthr = 0;
  double thresholds[kGenMaxThresholds] = {};
  double stop_at = 0;  // record.stopAt (0: none)
  int64_t step_begin = 0, step_end = 0;
  const int64_t* grid = nullptr;  // the record grid (P steps, grid[0] = 0)
  int P = 0;
  const uint64_t* seeds = nullptr;     // S
  const double* step_size = nullptr;   // S: eta / B
  const double* sqrt_noise = nullptr;  // S
  const double* w0 = nullptr;          // S x (K f)
  double* V = nullptr;                 // S x (r q): carried between chunks
  double* U = nullptr;                 // S x (K r)
  int* next_point = nullptr;           // S: next grid index to record
  int* points_done = nullptr;          // S: points written to the outputs
  int64_t* escape = nullptr;           // S x nthr (-1: not yet)
  double* loss_sum = nullptr;          // S: batch losses since the last point
  int64_t* loss_n = nullptr;           // S
  int64_t* diverged = nullptr;         // S: -1 or the step
  int64_t* stopped = nullptr;          // S: -1 or the step where max |m_ij| reached stop_at
  int64_t* steps_done = nullptr;       // S
  double* out_step = nullptr;          // S x P
  double* out_bl = nullptr;            // S x P: mean batch loss of the interval (NaN: none)
  double* out_V = nullptr;             // S x P x (r q)
  double* out_U = nullptr;             // S x P x (K r)
};

#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class Student, class Teacher>
LD_HD void reduced_general_run(const ReducedGeneralArgs& a, int run, const Student& student, const Teacher& teacher) {
  if (run >= a.S || a.diverged[run] >= 0 || a.stopped[run] >= 0) return;
  const int K = a.K, r = a.r, f = a.f, q = a.q;
  const int nV = r * q, nU = K * r;
  double V[kGenMaxR * kGenMaxQ], U[kGenMaxK * kGenMaxR], w0[kGenMaxK * kGenMaxF];
  for (int k = 0; k < nV; ++k) V[k] = a.V[static_cast<int64_t>(run) * nV + k];
  for (int k = 0; k < nU; ++k) U[k] = a.U[static_cast<int64_t>(run) * nU + k];
  for (int k = 0; k < K * f; ++k) w0[k] = a.w0[static_cast<int64_t>(run) * K * f + k];
  const uint64_t seed = a.seeds[run];
  const double sqrt_noise = a.sqrt_noise[run];
  const int nq = q + (sqrt_noise > 0 ? 1 : 0);
  const DrawKey key{seed, kStreamReduced};
  const GeneralMoveParams pm{seed, a.step_size[run], a.dof, a.scratch != 0, a.spherical != 0};
  double gU[kGenMaxK * kGenMaxR], sv[kGenMaxR * kGenMaxQ], cc[kGenMaxR * kGenMaxR];
  double p0[kGenMaxK], pv[kGenMaxR], g[kGenMaxK], c[kGenMaxR], xi[kGenMaxQ + 1];
  double Lc[kGenMaxR * kGenMaxR], T[kGenMaxR * kGenMaxR], Z[kGenMaxR * kGenMaxR], P[kGenMaxR * 2 * kGenMaxR],
      Lnew[kGenMaxR * kGenMaxR], lq_work[(kGenMaxR + 1) * 2 * kGenMaxR];
  const GeneralMoveScratch w{Lc, T, Z, P, Lnew, lq_work};
  int next = a.next_point[run], pts = a.points_done[run];
  double lsum = a.loss_sum[run];
  int64_t ln = a.loss_n[run];
  int64_t esc[kGenMaxThresholds];
  for (int h = 0; h < a.nthr; ++h) esc[h] = a.escape[run * a.nthr + h];
  int64_t done = a.step_begin;
  bool diverged = false, stopped = false;

  auto record = [&](int64_t step) {
    const int64_t p = static_cast<int64_t>(run) * a.P + pts;
    a.out_step[p] = static_cast<double>(step);
    a.out_bl[p] = ln > 0 ? lsum / static_cast<double>(ln) : NAN;
    for (int k = 0; k < nV; ++k) a.out_V[p * nV + k] = V[k];
    for (int k = 0; k < nU; ++k) a.out_U[p * nU + k] = U[k];
    lsum = 0;
    ln = 0;
    ++pts;
  };

  for (int64_t s = a.step_begin; s < a.step_end; ++s) {
    for (int k = 0; k < nU; ++k) gU[k] = 0.0;
    for (int k = 0; k < nV; ++k) sv[k] = 0.0;
    for (int k = 0; k < r * r; ++k) cc[k] = 0.0;
    GeneralSumsRef sums{gU, sv, cc, 0.0};
    // The batch's coordinates in increasing order, each Philox block (four Gaussians) drawn once.
    uint32_t blk = 0xFFFFFFFFu;
    double g4[4];
    for (int64_t b = 0; b < a.B; ++b) {
      for (int k = 0; k < nq; ++k) {
        const int64_t n = b * nq + k;
        const uint32_t want = static_cast<uint32_t>(n >> 2);
        if (want != blk) {
          gaussian4(key, static_cast<uint64_t>(s), 0, want, g4);
          blk = want;
        }
        xi[k] = g4[n & 3];
      }
      general_add_sample(xi, K, r, f, q, w0, a.w0_zero != 0, V, U, a.a, sqrt_noise, student, teacher, p0, pv, g, c,
                         sums);
    }
    general_sums_finish(cc, r);
    general_move_frame(pm, s, K, r, f, U, V, gU, sv, cc, w);
    const double bl = sums.loss / static_cast<double>(a.B);
    lsum += bl;
    ++ln;
    done = s + 1;
    // The CPU's finite_state: every u, every m_ij and the batch loss.
    bool finite = std::isfinite(bl);
    for (int k = 0; k < nU; ++k) finite = finite && std::isfinite(U[k]);
    double mx = 0;
    for (int i = 0; i < r; ++i)
      for (int j = 0; j < K; ++j) {
        const double m = V[i * q + j];
        finite = finite && std::isfinite(m);
        const double am = std::fabs(m);
        mx = am > mx ? am : mx;
      }
    if (!finite) {
      diverged = true;
      record(done);
      break;
    }
    for (int h = 0; h < a.nthr; ++h)
      if (esc[h] < 0 && mx >= a.thresholds[h]) esc[h] = done;
    bool recorded = false;
    if (next < a.P && done == a.grid[next]) {
      record(done);
      recorded = true;
      while (next < a.P && a.grid[next] <= done) ++next;
    }
    if (a.stop_at > 0 && mx >= a.stop_at) {  // record.stopAt
      if (!recorded) record(done);
      stopped = true;
      break;
    }
  }
  for (int k = 0; k < nV; ++k) a.V[static_cast<int64_t>(run) * nV + k] = V[k];
  for (int k = 0; k < nU; ++k) a.U[static_cast<int64_t>(run) * nU + k] = U[k];
  a.next_point[run] = next;
  a.points_done[run] = pts;
  a.loss_sum[run] = lsum;
  a.loss_n[run] = ln;
  for (int h = 0; h < a.nthr; ++h) a.escape[run * a.nthr + h] = esc[h];
  a.steps_done[run] = done;
  if (diverged) a.diverged[run] = done;
  if (stopped) a.stopped[run] = done;
}

}  // namespace loradyn
