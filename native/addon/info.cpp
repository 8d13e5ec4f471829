#include "info.hpp"

#include "../core/engine/engine.hpp"
#include "../core/util/parallel.hpp"

#ifdef LORADYN_WITH_CUDA
#include "../cuda/cuda_backend.hpp"
#endif

#ifndef LORADYN_BUILD
#define LORADYN_BUILD "unknown"
#endif

namespace loradyn_addon {
using namespace loradyn;

CudaStatus cuda_status() {
  CudaStatus s;
#ifdef LORADYN_WITH_CUDA
  s.compiled = true;
  std::string why, device;
  s.available = cuda_probe(&why, &device);
  s.reason = why;
  s.device = device;
#else
  s.reason = "this binary was built without CUDA (npm install builds the CPU addon; run npm run build:cuda)";
#endif
  return s;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("build", Napi::String::New(env, LORADYN_BUILD));
  o.Set("threads", Napi::Number::New(env, hardware_threads()));
  Napi::Object flags = Napi::Object::New(env);
#if defined(__AVX512F__)
  flags.Set("avx512", Napi::Boolean::New(env, true));
#endif
#if defined(__OPTIMIZE__)
  flags.Set("optimized", Napi::Boolean::New(env, true));
#endif
  flags.Set("compiler", Napi::String::New(env, __VERSION__));
  o.Set("flags", flags);
  Napi::Array engines = Napi::Array::New(env);
  uint32_t n = 0;
  for (Engine e : {Engine::Full, Engine::Reduced, Engine::Ode})
    if (cpu_backend().supports(e)) engines.Set(n++, Napi::String::New(env, engine_name(e)));
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("compiled", Napi::Boolean::New(env, true));
  cpu.Set("available", Napi::Boolean::New(env, true));
  cpu.Set("engines", engines);
  cpu.Set("precision", Napi::String::New(env, "float64"));
  const CudaStatus cs = cuda_status();
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("compiled", Napi::Boolean::New(env, cs.compiled));
  cuda.Set("available", Napi::Boolean::New(env, cs.available));
  if (!cs.available) cuda.Set("reason", Napi::String::New(env, cs.reason));
  if (!cs.device.empty()) cuda.Set("device", Napi::String::New(env, cs.device));
#ifdef LORADYN_WITH_CUDA
  Napi::Array cuda_engines = Napi::Array::New(env);
  uint32_t nc = 0;
  for (Engine e : {Engine::Full, Engine::Reduced, Engine::Ode})
    if (cuda_backend().supports(e)) cuda_engines.Set(nc++, Napi::String::New(env, engine_name(e)));
  cuda.Set("engines", cuda_engines);
  cuda.Set("precision", Napi::String::New(env, "float64"));
#endif
  Napi::Object backends = Napi::Object::New(env);
  backends.Set("cpu", cpu);
  backends.Set("cuda", cuda);
  o.Set("backends", backends);
  return o;
}

}  // namespace loradyn_addon
