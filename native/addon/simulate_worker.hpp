#pragma once
#include <napi.h>

namespace loradyn_addon {
// simulate(config, engine, seeds, threads, onProgress?) -> { promise, cancel }
Napi::Value Simulate(const Napi::CallbackInfo& info);
}  // namespace loradyn_addon
