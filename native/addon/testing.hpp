// Test and benchmark hooks (lib/native.ts: addon.testing): single runs on the calling
// thread, sampler and generator paths, the accuracy of the Box-Muller functions, launch
// groups, and fault injection. Not part of the public API.
#pragma once
#include <napi.h>

namespace loradyn_addon {

Napi::Value ReducedRun(const Napi::CallbackInfo& info);  // (config, seed, forceGeneral: boolean | 'generic') -> record
Napi::Value ReducedGpuEmulated(const Napi::CallbackInfo& info);  // (config, chunk) -> records of every seed: the CUDA
                                                                 // general chain's logic on the host
Napi::Value SimulateFullReference(const Napi::CallbackInfo& info);  // (config) -> record of config's first seed
Napi::Value ChiSquare(const Napi::CallbackInfo& info);              // (seed, dof, count) -> Float64Array
Napi::Value SimdPaths(const Napi::CallbackInfo& info);              // () -> { available, best }
Napi::Value GaussiansPath(
    const Napi::CallbackInfo& info);  // (path, seed, stream, step, sample, start, count, precision?)
Napi::Value RngAccuracy(const Napi::CallbackInfo& info);  // (samples, seed) -> ulp errors
Napi::Value ChainMathAccuracy(
    const Napi::CallbackInfo& info);  // (samples, seed) -> the chain's exp, erf, sigmoid: ulp errors
Napi::Value BenchGenerator(const Napi::CallbackInfo& info);       // (path, count, repeats, precision?)
Napi::Value LaunchGroups(const Napi::CallbackInfo& info);         // (engine, configs[]) -> index groups
Napi::Value InjectThreadFailure(const Napi::CallbackInfo& info);  // (nth): the nth thread start from now fails
Napi::Value MemoryBudgetFrom(
    const Napi::CallbackInfo& info);  // (physical, procSelfCgroup, cgroupRoot) -> { bytes, source }

}  // namespace loradyn_addon
