// Full-d one-pass SGD on the GPU: one thread block per run, all steps of a chunk in one launch.
//
// Thread t of a block owns the Philox blocks g = blk * T + t (blk < NB), each giving the 4
// coordinates f32_coord(g, 0..3); it draws their Gaussians with the same Philox counters and
// single-precision transform as the CPU (gaussian4_f32 of rng/gaussian.hpp), keeps them in registers for the whole
// sample (projections, then the gradient) and never writes them to memory. V, the teacher rows, w0 (when not a multiple
// of the teacher) and the batch's dV live in shared memory, laid out so that the 32 lanes of a warp touch 32
// consecutive doubles; when they do not fit they live in a global "spill" buffer with the same layout. Reductions are
// warp shuffles plus one shared-memory pass, summed in a fixed order so every thread gets bit-identical scalars and all
// control flow stays uniform.
#pragma once
#include <cuda_runtime.h>

#include <cmath>

#include "../core/rng/gaussian.hpp"
#include "cuda_check.hpp"
#include "full_kernel.hpp"

namespace loradyn {
namespace full_detail {

__device__ __forceinline__ double warp_sum(double v) {
  // Butterfly: partners add the same two operands (commuted), so all lanes end bit-identical.
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sums v[0..n) over the block; every thread receives the same totals (fixed summation order).
template <int T, int N>
__device__ __forceinline__ void block_sum(double (&v)[N], int n, double* red) {
  constexpr int W = T / 32;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int k = 0; k < N; ++k)
    if (k < n) v[k] = warp_sum(v[k]);
  if (lane == 0) {
#pragma unroll
    for (int k = 0; k < N; ++k)
      if (k < n) red[warp * N + k] = v[k];
  }
  __syncthreads();
#pragma unroll
  for (int k = 0; k < N; ++k) {
    if (k < n) {
      double t = 0;
      for (int w = 0; w < W; ++w) t += red[w * N + k];
      v[k] = t;
    }
  }
  __syncthreads();
}

// Registers of the rank-1 kernels with 128 threads and d <= 1024 are capped so that 6 blocks fit
// on an SM (65536 / (128 * 6) = 85 registers each). The step is latency-bound: uncapped, the
// compiler takes 122-153 registers, 3-4 blocks fit, and Nsight Compute finds 0.77 eligible warps
// per scheduler. On an H200 (bench/RESULTS.md, run 3) the cap gave +11% at d = 1000, B = 1 and -4%
// at B = 500; 5 blocks gave +9% / -3%. -DLORADYN_CUDA_MIN_BLOCKS=n overrides (1: no cap).
#ifndef LORADYN_CUDA_MIN_BLOCKS
#define LORADYN_CUDA_MIN_BLOCKS 6
#endif
template <int T, int NB, int MK, int MR>
struct MinBlocks {
  static constexpr int value = T == 128 && NB <= 2 && MK == 1 && MR == 1 ? LORADYN_CUDA_MIN_BLOCKS : 0;
};

template <int A, int B2>
struct Max {
  static constexpr int value = A > B2 ? A : B2;
};

// MK, MR: compile-time bounds on K and r (1 for the rank-1 single-unit fast path).
template <int T, int NB, int MK, int MR>
__global__ void __launch_bounds__(T, (MinBlocks<T, NB, MK, MR>::value)) full_sgd_kernel(const FullKernelArgs a) {
  constexpr int N1 = 2 * MK + MR + 1;  // p*_j, p0_j, pv_i, label noise
  constexpr int N2 = MR + MR * MK;     // |v_i|^2, v_i . w*_j
  constexpr int N3 = 2 * MK;           // M_jk, Q_jk for one j
  constexpr int NR = Max<Max<N1, N2>::value, N3>::value;
  constexpr int RS = 4 * T * NB;  // padded row length
  __shared__ double red[(T / 32) * NR];
  extern __shared__ double dyn[];

  const int run = blockIdx.x;
  const int tid = threadIdx.x;
  if (a.diverged[run] >= 0 || a.stopped[run] >= 0) return;  // uniform: the whole block leaves
  // This run's own parameters (a launch may hold several points of a sweep).
  const double step_size = a.step_size[run], sqrt_noise = a.sqrt_noise[run];
  const double* mu = a.mu + static_cast<size_t>(run) * a.K;

  const int d = a.d, K = MK == 1 ? 1 : a.K, R = MR == 1 ? 1 : a.r;
  const bool stored = a.w0mode == W0Mode::Stored;
  const bool scratch = a.w0mode == W0Mode::Scratch;
  const bool batched = a.B > 1;
  const int rowsV = 0, rowsT = R, rowsW = R + K, rowsD = R + K + (stored ? K : 0);
  const int rows = rowsD + (batched ? R : 0);
  double* st = a.spill != nullptr ? a.spill + static_cast<size_t>(run) * rows * RS : dyn;
  auto at = [&](int row, int blk, int q) -> double& { return st[row * RS + (blk * 4 + q) * T + tid]; };

  // Load this thread's coordinates of V, the teacher and w0.
  const double* Tg = a.teacher_rows + static_cast<size_t>(run) * K * d;
  const double* Vg = a.V + static_cast<size_t>(run) * R * d;
  const double* Wg = stored ? a.w0_rows + static_cast<size_t>(run) * K * d : nullptr;
#pragma unroll
  for (int blk = 0; blk < NB; ++blk)
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const int c = static_cast<int>(f32_coord(static_cast<uint32_t>(blk * T + tid), q));
      const bool in = c < d;
      for (int i = 0; i < R; ++i) at(rowsV + i, blk, q) = in ? Vg[i * d + c] : 0.0;
      for (int j = 0; j < K; ++j) at(rowsT + j, blk, q) = in ? Tg[j * d + c] : 0.0;
      if (stored)
        for (int j = 0; j < K; ++j) at(rowsW + j, blk, q) = in ? Wg[j * d + c] : 0.0;
    }

  // Scalars, held (identically) by every thread.
  double U[MK * MR], m[MR * MK] = {};
  // Registers hold U with row stride MR (compile time); global memory with stride r.
#pragma unroll
  for (int j = 0; j < MK; ++j)
#pragma unroll
    for (int i = 0; i < MR; ++i)
      U[j * MR + i] = j < K && i < R ? a.U[static_cast<size_t>(run) * K * R + j * R + i] : 0.0;
  int next = a.next_point[run];
  int pts = a.points_done[run];
  double lsum = a.loss_sum[run];
  int64_t ln = a.loss_n[run];
  int64_t esc[kCudaMaxThresholds];
  for (int h = 0; h < a.nthr; ++h) esc[h] = a.escape[run * a.nthr + h];
  const uint64_t seed = a.seeds[run];
  const DrawKey kin{seed, kStreamInputs};
  const DrawKey knoise{seed, kStreamLabelNoise};
  // Philox blocks that hold coordinates below d (whole super-blocks; T * NB is a multiple of 64).
  const int groups = ((d + kF32SuperBlock - 1) / kF32SuperBlock) * kF32Lanes;
  int64_t done = a.step_begin;
  bool diverged = false, stopped = false;

  // Writes one record point at `step` (thread 0 writes; all threads take part in the sums).
  auto record = [&](int64_t step) {
    const size_t p = static_cast<size_t>(run) * a.P + pts;
    for (int j = 0; j < K; ++j) {
      double acc[NR];
#pragma unroll
      for (int k = 0; k < NR; ++k) acc[k] = 0;
#pragma unroll
      for (int blk = 0; blk < NB; ++blk)
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          auto W = [&](int jj) {
            double w = stored ? at(rowsW + jj, blk, q) : scratch ? 0.0 : mu[jj] * at(rowsT + jj, blk, q);
            for (int i = 0; i < R; ++i) w += U[jj * MR + i] * at(rowsV + i, blk, q);
            return w;
          };
          const double wj = W(j);
          for (int k = 0; k < K; ++k) {
            acc[k] += wj * at(rowsT + k, blk, q);
            acc[MK + k] += wj * W(k);
          }
        }
      block_sum<T, NR>(acc, N3, red);
      if (tid == 0)
        for (int k = 0; k < K; ++k) {
          a.out_M[p * K * K + j * K + k] = acc[k];
          a.out_Q[p * K * K + j * K + k] = acc[MK + k];
        }
    }
    if (tid == 0) {
      a.out_step[p] = static_cast<double>(step);
      for (int i = 0; i < R; ++i)
        for (int j = 0; j < K; ++j) a.out_m[p * R * K + i * K + j] = m[i * MK + j];
      for (int j = 0; j < K; ++j)
        for (int i = 0; i < R; ++i) a.out_u[p * K * R + j * R + i] = U[j * MR + i];
      a.out_bl[p] = ln > 0 ? lsum / static_cast<double>(ln) : nan("");
    }
    lsum = 0;
    ln = 0;
    ++pts;
  };

  for (int64_t s = a.step_begin; s < a.step_end; ++s) {
    double gU[MK * MR];
#pragma unroll
    for (int k = 0; k < MK * MR; ++k) gU[k] = 0;
    double cB[MR];  // B = 1: the gradient coefficient of v_i, applied straight from registers
    double x[NB][4];
    double loss = 0;
    if (batched)
#pragma unroll
      for (int blk = 0; blk < NB; ++blk)
#pragma unroll
        for (int q = 0; q < 4; ++q)
          for (int i = 0; i < R; ++i) at(rowsD + i, blk, q) = 0.0;
    for (int64_t b = 0; b < a.B; ++b) {
      double acc[NR];
#pragma unroll
      for (int k = 0; k < NR; ++k) acc[k] = 0;
#pragma unroll
      for (int blk = 0; blk < NB; ++blk) {
        const int g = blk * T + tid;
        if (g < groups) {
          double gq[4];
          gaussian4_f32(kin, static_cast<uint64_t>(s), static_cast<uint32_t>(b), static_cast<uint32_t>(g), gq);
#pragma unroll
          for (int q = 0; q < 4; ++q)
            x[blk][q] = f32_coord(static_cast<uint32_t>(g), q) < static_cast<uint32_t>(d) ? gq[q] : 0.0;
        } else {
#pragma unroll
          for (int q = 0; q < 4; ++q) x[blk][q] = 0.0;
        }
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          const double xv = x[blk][q];
#pragma unroll
          for (int j = 0; j < MK; ++j)
            if (j < K) {
              acc[j] += at(rowsT + j, blk, q) * xv;
              if (stored) acc[MK + j] += at(rowsW + j, blk, q) * xv;
            }
#pragma unroll
          for (int i = 0; i < MR; ++i)
            if (i < R) acc[2 * MK + i] += at(rowsV + i, blk, q) * xv;
        }
      }
      // The label noise rides along in the reduction: only thread 0 adds it (x + 0 = x exactly).
      if (sqrt_noise > 0 && tid == 0)
        acc[2 * MK + MR] = gaussian_at(knoise, static_cast<uint64_t>(s), static_cast<uint32_t>(b), 0);
      block_sum<T, NR>(acc, N1, red);

      // Per-sample scalars, in the CPU's order of operations (sgd_full.cpp).
      double gj[MK];
      double yhat = 0, y = 0;
#pragma unroll
      for (int j = 0; j < MK; ++j) {
        if (j >= K) {
          gj[j] = 0;
          continue;
        }
        const double ps = acc[j];
        double l = stored ? acc[MK + j] : scratch ? 0.0 : mu[j] * ps;
#pragma unroll
        for (int i = 0; i < MR; ++i)
          if (i < R) l += U[j * MR + i] * acc[2 * MK + i];
        double sv, dsv;
        dev_activation_eval(a.act, l, sv, dsv);
        yhat += sv;
        gj[j] = dsv;
        y += dev_link_value(a.teacher, ps);
      }
      yhat *= a.readout;
      y *= a.readout;
      if (sqrt_noise > 0) y += sqrt_noise * acc[2 * MK + MR];
      const double err = yhat - y;
      loss += 0.5 * err * err;
      const double ea = err * a.readout;
#pragma unroll
      for (int j = 0; j < MK; ++j) gj[j] *= ea;
#pragma unroll
      for (int j = 0; j < MK; ++j)
#pragma unroll
        for (int i = 0; i < MR; ++i)
          if (j < K && i < R) gU[j * MR + i] += gj[j] * acc[2 * MK + i];
#pragma unroll
      for (int i = 0; i < MR; ++i) {
        if (i >= R) continue;
        double c = 0;
#pragma unroll
        for (int j = 0; j < MK; ++j)
          if (j < K) c += U[j * MR + i] * gj[j];
        cB[i] = c;
        if (batched)
#pragma unroll
          for (int blk = 0; blk < NB; ++blk)
#pragma unroll
            for (int q = 0; q < 4; ++q) at(rowsD + i, blk, q) += c * x[blk][q];
      }
    }

    // The update, with gradients taken at the old parameters.
    const double last_loss = loss / static_cast<double>(a.B);
    lsum += last_loss;
    ++ln;
    if (!scratch)
#pragma unroll
      for (int k = 0; k < MK * MR; ++k) U[k] -= step_size * gU[k];
    double acc2[NR];
#pragma unroll
    for (int k = 0; k < NR; ++k) acc2[k] = 0;
#pragma unroll
    for (int i = 0; i < MR; ++i) {
      if (i >= R) continue;
#pragma unroll
      for (int blk = 0; blk < NB; ++blk)
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          const double dv = batched ? at(rowsD + i, blk, q) : cB[i] * x[blk][q];
          const double v = at(rowsV + i, blk, q) - step_size * dv;
          at(rowsV + i, blk, q) = v;
          acc2[i] += v * v;
#pragma unroll
          for (int j = 0; j < MK; ++j)
            if (j < K) acc2[MR + i * MK + j] += v * at(rowsT + j, blk, q);
        }
    }
    block_sum<T, NR>(acc2, N2, red);
    bool finite = isfinite(last_loss);
#pragma unroll
    for (int i = 0; i < MR; ++i) {
      if (i >= R) continue;
      // A zero or overflowing row ends the run, as the CPU's row_broken does (the CPU first
      // tries rescaling an overflowed row; such runs have diverged in all but name).
      finite = finite && acc2[i] > 0 && isfinite(acc2[i]);
      // m_ij of the renormalised row: (v_i . w*_j) / |v_i|, from the same reduction.
      const double inv = a.spherical ? 1.0 / sqrt(acc2[i]) : 1.0;
      if (a.spherical)
#pragma unroll
        for (int blk = 0; blk < NB; ++blk)
#pragma unroll
          for (int q = 0; q < 4; ++q) at(rowsV + i, blk, q) *= inv;
#pragma unroll
      for (int j = 0; j < MK; ++j)
        if (j < K) {
          m[i * MK + j] = acc2[MR + i * MK + j] * inv;
          finite = finite && isfinite(m[i * MK + j]);
        }
    }
#pragma unroll
    for (int k = 0; k < MK * MR; ++k) finite = finite && isfinite(U[k]);
    done = s + 1;
    if (!finite) {
      diverged = true;
      record(done);
      break;
    }
    double mx = 0;
#pragma unroll
    for (int k = 0; k < MR * MK; ++k)
      if (k / MK < R && k % MK < K) mx = fmax(mx, fabs(m[k]));
    for (int h = 0; h < a.nthr; ++h)
      if (esc[h] < 0 && mx >= a.thresholds[h]) esc[h] = done;
    bool recorded = false;
    if (next < a.P && done == a.grid[next]) {
      record(done);
      recorded = true;
      while (next < a.P && a.grid[next] <= done) ++next;
    }
    // record.stopAt: mx is the same in every thread (bit-identical reductions), so uniform.
    if (a.stop_at > 0 && mx >= a.stop_at) {
      if (!recorded) record(done);
      stopped = true;
      break;
    }
  }

  // Hand the state to the next launch.
#pragma unroll
  for (int blk = 0; blk < NB; ++blk)
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const int c = static_cast<int>(f32_coord(static_cast<uint32_t>(blk * T + tid), q));
      if (c < d)
        for (int i = 0; i < R; ++i) a.V[static_cast<size_t>(run) * R * d + i * d + c] = at(rowsV + i, blk, q);
    }
  if (tid == 0) {
    for (int k = 0; k < K * R; ++k) a.U[static_cast<size_t>(run) * K * R + k] = U[(k / R) * MR + k % R];
    a.next_point[run] = next;
    a.points_done[run] = pts;
    a.loss_sum[run] = lsum;
    a.loss_n[run] = ln;
    for (int h = 0; h < a.nthr; ++h) a.escape[run * a.nthr + h] = esc[h];
    a.steps_done[run] = done;
    if (diverged) a.diverged[run] = done;
    if (stopped) a.stopped[run] = done;
  }
}

}  // namespace full_detail

// Host launcher of one kernel shape. Defined here, explicitly instantiated in the
// sgd_full_*.cu files (several translation units, so nvcc builds them in parallel).
template <int T, int NB, int MK, int MR>
void launch_full_instance(const FullKernelArgs& a, size_t dyn_bytes) {
  auto kern = full_detail::full_sgd_kernel<T, NB, MK, MR>;
  if (dyn_bytes > 48 * 1024)
    LD_CUDA(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(dyn_bytes)));
  kern<<<a.S, T, dyn_bytes>>>(a);
  LD_CUDA(cudaGetLastError());
}

// The shapes that exist: K = r = 1 (MK = MR = 1) or general (MK = MR = 4); T = 128 threads with
// NB = 1, 2, 4, 8 groups of 4 coordinates each (d <= 4096), or T = 1024 with NB = 2, 4, 8.
#define LORADYN_FULL_SHAPES(X, MK, MR) \
  X(128, 1, MK, MR)                    \
  X(128, 2, MK, MR) X(128, 4, MK, MR) X(128, 8, MK, MR) X(1024, 2, MK, MR) X(1024, 4, MK, MR) X(1024, 8, MK, MR)

#define LORADYN_FULL_EXTERN(T, NB, MK, MR) \
  extern template void launch_full_instance<T, NB, MK, MR>(const FullKernelArgs&, size_t);
#define LORADYN_FULL_INSTANTIATE(T, NB, MK, MR) \
  template void launch_full_instance<T, NB, MK, MR>(const FullKernelArgs&, size_t);

}  // namespace loradyn
