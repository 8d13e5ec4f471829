// Module registration: the addon is glue only; every computation lives in native/core. Its
// exports are shaped like lib (lib/native.ts types them): one namespace per lib module that
// calls them, test hooks under `testing`.
#include <napi.h>

#include "config.hpp"
#include "info.hpp"
#include "primitives.hpp"
#include "simulate.hpp"
#include "testing.hpp"
#include "theory.hpp"
#include "vit.hpp"

namespace loradyn_addon {

namespace {
using Fn = Napi::Value (*)(const Napi::CallbackInfo&);
Napi::Object group(Napi::Env env, std::initializer_list<std::pair<const char*, Fn>> fns) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [name, fn] : fns) o.Set(name, Napi::Function::New(env, fn, name));
  return o;
}
}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("config", group(env, {{"check", CheckConfig}, {"estimateMemory", EstimateMemory}}));
  exports.Set("simulate", group(env, {{"run", Run}, {"runMany", RunMany}}));
  exports.Set("primitives", group(env, {{"philox", Philox},
                                        {"gaussians", Gaussians},
                                        {"evalActivation", EvalActivation},
                                        {"populationLoss", PopulationLoss},
                                        {"logGrid", LogGrid}}));
  exports.Set("theory", group(env, {{"tau", TheoryTau},
                                    {"critical", TheoryCritical},
                                    {"loss", TheoryLoss},
                                    {"lossK", TheoryLossK},
                                    {"topCoefficient", TheoryTopCoefficient},
                                    {"potential", TheoryPotential},
                                    {"expect", TheoryExpect},
                                    {"odeRhs", TheoryOdeRhs},
                                    {"escapeLaw", TheoryEscapeLaw}}));
  exports.Set("vit", group(env, {{"layout", VitLayout},
                                 {"init", VitInit},
                                 {"forward", VitForward},
                                 {"merge", VitMerge},
                                 {"gradCheck", VitGradCheck},
                                 {"evaluate", VitEvaluate},
                                 {"features", VitFeatures},
                                 {"train", VitTrain},
                                 {"gradient", VitGradient},
                                 {"attentionEntropy", VitAttentionEntropy}}));
  exports.Set("testing", group(env, {{"reducedRun", ReducedRun},
                                     {"reducedGpuEmulated", ReducedGpuEmulated},
                                     {"simulateFullReference", SimulateFullReference},
                                     {"chiSquare", ChiSquare},
                                     {"simdPaths", SimdPaths},
                                     {"gaussiansPath", GaussiansPath},
                                     {"rngAccuracy", RngAccuracy},
                                     {"chainMathAccuracy", ChainMathAccuracy},
                                     {"benchGenerator", BenchGenerator},
                                     {"launchGroups", LaunchGroups},
                                     {"injectThreadFailure", InjectThreadFailure},
                                     {"memoryBudget", MemoryBudgetFrom}}));
  return exports;
}

}  // namespace loradyn_addon

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return loradyn_addon::Init(env, exports); }

NODE_API_MODULE(loradyn, InitModule)
