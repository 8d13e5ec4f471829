// N-API glue for the escape-time law (native/core/theory/escape_law.hpp). The TypeScript layer
// validates and fills in the spec; the core checks ranges again and names the field.
#include "escape_law_api.hpp"

#include <memory>
#include <stdexcept>

#include "../core/theory/escape_law.hpp"
#include "convert.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {

EscapeLawSpec to_spec(const Napi::Object& o) {
  EscapeLawSpec s;
  s.student = to_activation(o.Get("activation"), "activation");
  const Napi::Value t = o.Get("teacher");
  if (t.IsUndefined() || (t.IsString() && t.As<Napi::String>().Utf8Value() == "same")) {
    s.teacher.act = s.student;
  } else if (t.IsString() && t.As<Napi::String>().Utf8Value() == "square") {
    s.teacher.act = s.student;
    s.teacher.squared = true;
  } else {
    s.teacher.act = to_activation(t, "teacher");
  }
  s.mu = get_number(o, "mu", "spec");
  s.d = get_int(o, "d", "spec");
  s.batch = get_int(o, "batch", "spec");
  s.eta = get_number(o, "eta", "spec");
  s.hermite_rescale = get_bool(o, "hermiteRescale", "spec");
  s.noise = get_number(o, "noise", "spec");
  s.threshold = get_number(o, "threshold", "spec");
  s.noise_drift = get_bool(o, "noiseDrift", "spec");
  const Napi::Value u0 = o.Get("u0"), lf = o.Get("lossThreshold");
  s.u0 = u0.IsNumber() ? u0.As<Napi::Number>().DoubleValue() : -1;
  s.loss_fraction = lf.IsNumber() ? lf.As<Napi::Number>().DoubleValue() : -1;
  s.probs = to_doubles(o.Get("probs"), "probs");
  return s;
}

Napi::Value to_js(Napi::Env env, const EscapeLaw& L, bool with_loss) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("finite", L.finite);
  if (!L.reason.empty()) o.Set("reason", L.reason);
  o.Set("etaEff", L.eta_eff);
  o.Set("A", L.A);
  o.Set("B", L.B);
  o.Set("lambdaPlus", L.lambda_plus);
  o.Set("lambdaMinus", L.lambda_minus);
  o.Set("tau", L.finite ? Napi::Value(Napi::Number::New(env, L.tau)) : env.Null());
  o.Set("growthPerStep", L.growth_per_step);
  Napi::Object dir = Napi::Object::New(env);
  dir.Set("u", L.c);
  dir.Set("m", L.s);
  o.Set("direction", dir);
  o.Set("sigma2", L.sigma2);
  Napi::Object z = Napi::Object::New(env);
  z.Set("mean", L.zeta_mean);
  z.Set("sdInit", L.sd_init);
  z.Set("sdNoise", L.sd_noise);
  o.Set("zeta", z);
  o.Set("kappa", L.kappa);
  o.Set("loss0", L.loss0);
  Napi::Array qs = Napi::Array::New(env, L.quantiles.size());
  for (size_t i = 0; i < L.quantiles.size(); ++i) {
    const auto& q = L.quantiles[i];
    Napi::Object e = Napi::Object::New(env);
    e.Set("p", q.p);
    e.Set("zeta", q.zeta);
    e.Set("steps", q.steps >= 0 ? Napi::Value(Napi::Number::New(env, q.steps)) : env.Null());
    if (with_loss) e.Set("lossSteps", q.loss_steps >= 0 ? Napi::Value(Napi::Number::New(env, q.loss_steps)) : env.Null());
    qs.Set(static_cast<uint32_t>(i), e);
  }
  o.Set("quantiles", qs);
  Napi::Array w = Napi::Array::New(env, L.warnings.size());
  for (size_t i = 0; i < L.warnings.size(); ++i) w.Set(static_cast<uint32_t>(i), L.warnings[i]);
  o.Set("warnings", w);
  return o;
}

class EscapeLawWorker final : public Napi::AsyncWorker {
 public:
  EscapeLawWorker(Napi::Env env, EscapeLawSpec spec)
      : Napi::AsyncWorker(env, "loradyn.escapeLaw"), deferred_(Napi::Promise::Deferred::New(env)), spec_(std::move(spec)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      law_ = escape_law(spec_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(to_js(Env(), law_, spec_.loss_fraction > 0)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(Napi::RangeError::New(Env(), e.Message()).Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  EscapeLawSpec spec_;
  EscapeLaw law_;
};

}  // namespace

Napi::Value TheoryEscapeLaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (!info[0].IsObject()) throw std::invalid_argument("escape law spec must be an object");
    auto* w = new EscapeLawWorker(env, to_spec(info[0].As<Napi::Object>()));
    w->Queue();
    return w->promise();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
}

}  // namespace loradyn_addon
