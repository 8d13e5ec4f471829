#include "primitives.hpp"

#include "../core/model/population_loss.hpp"
#include "../core/model/record.hpp"
#include "../core/rng/gaussian.hpp"
#include "args.hpp"
#include "config.hpp"
#include "errors.hpp"

namespace loradyn_addon {
using namespace loradyn;

bool read_single_precision(const Napi::CallbackInfo& info, size_t i) {
  const Arg a = Arg::of(info, i, "precision");
  const std::string p = a.string_or("double");
  if (p != "double" && p != "single") a.fail("must be 'double' or 'single' (got '" + p + "')");
  return p == "single";
}

Napi::Value Philox(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    static const char* names[6] = {"c0", "c1", "c2", "c3", "k0", "k1"};
    uint32_t a[6];
    for (int i = 0; i < 6; ++i) a[i] = static_cast<uint32_t>(Arg::of(info, i, names[i]).integer(0, 0xFFFFFFFFll));
    const Philox4 r = philox4x32_10(a[0], a[1], a[2], a[3], a[4], a[5]);
    Napi::Uint32Array out = Napi::Uint32Array::New(info.Env(), 4);
    for (int i = 0; i < 4; ++i) out[i] = r.v[i];
    return out;
  });
}

Napi::Value Gaussians(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const uint64_t seed = Arg::of(info, 0, "seed").seed();
    const auto stream = static_cast<uint32_t>(Arg::of(info, 1, "stream").integer(0, 0xFFFF));
    const uint64_t step = Arg::of(info, 2, "step").seed();
    const auto sample = static_cast<uint32_t>(Arg::of(info, 3, "sample").integer(0, 0xFFFFFFFFll));
    const int64_t start = Arg::of(info, 4, "start").integer(0, 0xFFFFFFFFll);
    const int64_t n = Arg::of(info, 5, "count").integer(0, int64_t{1} << 28);
    if (start + n > 0x100000000ll) Arg::of(info, 5, "count").fail("start + count must fit in 32 bits");
    const bool single = read_single_precision(info, 6);
    std::vector<double> out(static_cast<size_t>(n));
    (single ? gaussian_fill_f32 : gaussian_fill)({seed, stream}, step, sample, static_cast<uint32_t>(start),
                                                 static_cast<uint32_t>(n), out.data());
    return adopt(info.Env(), std::move(out));
  });
}

Napi::Value EvalActivation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Activation a = Arg::of(info, 0, "activation").activation();
    const std::vector<double> z = Arg::of(info, 1, "z").doubles();
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
  });
}

Napi::Value PopulationLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const JobSpec job = read_job(Arg::of(info, 0, ""));
    const ModelConfig& m = job.cfg.model;
    const Arg Ma = Arg::of(info, 1, "M"), Qa = Arg::of(info, 2, "Q");
    const std::vector<double> M = Ma.doubles(), Q = Qa.doubles();
    const size_t K2 = static_cast<size_t>(m.hidden) * m.hidden;
    if (M.size() != K2) Ma.fail("must hold hidden^2 = " + std::to_string(K2) + " values");
    if (Q.size() != K2) Qa.fail("must hold hidden^2 = " + std::to_string(K2) + " values");
    return Napi::Number::New(
        env, population_loss_k(m.activation, m.teacher, m.hidden, M.data(), Q.data(), committee_readout(m), m.noise));
  });
}

Napi::Value LogGrid(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const int64_t steps = Arg::of(info, 0, "steps").integer(0, Arg::kMaxSafe);
    const int points = static_cast<int>(Arg::of(info, 1, "points").integer(2, 1000000));
    const auto g = log_step_grid(steps, points);
    return adopt(info.Env(), std::vector<double>(g.begin(), g.end()));
  });
}

}  // namespace loradyn_addon
