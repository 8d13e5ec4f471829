#pragma once
#include <napi.h>

namespace loradyn_addon {
// reducedRun(config, seed, forceGeneral) -> run record, synchronously (tests of the chain's
// two loops; real work goes through simulate()).
Napi::Value ReducedRun(const Napi::CallbackInfo& info);
// chiSquare(seed, dof, count) -> Float64Array of exact chi-square draws (sampler tests).
Napi::Value ChiSquare(const Napi::CallbackInfo& info);
// chainMathAccuracy(samples, seed) -> the reduced chain's exp, erf and sigmoid against long double.
Napi::Value ChainMathAccuracy(const Napi::CallbackInfo& info);
}  // namespace loradyn_addon
