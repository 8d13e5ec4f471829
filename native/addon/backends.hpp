// Which backends this binary has, which work now, and the choice for a request.
#pragma once
#include <napi.h>

#include <string>

#include "../core/engine/engine.hpp"

namespace loradyn_addon {

struct CudaStatus {
  bool compiled = false;
  bool available = false;
  std::string reason;   // why unavailable
  std::string device;   // name of device 0 when available
};
CudaStatus cuda_status();

int default_threads();
// "cpu" | "cuda" | "auto"; throws std::invalid_argument with the reason when impossible.
// With cfg, "auto" also requires the CUDA backend to support that config (else the CPU runs it).
loradyn::Backend& select_backend(const std::string& want, loradyn::Engine engine,
                                 const loradyn::RunConfig* cfg = nullptr);

Napi::Value Info(const Napi::CallbackInfo& info);

}  // namespace loradyn_addon
