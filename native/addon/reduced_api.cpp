#include "reduced_api.hpp"

#include <stdexcept>

#include "../core/reduced/chain_math_accuracy.hpp"
#include "../core/reduced/gamma.hpp"
#include "../core/reduced/sgd_reduced.hpp"
#include "convert.hpp"

namespace loradyn_addon {
using namespace loradyn;

Napi::Value ReducedRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RunRecord rec;
  try {
    if (!info[0].IsObject()) throw std::invalid_argument("config must be an object");
    const RunConfig cfg = to_run_config(info[0].As<Napi::Object>());
    if (!info[1].IsNumber()) throw std::invalid_argument("seed must be a number");
    Napi::Array one = Napi::Array::New(env, 1);
    one.Set(0u, info[1]);
    const std::vector<uint64_t> seed = to_seeds(one);
    // forceGeneral: true skips the rank-1 loop; 'generic' skips it and the batch kernels.
    ReducedLoops loops = ReducedLoops::Auto;
    if (info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value()) loops = ReducedLoops::NoRank1;
    if (info[2].IsString() && info[2].As<Napi::String>().Utf8Value() == "generic") loops = ReducedLoops::GenericOnly;
    RunControl ctl;
    rec = simulate_reduced(cfg, seed.at(0), ctl, loops);
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  return record_to_js(env, std::move(rec));
}

Napi::Value ChiSquare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "chiSquare(seed, dof, count)");
  const double seed = info[0].As<Napi::Number>().DoubleValue();
  const double dof = info[1].As<Napi::Number>().DoubleValue();
  const double n = info[2].As<Napi::Number>().DoubleValue();
  if (!(seed >= 0) || !(dof >= 0) || !(n >= 0) || n > (1 << 26))
    throw Napi::RangeError::New(env, "seed >= 0, dof >= 0 and 0 <= count <= 2^26 required");
  std::vector<double> out(static_cast<size_t>(n));
  const DrawKey key{static_cast<uint64_t>(seed), kStreamTest};
  for (size_t i = 0; i < out.size(); ++i) out[i] = chi_square(key, i, 0, dof);
  return adopt(env, std::move(out));
}

Napi::Value ChainMathAccuracy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "chainMathAccuracy(samples, seed)");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  const double seed = info[1].As<Napi::Number>().DoubleValue();
  if (!(n >= 0 && n <= 1e8) || !(seed >= 0)) throw Napi::RangeError::New(env, "0 <= samples <= 1e8 and seed >= 0 required");
  const loradyn::ChainMathAccuracy a = chain_math_accuracy(static_cast<uint64_t>(n), static_cast<uint64_t>(seed));
  Napi::Object o = Napi::Object::New(env);
  o.Set("expUlp", a.exp_ulp);
  o.Set("erfUlp", a.erf_ulp);
  o.Set("erfDerivUlp", a.erf_deriv_ulp);
  o.Set("sigmoidUlp", a.sigmoid_ulp);
  o.Set("sigmoidDerivUlp", a.sigmoid_deriv_ulp);
  o.Set("libmErfUlp", a.libm_erf_ulp);
  o.Set("arraysMatchScalar", a.arrays_match_scalar);
  o.Set("referenceDigits", a.reference_digits);
  o.Set("samples", static_cast<double>(a.samples));
  return o;
}

}  // namespace loradyn_addon
