#pragma once
#include <napi.h>

namespace loradyn_addon {
// Low-level views used by tests and by users who check the engine by hand.
Napi::Value Philox(const Napi::CallbackInfo& info);          // (c0..c3, k0, k1) -> Uint32Array(4)
Napi::Value Gaussians(const Napi::CallbackInfo& info);       // (seed, stream, step, sample, start, n)
Napi::Value EvalActivation(const Napi::CallbackInfo& info);  // (spec, Float64Array z) -> {s, ds, d2s, dirac}
Napi::Value ValidateConfig(const Napi::CallbackInfo& info);  // throws RangeError when the core refuses
Napi::Value PopulationLoss(const Napi::CallbackInfo& info);  // (config, M[], Q[]) -> number
Napi::Value LogGrid(const Napi::CallbackInfo& info);         // (steps, points) -> Float64Array
Napi::Value LaunchGroups(const Napi::CallbackInfo& info);    // (engine, configs[]) -> number[][]
}  // namespace loradyn_addon
