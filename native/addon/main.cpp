// Module registration: the addon is glue only; every computation lives in native/core.
#include <napi.h>

#include "backends.hpp"
#include "debug_api.hpp"
#include "escape_law_api.hpp"
#include "reduced_api.hpp"
#include "simulate_worker.hpp"
#include "theory_api.hpp"
#include "speed_api.hpp"
#include "vit_api.hpp"

namespace loradyn_addon {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("simulate", Napi::Function::New(env, Simulate));
  exports.Set("simulateMany", Napi::Function::New(env, SimulateMany));
  exports.Set("philox", Napi::Function::New(env, Philox));
  exports.Set("gaussians", Napi::Function::New(env, Gaussians));
  exports.Set("evalActivation", Napi::Function::New(env, EvalActivation));
  exports.Set("validateConfig", Napi::Function::New(env, ValidateConfig));
  exports.Set("populationLoss", Napi::Function::New(env, PopulationLoss));
  exports.Set("logGrid", Napi::Function::New(env, LogGrid));
  exports.Set("launchGroups", Napi::Function::New(env, LaunchGroups));
  exports.Set("theoryTau", Napi::Function::New(env, TheoryTau));
  exports.Set("theoryCritical", Napi::Function::New(env, TheoryCritical));
  exports.Set("theoryLoss", Napi::Function::New(env, TheoryLoss));
  exports.Set("theoryLossK", Napi::Function::New(env, TheoryLossK));
  exports.Set("theoryTopCoefficient", Napi::Function::New(env, TheoryTopCoefficient));
  exports.Set("theoryPotential", Napi::Function::New(env, TheoryPotential));
  exports.Set("theoryExpect", Napi::Function::New(env, TheoryExpect));
  exports.Set("theoryOdeRhs", Napi::Function::New(env, TheoryOdeRhs));
  exports.Set("theoryEscapeLaw", Napi::Function::New(env, TheoryEscapeLaw));
  exports.Set("reducedRun", Napi::Function::New(env, ReducedRun));
  exports.Set("chiSquare", Napi::Function::New(env, ChiSquare));
  exports.Set("simdPaths", Napi::Function::New(env, SimdPaths));
  exports.Set("gaussiansPath", Napi::Function::New(env, GaussiansPath));
  exports.Set("rngAccuracy", Napi::Function::New(env, RngAccuracy));
  exports.Set("simulateFullReference", Napi::Function::New(env, SimulateFullReference));
  exports.Set("benchGenerator", Napi::Function::New(env, BenchGenerator));
  exports.Set("vitLayout", Napi::Function::New(env, VitLayout));
  exports.Set("vitInit", Napi::Function::New(env, VitInit));
  exports.Set("vitForward", Napi::Function::New(env, VitForward));
  exports.Set("vitMerge", Napi::Function::New(env, VitMerge));
  exports.Set("vitGradCheck", Napi::Function::New(env, VitGradCheck));
  exports.Set("vitEvaluate", Napi::Function::New(env, VitEvaluate));
  exports.Set("vitFeatures", Napi::Function::New(env, VitFeatures));
  exports.Set("vitTrain", Napi::Function::New(env, VitTrain));
  return exports;
}

}  // namespace loradyn_addon

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return loradyn_addon::Init(env, exports);
}

NODE_API_MODULE(loradyn, InitModule)
