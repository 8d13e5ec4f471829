// Arguments of the reduced-chain kernel (rank 1, K = 1, f = 1: the state is three numbers
// m, l, u per run) and its launcher (sgd_reduced_kernel.cu). Arrays are device pointers.
#pragma once
#include <cstdint>

#include "device_activation.cuh"
#include "full_kernel.hpp"  // kCudaMaxThresholds

namespace loradyn {

struct ReducedKernelArgs {
  int S;
  int64_t B;
  double dof;
  int scratch, spherical;
  DevActivation act, teacher;
  int nthr;
  double thresholds[kCudaMaxThresholds];
  double stop_at;  // record.stopAt (0: none)
  int64_t step_begin, step_end;
  const int64_t* grid;
  int P;
  const uint64_t* seeds;     // S
  const double* mu0;         // S: w0 coordinate on the teacher axis (0 for scratch)
  const double* step_size;   // S: effective eta / B (sweep points sharing a launch may differ)
  const double* sqrt_noise;  // S
  double *m, *l, *u;         // S: the chain's state, carried between launches
  int* next_point;
  int* points_done;
  int64_t* escape;  // S x nthr
  double* loss_sum;
  int64_t* loss_n;
  int64_t* diverged;
  int64_t* stopped;  // S: -1, or the step where |m| reached stop_at
  int64_t* steps_done;
  double *out_step, *out_m, *out_l, *out_u, *out_bl;  // S x P
};

void launch_reduced_rank1(const ReducedKernelArgs& a);

}  // namespace loradyn
