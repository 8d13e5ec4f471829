// CUDA runtime errors become C++ exceptions carrying the call and the runtime's message, so a
// failing launch reaches JavaScript as a rejected promise instead of aborting the process.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace loradyn {

inline void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(e));
}

}  // namespace loradyn

#define LD_CUDA(call) ::loradyn::cuda_check((call), #call)
