// The CUDA backend as the rest of the code sees it: plain C++, no CUDA headers, so the addon
// and the check program include it with any host compiler.
#pragma once
#include <string>

#include "../core/engine/engine.hpp"

namespace loradyn {

// True when a CUDA device can run kernels. Otherwise *why says what failed (no driver, no
// device, driver too old, ...). *device receives device 0's name and compute capability.
// Never throws and never aborts: a binary built with CUDA must load on a machine without a GPU.
bool cuda_probe(std::string* why, std::string* device);

// The backend object; run() throws std::runtime_error when no device works.
Backend& cuda_backend();

// Seconds the calling thread's last cuda_backend().run() spent in kernels (launch to
// synchronise, all chunks), excluding host-side initialisation and recording: for benchmarks.
double cuda_last_kernel_seconds();

// The generator alone, for the roofline: draws `gaussians` (rounded up) standard Gaussians on the
// device with gaussian4 and returns the kernel's seconds. Throws when no device works.
double cuda_time_generator(double gaussians, double* count);

}  // namespace loradyn
