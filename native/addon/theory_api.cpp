// N-API glue for the theory engine. Curves and critical-point searches run on a worker
// thread (a few thousand expectations, quadrature for links without closed forms); the
// pointwise calls are microseconds and stay synchronous.
#include "theory_api.hpp"

#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>

#include "../core/ode/overlap_ode.hpp"
#include "../core/theory/escape.hpp"
#include "convert.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {

// A worker that runs `work` off the main thread and converts its result with `done`.
class TheoryWorker final : public Napi::AsyncWorker {
 public:
  TheoryWorker(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env, "loradyn.theory"), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), done_(std::move(done)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      work_();
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(done_(Env())); }
  void OnError(const Napi::Error& e) override {
    Napi::Error err = Napi::RangeError::New(Env(), e.Message());
    deferred_.Reject(err.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
};

struct Pair {
  Activation student;
  Link teacher;
  bool rescale = false;
  double noise = 0;
};

Pair to_pair(const Napi::Value& v) {
  if (!v.IsObject()) throw std::invalid_argument("theory spec must be an object {activation, teacher?}");
  const auto o = v.As<Napi::Object>();
  Pair p;
  p.student = to_activation(o.Get("activation"), "activation");
  const Napi::Value t = o.Get("teacher");
  if (t.IsUndefined() || (t.IsString() && t.As<Napi::String>().Utf8Value() == "same")) {
    p.teacher.act = p.student;
  } else if (t.IsString() && t.As<Napi::String>().Utf8Value() == "square") {
    p.teacher.act = p.student;
    p.teacher.squared = true;
  } else {
    p.teacher.act = to_activation(t, "teacher");
  }
  const Napi::Value r = o.Get("hermiteRescale");
  p.rescale = r.IsBoolean() && r.As<Napi::Boolean>().Value();
  const Napi::Value n = o.Get("noise");
  if (n.IsNumber()) p.noise = n.As<Napi::Number>().DoubleValue();
  return p;
}

Napi::Object point_to_js(Napi::Env env, const EscapePoint& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mu", p.mu);
  o.Set("A", p.A);
  o.Set("B", p.B);
  o.Set("tau", p.finite ? Napi::Value(Napi::Number::New(env, p.tau)) : env.Null());
  if (!p.finite) o.Set("reason", p.reason);
  return o;
}

Napi::Array points_to_js(Napi::Env env, const std::vector<EscapePoint>& pts) {
  Napi::Array a = Napi::Array::New(env, pts.size());
  for (size_t i = 0; i < pts.size(); ++i) a.Set(static_cast<uint32_t>(i), point_to_js(env, pts[i]));
  return a;
}

template <class F>
auto guarded(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
}

GaussFn fn_from_js(const Napi::Value& v, const std::string& path) {
  // {activation, order} or {teacher: {activation, squared}, order}
  if (!v.IsObject()) throw std::invalid_argument(path + " must be {activation, order, squared?}");
  const auto o = v.As<Napi::Object>();
  const int order = o.Get("order").IsNumber() ? o.Get("order").As<Napi::Number>().Int32Value() : 0;
  const bool squared = o.Get("squared").IsBoolean() && o.Get("squared").As<Napi::Boolean>().Value();
  Activation a = to_activation(o.Get("activation"), path + ".activation");
  if (squared) return gauss_fn(Link{a, true}, order);
  return gauss_fn(a, order);
}

}  // namespace

Napi::Value TheoryTau(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto pair = std::make_shared<Pair>(to_pair(info[0]));
    auto mus = std::make_shared<std::vector<double>>(to_doubles(info[1], "mu"));
    if (mus->empty()) throw std::invalid_argument("mu list is empty");
    for (double m : *mus)
      if (!(m >= 0 && m <= 1)) throw std::invalid_argument("mu must be in [0, 1] (got " + std::to_string(m) + ")");
    auto out = std::make_shared<std::vector<EscapePoint>>();
    auto* w = new TheoryWorker(
        env,
        [pair, mus, out] {
          EscapeTheory th(pair->student, pair->teacher, pair->rescale);
          *out = th.curve(*mus);
        },
        [out](Napi::Env e) -> Napi::Value { return points_to_js(e, *out); });
    w->Queue();
    return w->promise();
  });
}

Napi::Value TheoryCritical(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto pair = std::make_shared<Pair>(to_pair(info[0]));
    double lo = 1e-3, hi = 1 - 1e-3, tol = 1e-9;
    int points = 2000;
    if (info.Length() > 1 && info[1].IsObject()) {
      const auto o = info[1].As<Napi::Object>();
      if (o.Get("lo").IsNumber()) lo = o.Get("lo").As<Napi::Number>().DoubleValue();
      if (o.Get("hi").IsNumber()) hi = o.Get("hi").As<Napi::Number>().DoubleValue();
      if (o.Get("points").IsNumber()) points = o.Get("points").As<Napi::Number>().Int32Value();
      if (o.Get("tol").IsNumber()) tol = o.Get("tol").As<Napi::Number>().DoubleValue();
    }
    if (!(tol > 0)) throw std::invalid_argument("tol must be > 0");
    if (points > 1000000) throw std::invalid_argument("points must be <= 1e6");
    auto out = std::make_shared<EscapeTheory::Critical>();
    auto* w = new TheoryWorker(
        env,
        [pair, out, lo, hi, points, tol] {
          EscapeTheory th(pair->student, pair->teacher, pair->rescale);
          *out = th.critical(lo, hi, points, tol);
        },
        [out](Napi::Env e) -> Napi::Value {
          Napi::Object o = Napi::Object::New(e);
          Napi::Array z = Napi::Array::New(e, out->zeros.size());
          for (size_t i = 0; i < out->zeros.size(); ++i) z.Set(static_cast<uint32_t>(i), out->zeros[i]);
          Napi::Array m = Napi::Array::New(e, out->minima.size());
          for (size_t i = 0; i < out->minima.size(); ++i) {
            Napi::Object p = Napi::Object::New(e);
            p.Set("mu", out->minima[i].mu);
            p.Set("tau", out->minima[i].tau);
            m.Set(static_cast<uint32_t>(i), p);
          }
          o.Set("zeros", z);
          o.Set("minima", m);
          return o;
        });
    w->Queue();
    return w->promise();
  });
}

Napi::Value TheoryLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Pair p = to_pair(info[0]);
    const auto M = to_doubles(info[1], "M"), Q = to_doubles(info[2], "Q");
    if (M.size() != Q.size()) throw std::invalid_argument("M and Q must have the same length");
    const LossModel model(p.student, p.teacher, p.noise);
    std::vector<double> L(M.size()), LM(M.size()), LQ(M.size());
    for (size_t i = 0; i < M.size(); ++i) {
      if (!(Q[i] >= 0) || !std::isfinite(Q[i]) || !std::isfinite(M[i]))
        throw std::invalid_argument("Q must be finite and >= 0 and M finite (index " + std::to_string(i) + ")");
      if (M[i] * M[i] > Q[i] * (1 + 1e-12))
        throw std::invalid_argument("need M^2 <= Q (a valid covariance) at index " + std::to_string(i));
      L[i] = model.loss1(M[i], Q[i]);
      model.grad1(M[i], Q[i], &LM[i], &LQ[i]);
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("L", adopt(env, std::move(L)));
    o.Set("LM", adopt(env, std::move(LM)));
    o.Set("LQ", adopt(env, std::move(LQ)));
    return o;
  });
}

Napi::Value TheoryLossK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Pair p = to_pair(info[0]);
    if (!info[1].IsNumber() || !info[2].IsNumber()) throw std::invalid_argument("K and readout must be numbers");
    const int K = info[1].As<Napi::Number>().Int32Value();
    const double a = info[2].As<Napi::Number>().DoubleValue();
    const auto M = to_doubles(info[3], "M"), Q = to_doubles(info[4], "Q");
    if (K < 1 || M.size() != static_cast<size_t>(K) * K || Q.size() != M.size())
      throw std::invalid_argument("M and Q must hold K x K values");
    const LossModel model(p.student, p.teacher, p.noise);
    std::vector<double> GM(K * K), GQ(K * K);
    const double L = model.loss_k(K, M.data(), Q.data(), a);
    model.grad_k(K, M.data(), Q.data(), a, GM.data(), GQ.data());
    Napi::Object o = Napi::Object::New(env);
    o.Set("L", L);
    o.Set("GM", adopt(env, std::move(GM)));
    o.Set("GQ", adopt(env, std::move(GQ)));
    return o;
  });
}

Napi::Value TheoryTopCoefficient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsNumber()) throw std::invalid_argument("k must be a number");
    const int k = info[0].As<Napi::Number>().Int32Value();
    const auto mus = to_doubles(info[1], "mu");
    const bool rescaled = info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
    std::vector<EscapePoint> pts;
    for (double m : mus) pts.push_back(top_coefficient(k, m, rescaled));
    return points_to_js(env, pts);
  });
}

Napi::Value TheoryPotential(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsNumber()) throw std::invalid_argument("mu must be a number");
    const double mu = info[0].As<Napi::Number>().DoubleValue();
    auto g = to_doubles(info[1], "g");
    for (auto& x : g) x = linear_potential(mu, x);
    return adopt(env, std::move(g));
  });
}

Napi::Value TheoryExpect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const GaussFn f = fn_from_js(info[0], "f"), g = fn_from_js(info[1], "g");
    const auto c = to_doubles(info[2], "cov");
    if (c.size() != 3) throw std::invalid_argument("cov must be [caa, cab, cbb]");
    if (c[1] * c[1] > c[0] * c[2] * (1 + 1e-12)) throw std::invalid_argument("cov is not positive semi-definite");
    const std::string mode = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "auto";
    if (mode != "auto" && mode != "quadrature") throw std::invalid_argument("mode must be auto or quadrature");
    return Napi::Number::New(env, expect_pair(f, g, Cov2{c[0], c[1], c[2]},
                                              mode == "auto" ? ExpectMode::Auto : ExpectMode::Quadrature));
  });
}

Napi::Value TheoryOdeRhs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const RunConfig cfg = to_run_config(info[0].As<Napi::Object>());
    validate_config(cfg);
    const std::string which = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    const auto y = to_doubles(info[2], "y");
    const LossModel model(cfg.model.activation, cfg.model.teacher, cfg.model.noise);
    std::vector<double> dy(y.size()), y0;
    if (which == "rank1") {
      if (y.size() != 2) throw std::invalid_argument("rank-1 state is (u, m)");
      Rank1Ode r{model, cfg.model.mu[0], true};
      r.rhs(y.data(), dy.data());
    } else if (which == "general") {
      OverlapOde o(cfg, model);
      if (static_cast<int>(y.size()) != o.size())
        throw std::invalid_argument("general state must hold " + std::to_string(o.size()) + " values (U, m, n, C)");
      o.rhs(y.data(), dy.data());
      y0 = o.initial();
    } else {
      throw std::invalid_argument("system must be rank1 or general");
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("dy", adopt(env, std::move(dy)));
    out.Set("y0", adopt(env, std::move(y0)));
    return out;
  });
}

}  // namespace loradyn_addon
