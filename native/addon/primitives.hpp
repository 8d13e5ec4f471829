// lib/primitives.ts's side of the addon: the generator, activations, the loss, the log grid.
#pragma once
#include <napi.h>

namespace loradyn_addon {

Napi::Value Philox(const Napi::CallbackInfo& info);
Napi::Value Gaussians(const Napi::CallbackInfo& info);
Napi::Value EvalActivation(const Napi::CallbackInfo& info);
Napi::Value PopulationLoss(const Napi::CallbackInfo& info);
Napi::Value LogGrid(const Napi::CallbackInfo& info);

// "double" (default) or "single" (the inputs x of engine full); shared with the test hooks.
bool read_single_precision(const Napi::CallbackInfo& info, size_t i);

}  // namespace loradyn_addon
