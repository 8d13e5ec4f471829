#pragma once
#include <napi.h>

namespace loradyn_addon {
Napi::Value SimdPaths(const Napi::CallbackInfo& info);      // () -> {available: string[], best}
Napi::Value GaussiansPath(const Napi::CallbackInfo& info);  // (path, seed, stream, step, sample, start, n)
Napi::Value RngAccuracy(const Napi::CallbackInfo& info);    // (samples, seed) -> max ulp errors
Napi::Value SimulateFullReference(const Napi::CallbackInfo& info);  // (config, seed) -> run (sync)
}  // namespace loradyn_addon
namespace loradyn_addon {
Napi::Value BenchGenerator(const Napi::CallbackInfo& info);  // (path, count, repeats) -> timing
}  // namespace loradyn_addon
