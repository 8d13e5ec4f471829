// Host side of the full-d kernel: shape choice, shared-memory or spilled state, dispatch to
// the explicitly instantiated kernels (sgd_full_small.cu, sgd_full_general*.cu), and the
// generator-alone kernel used as the roofline.
#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "../core/rng/gaussian.hpp"
#include "cuda_check.hpp"
#include "full_kernel.hpp"
#include "sgd_full_kernel.cuh"

namespace loradyn {

LORADYN_FULL_SHAPES(LORADYN_FULL_EXTERN, 1, 1)
LORADYN_FULL_SHAPES(LORADYN_FULL_EXTERN, 4, 4)

namespace {

struct Choice {
  int T, NB;
};

Choice choose(int d) {
  if (d <= 4 * 128 * 1) return {128, 1};
  if (d <= 4 * 128 * 2) return {128, 2};
  if (d <= 4 * 128 * 4) return {128, 4};
  if (d <= 4 * 128 * 8) return {128, 8};
  if (d <= 4 * 1024 * 2) return {1024, 2};
  if (d <= 4 * 1024 * 4) return {1024, 4};
  return {1024, 8};
}

template <int MK, int MR>
void dispatch(const FullKernelArgs& a, const Choice& c, size_t dyn_bytes) {
  switch (c.T * 16 + c.NB) {
    case 128 * 16 + 1:
      return launch_full_instance<128, 1, MK, MR>(a, dyn_bytes);
    case 128 * 16 + 2:
      return launch_full_instance<128, 2, MK, MR>(a, dyn_bytes);
    case 128 * 16 + 4:
      return launch_full_instance<128, 4, MK, MR>(a, dyn_bytes);
    case 128 * 16 + 8:
      return launch_full_instance<128, 8, MK, MR>(a, dyn_bytes);
    case 1024 * 16 + 2:
      return launch_full_instance<1024, 2, MK, MR>(a, dyn_bytes);
    case 1024 * 16 + 4:
      return launch_full_instance<1024, 4, MK, MR>(a, dyn_bytes);
    case 1024 * 16 + 8:
      return launch_full_instance<1024, 8, MK, MR>(a, dyn_bytes);
  }
  throw std::logic_error("full_sgd: no kernel for this block shape");
}

int max_dynamic_shared() {
  int dev = 0, optin = 0;
  LD_CUDA(cudaGetDevice(&dev));
  LD_CUDA(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
  return optin - 20 * 1024;  // leave room for the static reduction buffer
}

// The roofline of the full-d kernel: its inputs' generator (single-precision transform) alone.
__global__ void generator_only_kernel(uint64_t seed, int per_thread, double* sink) {
  const DrawKey key{seed, kStreamTest};
  double acc = 0;
  for (int i = 0; i < per_thread; ++i) {
    double g[4];
    gaussian4_f32(key, static_cast<uint64_t>(i), blockIdx.x, threadIdx.x, g);
    acc += (g[0] + g[1]) + (g[2] + g[3]);
  }
  sink[static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x] = acc;
}

}  // namespace

FullKernelShape full_kernel_shape(const FullKernelArgs& a) {
  if (a.d < 1 || a.d > kCudaMaxD)
    throw std::invalid_argument("backend 'cuda': model.d must be in [1, " + std::to_string(kCudaMaxD) + "]");
  if (a.K < 1 || a.K > kCudaMaxHidden)
    throw std::invalid_argument("backend 'cuda': model.hidden must be in [1, " + std::to_string(kCudaMaxHidden) + "]");
  if (a.r < 1 || a.r > kCudaMaxRank)
    throw std::invalid_argument("backend 'cuda': model.rank must be in [1, " + std::to_string(kCudaMaxRank) + "]");
  if (a.nthr > kCudaMaxThresholds)
    throw std::invalid_argument("backend 'cuda': record.thresholds may hold at most " +
                                std::to_string(kCudaMaxThresholds) + " values");
  const Choice c = choose(a.d);
  FullKernelShape s;
  s.threads = c.T;
  s.nb = c.NB;
  s.rows = a.r + a.K + (a.w0mode == W0Mode::Stored ? a.K : 0) + (a.B > 1 ? a.r : 0);
  s.bytes = static_cast<size_t>(s.rows) * 4 * c.T * c.NB * sizeof(double);
  s.shared = s.bytes <= static_cast<size_t>(max_dynamic_shared());
  s.small = a.K == 1 && a.r == 1;
  return s;
}

void launch_full_sgd(const FullKernelArgs& args, double** spill_buffer, size_t* spill_bytes) {
  const FullKernelShape shape = full_kernel_shape(args);
  FullKernelArgs a = args;
  size_t dyn = 0;
  a.spill = nullptr;
  if (shape.shared) {
    dyn = shape.bytes;
  } else {
    const size_t need = shape.bytes * static_cast<size_t>(a.S);
    if (*spill_bytes < need) {
      if (*spill_buffer != nullptr) LD_CUDA(cudaFree(*spill_buffer));
      *spill_buffer = nullptr;
      *spill_bytes = 0;
      LD_CUDA(cudaMalloc(reinterpret_cast<void**>(spill_buffer), need));
      *spill_bytes = need;
    }
    a.spill = *spill_buffer;
  }
  const Choice c{shape.threads, shape.nb};
  if (shape.small)
    dispatch<1, 1>(a, c, dyn);
  else
    dispatch<kCudaMaxHidden, kCudaMaxRank>(a, c, dyn);
}

double launch_generator_only(uint64_t seed, int blocks, int threads, int per_thread, double* sink) {
  generator_only_kernel<<<blocks, threads>>>(seed, per_thread, sink);
  LD_CUDA(cudaGetLastError());
  return 4.0 * blocks * threads * static_cast<double>(per_thread);
}

}  // namespace loradyn
