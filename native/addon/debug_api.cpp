#include "debug_api.hpp"

#include <stdexcept>

#include "../core/engine/launch_groups.hpp"
#include "../core/model/population_loss.hpp"
#include "../core/model/record.hpp"
#include "../core/rng/gaussian.hpp"
#include "convert.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {
uint64_t to_u64(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!(x >= 0) || x > 9007199254740991.0 || x != static_cast<double>(static_cast<uint64_t>(x)))
    throw Napi::RangeError::New(v.Env(), std::string(what) + " must be an integer in [0, 2^53)");
  return static_cast<uint64_t>(x);
}
}  // namespace

Napi::Value Philox(const Napi::CallbackInfo& info) {
  uint32_t a[6];
  for (int i = 0; i < 6; ++i) a[i] = static_cast<uint32_t>(to_u64(info[i], "philox word"));
  const Philox4 r = philox4x32_10(a[0], a[1], a[2], a[3], a[4], a[5]);
  Napi::Uint32Array out = Napi::Uint32Array::New(info.Env(), 4);
  for (int i = 0; i < 4; ++i) out[i] = r.v[i];
  return out;
}

Napi::Value Gaussians(const Napi::CallbackInfo& info) {
  const uint64_t seed = to_u64(info[0], "seed");
  const uint32_t stream = static_cast<uint32_t>(to_u64(info[1], "stream"));
  const uint64_t step = to_u64(info[2], "step");
  const uint32_t sample = static_cast<uint32_t>(to_u64(info[3], "sample"));
  const uint32_t start = static_cast<uint32_t>(to_u64(info[4], "start"));
  const uint64_t n = to_u64(info[5], "count");
  if (n > (1ull << 28)) throw Napi::RangeError::New(info.Env(), "count must be <= 2^28");
  if (stream > 0xFFFF) throw Napi::RangeError::New(info.Env(), "stream must be < 65536");
  bool single = false;
  if (info.Length() > 6 && !info[6].IsUndefined()) {
    const std::string p = info[6].IsString() ? info[6].As<Napi::String>().Utf8Value() : "";
    if (p != "double" && p != "single")
      throw Napi::RangeError::New(info.Env(), "precision must be 'double' or 'single' (got '" + p + "')");
    single = p == "single";
  }
  std::vector<double> out(n);
  (single ? gaussian_fill_f32 : gaussian_fill)({seed, stream}, step, sample, start, static_cast<uint32_t>(n), out.data());
  return adopt(info.Env(), std::move(out));
}

Napi::Value EvalActivation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Activation a;
  try {
    a = to_activation(info[0], "activation");
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  const std::vector<double> z = to_doubles(info[1], "z");
  std::vector<double> s(z.size()), ds(z.size()), d2s(z.size());
  for (size_t i = 0; i < z.size(); ++i) {
    const ActivationValue v = a.eval(z[i]);
    s[i] = v.s;
    ds[i] = v.ds;
    d2s[i] = v.d2s;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("s", adopt(env, std::move(s)));
  o.Set("ds", adopt(env, std::move(ds)));
  o.Set("d2s", adopt(env, std::move(d2s)));
  o.Set("dirac", Napi::Number::New(env, a.dirac_weight()));
  o.Set("hermiteOrder", Napi::Number::New(env, a.max_hermite_order()));
  o.Set("name", Napi::String::New(env, a.name()));
  return o;
}

Napi::Value ValidateConfig(const Napi::CallbackInfo& info) {
  try {
    RunConfig c = to_run_config(info[0].As<Napi::Object>());
    validate_config(c);
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  }
  return info.Env().Undefined();
}

Napi::Value PopulationLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    RunConfig c = to_run_config(info[0].As<Napi::Object>());
    const std::vector<double> M = to_doubles(info[1], "M"), Q = to_doubles(info[2], "Q");
    const size_t K2 = static_cast<size_t>(c.model.hidden) * c.model.hidden;
    if (M.size() != K2 || Q.size() != K2) throw std::invalid_argument("M and Q must hold hidden^2 values");
    return Napi::Number::New(env, population_loss_k(c.model.activation, c.model.teacher, c.model.hidden,
                                                    M.data(), Q.data(), committee_readout(c.model), c.model.noise));
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
}

Napi::Value LogGrid(const Napi::CallbackInfo& info) {
  const auto g = log_step_grid(static_cast<int64_t>(to_u64(info[0], "steps")),
                               static_cast<int>(to_u64(info[1], "points")));
  return adopt(info.Env(), std::vector<double>(g.begin(), g.end()));
}

Napi::Value LaunchGroups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray())
    throw Napi::TypeError::New(env, "launchGroups(engine, configs[])");
  std::vector<RunJob> jobs;
  std::vector<std::vector<int>> groups;
  try {
    const Engine e = parse_engine(info[0].As<Napi::String>().Utf8Value());
    const Napi::Array list = info[1].As<Napi::Array>();
    for (uint32_t j = 0; j < list.Length(); ++j) {
      if (!list.Get(j).IsObject()) throw std::invalid_argument("configs[" + std::to_string(j) + "] must be an object");
      jobs.push_back(RunJob{to_run_config(list.Get(j).As<Napi::Object>()), {}});
    }
    groups = launch_groups(e, jobs);
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  Napi::Array out = Napi::Array::New(env, groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    Napi::Array a = Napi::Array::New(env, groups[g].size());
    for (size_t k = 0; k < groups[g].size(); ++k) a.Set(static_cast<uint32_t>(k), groups[g][k]);
    out.Set(static_cast<uint32_t>(g), a);
  }
  return out;
}

}  // namespace loradyn_addon
