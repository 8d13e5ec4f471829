// lib/info.ts's side of the addon: which backends this binary has and which work now.
#pragma once
#include <napi.h>

#include <string>

namespace loradyn_addon {

struct CudaStatus {
  bool compiled = false;
  bool available = false;
  std::string reason;  // why unavailable
  std::string device;  // name of device 0 when available
};
CudaStatus cuda_status();

Napi::Value Info(const Napi::CallbackInfo& info);

}  // namespace loradyn_addon
