// Escape theory, population loss derivatives and Gaussian expectations (lib/theory.ts: addon.theory).
#pragma once
#include <napi.h>

namespace loradyn_addon {
Napi::Value TheoryTau(
    const Napi::CallbackInfo& info);  // ({activation, teacher, hermiteRescale}, mu[]) -> Promise<points>
Napi::Value TheoryCritical(
    const Napi::CallbackInfo& info);                      // (pair, {lo, hi, points, tol}) -> Promise<{zeros, minima}>
Napi::Value TheoryLoss(const Napi::CallbackInfo& info);   // ({activation, teacher, noise}, M[], Q[]) -> {L, LM, LQ}
Napi::Value TheoryLossK(const Napi::CallbackInfo& info);  // (pair, K, a, M[KxK], Q[KxK]) -> {L, GM, GQ}
Napi::Value TheoryTopCoefficient(const Napi::CallbackInfo& info);  // (k, mu[], rescaled) -> points
Napi::Value TheoryPotential(const Napi::CallbackInfo& info);       // (mu, g[]) -> Float64Array
Napi::Value TheoryExpect(const Napi::CallbackInfo& info);          // (f, g, [caa, cab, cbb], mode) -> number
Napi::Value TheoryOdeRhs(const Napi::CallbackInfo& info);          // (config, "rank1"|"general", y[]) -> {dy, y0}
Napi::Value TheoryEscapeLaw(const Napi::CallbackInfo& info);       // (spec) -> Promise<law> (lib/escape_law.ts)
}  // namespace loradyn_addon
