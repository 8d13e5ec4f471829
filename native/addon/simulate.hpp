// lib/simulate.ts's side of the addon: simulate.run(config, threads, onProgress?) and
// simulate.runMany(configs, threads, onProgress?), each a cancellable Job.
#pragma once
#include <napi.h>

#include "../core/model/record.hpp"

namespace loradyn_addon {

Napi::Value Run(const Napi::CallbackInfo& info);
Napi::Value RunMany(const Napi::CallbackInfo& info);

// One run as JS: typed arrays that own the record's vectors (shared with the test hooks).
Napi::Object record_to_js(Napi::Env env, loradyn::RunRecord&& r);

}  // namespace loradyn_addon
