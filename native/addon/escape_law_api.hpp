#pragma once
#include <napi.h>

namespace loradyn_addon {
// The law of the escape time (lib/escape_law.ts): (spec) -> Promise<law>, on a worker thread.
Napi::Value TheoryEscapeLaw(const Napi::CallbackInfo& info);
}  // namespace loradyn_addon
