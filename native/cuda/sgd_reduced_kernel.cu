// The reduced chain on the GPU, one thread per run: the rank-1, K = 1 loop of
// core/reduced/sgd_reduced.cpp (fast_loop), with the same step (core/reduced/rank1_step.hpp)
// and the same Philox counters
// (the batch's frame coordinates from kStreamReduced, the chi-square from kStreamReducedGamma).
// The state is three doubles, so it lives in registers for a whole launch of many steps;
// record points and first passages are written sparsely.
#include <cuda_runtime.h>

#include <cmath>

#include "../core/reduced/gamma.hpp"
#include "../core/reduced/rank1_step.hpp"
#include "../core/rng/gaussian.hpp"
#include "cuda_check.hpp"
#include "reduced_kernel.hpp"

namespace loradyn {
namespace {

constexpr int kThreads = 128;

__global__ void __launch_bounds__(kThreads) reduced_rank1_kernel(const ReducedKernelArgs a) {
  const int run = blockIdx.x * blockDim.x + threadIdx.x;
  if (run >= a.S || a.diverged[run] >= 0 || a.stopped[run] >= 0) return;
  double m = a.m[run], l = a.l[run], u = a.u[run];
  const double mu0 = a.mu0[run];
  const double step_size = a.step_size[run], sqrt_noise = a.sqrt_noise[run];
  const uint64_t seed = a.seeds[run];
  const DrawKey key{seed, kStreamReduced};
  const DrawKey gkey{seed, kStreamReducedGamma};
  const bool noisy = sqrt_noise > 0;
  const int64_t nq = noisy ? 3 : 2;
  int next = a.next_point[run], pts = a.points_done[run];
  double lsum = a.loss_sum[run];
  int64_t ln = a.loss_n[run];
  int64_t esc[kCudaMaxThresholds];
  for (int h = 0; h < a.nthr; ++h) esc[h] = a.escape[run * a.nthr + h];
  int64_t done = a.step_begin;
  bool diverged = false, stopped = false;

  auto record = [&](int64_t step) {
    const size_t p = static_cast<size_t>(run) * a.P + pts;
    a.out_step[p] = static_cast<double>(step);
    a.out_m[p] = m;
    a.out_l[p] = l;
    a.out_u[p] = u;
    a.out_bl[p] = ln > 0 ? lsum / static_cast<double>(ln) : nan("");
    lsum = 0;
    ln = 0;
    ++pts;
  };

  for (int64_t s = a.step_begin; s < a.step_end; ++s) {
    Rank1Sums acc;
    // The batch's frame coordinates, as the CPU's draw_batch lays them out: x_b's coordinate
    // k (k = 2: its label noise) is coordinate b * nq + k of (kStreamReduced, step s, sample 0).
    // They are read in increasing order, so each Philox block is drawn once.
    uint32_t blk = 0xFFFFFFFFu;
    double g4[4];
    auto coord = [&](int64_t n) {
      const uint32_t want = static_cast<uint32_t>(n >> 2);
      if (want != blk) {
        gaussian4(key, static_cast<uint64_t>(s), 0, want, g4);
        blk = want;
      }
      return g4[n & 3];
    };
    auto student = [&](double lam, double& sv, double& ds) { dev_activation_eval(a.act, lam, sv, ds); };
    auto teacher = [&](double x) { return dev_link_value(a.teacher, x); };
    for (int64_t b = 0; b < a.B; ++b) {
      // In increasing order: x0, x1, then (when noisy) the noise coordinate.
      const double x0 = coord(b * nq), x1 = coord(b * nq + 1);
      rank1_add_sample(acc, m, l, mu0, u, x0, x1, noisy, sqrt_noise, noisy ? coord(b * nq + 2) : 0.0, student, teacher);
    }
    if (!a.scratch) u -= step_size * acc.gU;
    const double z = sqrt(acc.cc * chi_square(gkey, static_cast<uint64_t>(s), 0, a.dof));
    rank1_move(m, l, acc, z, step_size, a.spherical);
    const double bl = acc.loss / static_cast<double>(a.B);
    lsum += bl;
    ++ln;
    done = s + 1;
    if (!(isfinite(u) && isfinite(m) && isfinite(bl))) {
      diverged = true;
      record(done);
      break;
    }
    const double am = fabs(m);
    for (int h = 0; h < a.nthr; ++h)
      if (esc[h] < 0 && am >= a.thresholds[h]) esc[h] = done;
    bool recorded = false;
    if (next < a.P && done == a.grid[next]) {
      record(done);
      recorded = true;
      while (next < a.P && a.grid[next] <= done) ++next;
    }
    if (a.stop_at > 0 && am >= a.stop_at) {  // record.stopAt
      if (!recorded) record(done);
      stopped = true;
      break;
    }
  }
  a.m[run] = m;
  a.l[run] = l;
  a.u[run] = u;
  a.next_point[run] = next;
  a.points_done[run] = pts;
  a.loss_sum[run] = lsum;
  a.loss_n[run] = ln;
  for (int h = 0; h < a.nthr; ++h) a.escape[run * a.nthr + h] = esc[h];
  a.steps_done[run] = done;
  if (diverged) a.diverged[run] = done;
  if (stopped) a.stopped[run] = done;
}

}  // namespace

void launch_reduced_rank1(const ReducedKernelArgs& a) {
  reduced_rank1_kernel<<<(a.S + kThreads - 1) / kThreads, kThreads>>>(a);
  LD_CUDA(cudaGetLastError());
}

}  // namespace loradyn
