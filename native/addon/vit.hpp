// The vision transformer (lib/vit: addon.vit).
#pragma once
#include <napi.h>

namespace loradyn_addon {
// Vision transformer (native/core/vit). Shapes: config {image, channels, patch, width, depth,
// heads, mlp, classes}; lora {rank, alpha, targets: string[]}.
Napi::Value VitLayout(const Napi::CallbackInfo& info);     // (config, lora) -> layout
Napi::Value VitInit(const Napi::CallbackInfo& info);       // (config, lora, seed, bSize?) -> Float32Array
Napi::Value VitForward(const Napi::CallbackInfo& info);    // (config, lora, params, images, threads) -> logits
Napi::Value VitMerge(const Napi::CallbackInfo& info);      // (config, lora, params) -> merged base params
Napi::Value VitGradCheck(const Napi::CallbackInfo& info);  // (seed) -> [{name, maxError, maxAbsGrad, entries}]
Napi::Value VitEvaluate(const Napi::CallbackInfo& info);   // (config, lora, params, x, y, threads) -> Promise
Napi::Value VitFeatures(const Napi::CallbackInfo& info);   // (config, params, x, threads) -> Promise<Float32Array>
Napi::Value VitTrain(const Napi::CallbackInfo& info);      // (spec, onProgress?) -> {promise, cancel}
Napi::Value VitGradient(const Napi::CallbackInfo& info);  // (config, lora, params, x, y, trainable, threads) -> Promise
Napi::Value VitAttentionEntropy(
    const Napi::CallbackInfo& info);  // (config, params, x, threads) -> Promise<Float64Array>
}  // namespace loradyn_addon
