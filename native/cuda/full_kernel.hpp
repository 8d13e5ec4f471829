// Arguments of the full-d SGD kernel and its host launcher (sgd_full_launch.cu; the kernel itself is in
// sgd_full_kernel.cuh). All arrays are device pointers, indexed by run (one run = one seed) first.
#pragma once
#include <cstdint>

#include "../core/engine/cuda_limits.hpp"  // kCudaMax*: checked by validate_run
#include "device_activation.cuh"

namespace loradyn {

enum class W0Mode : int { Aligned = 0, Stored = 1, Scratch = 2 };

struct FullKernelArgs {
  // Model and training shared by every run of the launch (launch_groups() in core/engine).
  int S;  // runs
  int d, K, r;
  int64_t B;
  W0Mode w0mode;
  int spherical;
  double readout;  // a: yhat = a sum_j s(lambda_j)
  DevActivation act;
  DevActivation teacher;
  int nthr;
  double thresholds[kCudaMaxThresholds];
  double stop_at;  // record.stopAt (0: none): a run ends at its first step with max |m_ij| >= stop_at

  // Steps [step_begin, step_end) of this launch and the record grid (P points, grid[0] = 0).
  int64_t step_begin, step_end;
  const int64_t* grid;
  int P;

  // Inputs. Per run, what the points of a sweep sharing this launch may vary:
  const double* mu;            // S x K (Aligned: w0_j = mu_j w*_j)
  const double* step_size;     // S: effective eta / B
  const double* sqrt_noise;    // S
  const uint64_t* seeds;       // S
  const double* teacher_rows;  // S x K x d
  const double* w0_rows;       // S x K x d (Stored only)
  // State carried between launches.
  double* V;            // S x r x d
  double* U;            // S x K x r
  int* next_point;      // S: grid index of the next point to record
  int* points_done;     // S: points written so far (point 0 is written by the host)
  int64_t* escape;      // S x nthr, -1 until the first passage
  double* loss_sum;     // S: batch losses since the last point
  int64_t* loss_n;      // S
  int64_t* diverged;    // S: -1, or the step where the state stopped being finite
  int64_t* stopped;     // S: -1, or the step where max |m_ij| reached stop_at
  int64_t* steps_done;  // S
  // Record points, S x P x ...
  double* out_step;  // S x P
  double* out_m;     // S x P x r x K
  double* out_u;     // S x P x K x r
  double* out_M;     // S x P x K x K
  double* out_Q;     // S x P x K x K
  double* out_bl;    // S x P: mean batch loss since the previous point (NaN: none)
  // Off-chip home of the per-run state when it does not fit in shared memory.
  double* spill;
};

// Launches the kernel for args.step_begin .. step_end (asynchronous on the default stream).
// Throws std::invalid_argument for shapes the kernel does not support.
void launch_full_sgd(const FullKernelArgs& args, double** spill_buffer, size_t* spill_bytes);

// Bytes of on-chip (or spilled) state per run, and whether it is kept in shared memory.
struct FullKernelShape {
  int threads, nb;  // block size, 4-coordinate groups per thread
  int rows;         // state rows: V, teacher, w0 (stored), dV (B > 1)
  size_t bytes;     // rows x padded d x 8
  bool shared;
  bool small;  // K = r = 1 specialisation
};
FullKernelShape full_kernel_shape(const FullKernelArgs& a);

// The generator alone (the roofline): every thread draws `per_thread` Philox blocks of 4
// Gaussians and keeps a running sum. Returns the Gaussians drawn.
double launch_generator_only(uint64_t seed, int blocks, int threads, int per_thread, double* sink);

}  // namespace loradyn
