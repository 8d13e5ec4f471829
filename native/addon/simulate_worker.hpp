#pragma once
#include <napi.h>

namespace loradyn_addon {
// simulate(config, engine, seeds, threads, onProgress?) -> { promise, cancel }
Napi::Value Simulate(const Napi::CallbackInfo& info);
// simulateMany([{ config, engine, seeds, backend }], threads, onProgress?) -> { promise, cancel };
// the promise resolves to { results: [{ runs, backend }] (in input order), wallMs, cancelled }.
Napi::Value SimulateMany(const Napi::CallbackInfo& info);
}  // namespace loradyn_addon
