// The general reduced chain on the GPU (any K, r <= 4; aligned, misaligned, given or scratch
// w0), one thread per run: the kernel body is core/reduced/general_chunk.hpp, the function the
// CPU emulation runs in test/reduced_gpu_host.test.ts, with the CPU chain's draws, sums, frame
// move (core/reduced/general_ops.hpp) and links (core/reduced/chain_links.hpp: linear, relu,
// square and He_k in plain arithmetic, erf and the sigmoid from chain_math.hpp), so those runs
// agree with the CPU bit for bit except where the C library enters: the chi-squares' log, cos
// and pow (core/reduced/gamma.hpp, as in the rank-1 kernel), tanh, and links of several terms
// (dev_activation_eval), which agree to rounding.
#include <cuda_runtime.h>

#include "../core/reduced/chain_links.hpp"
#include "../core/reduced/general_chunk.hpp"
#include "cuda_check.hpp"
#include "reduced_general_kernel.hpp"

namespace loradyn {
namespace {

constexpr int kThreads = 64;  // a thread's frame is a few hundred doubles of local memory

// ChainLink::eval on the device: the same cases, the same 0 + c * b.
__device__ __forceinline__ void dev_chain_eval(const DevChainLink& l, double z, double& s, double& ds) {
  double b, db;
  switch (static_cast<ChainLinkKind>(l.kind)) {
    case ChainLinkKind::Linear:
      ChainLink::base_linear(z, b, db);
      break;
    case ChainLinkKind::Relu:
      ChainLink::base_relu(z, b, db);
      break;
    case ChainLinkKind::Erf:
      ChainLink::base_erf(z, b, db);
      break;
    case ChainLinkKind::Sigmoid:
      ChainLink::base_sigmoid(z, b, db);
      break;
    case ChainLinkKind::Tanh:
      ChainLink::base_tanh(z, b, db);
      break;
    case ChainLinkKind::Square:
      ChainLink::base_square(z, b, db);
      break;
    case ChainLinkKind::Hermite:
      ChainLink::base_hermite(l.k, z, b, db);
      break;
    default:
      dev_activation_eval(l.general, z, s, ds);
      return;
  }
  s = 0.0 + l.coef * b;
  ds = 0.0 + l.coef * db;
}

__global__ void __launch_bounds__(kThreads)
    reduced_general_kernel(const ReducedGeneralArgs a, const DevChainLink student, const DevChainLink teacher) {
  const int run = blockIdx.x * blockDim.x + threadIdx.x;
  const auto s = [&](double z, double& v, double& dv) { dev_chain_eval(student, z, v, dv); };
  const auto t = [&](double z) {
    double v, dv;
    dev_chain_eval(teacher, z, v, dv);
    return teacher.squared ? v * v : v;
  };
  reduced_general_run(a, run, s, t);
}

}  // namespace

DevChainLink to_dev_chain_link(const Activation& act, bool squared) {
  const ChainLink c = ChainLink::student(act);
  DevChainLink d{};
  d.kind = static_cast<int>(c.kind);
  d.coef = c.coef;
  d.k = c.k;
  d.squared = squared ? 1 : 0;
  if (c.kind == ChainLinkKind::General) d.general = to_device_activation(act, false);
  return d;
}

void launch_reduced_general(const ReducedGeneralArgs& a, const DevChainLink& student, const DevChainLink& teacher) {
  reduced_general_kernel<<<(a.S + kThreads - 1) / kThreads, kThreads>>>(a, student, teacher);
  LD_CUDA(cudaGetLastError());
}

}  // namespace loradyn
