// N-API glue for the theory engine. Curves and critical-point searches run on a worker
// thread (a few thousand expectations, quadrature for links without closed forms); the
// pointwise calls are microseconds and stay synchronous.
#include "theory.hpp"

#include <cmath>
#include <memory>
#include <string>

#include "../core/ode/overlap_ode.hpp"
#include "../core/theory/escape.hpp"
#include "../core/theory/escape_law.hpp"
#include "args.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "worker.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {

struct Pair {
  Activation student;
  Link teacher;
  bool rescale = false;
  double noise = 0;
};

Pair to_pair(const Arg& spec) {
  Pair p;
  p.student = spec["activation"].activation();
  const Arg t = spec["teacher"];
  if (t.missing() || (t.is_string() && t.string() == "same")) {
    p.teacher.act = p.student;
  } else if (t.is_string() && t.string() == "square") {
    p.teacher.act = p.student;
    p.teacher.squared = true;
  } else {
    p.teacher.act = t.activation();
  }
  p.rescale = spec["hermiteRescale"].boolean_or(false);
  p.noise = spec["noise"].number_or(0.0);
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

GaussFn fn_from_js(const Arg& f) {
  // {activation, order, squared?}
  const int order = static_cast<int>(f["order"].integer_or(0, 0, 2));
  const bool squared = f["squared"].boolean_or(false);
  const Activation a = f["activation"].activation();
  if (squared) return gauss_fn(Link{a, true}, order);
  return gauss_fn(a, order);
}

}  // namespace

// The theory calls' arguments are checked by the readers; what the core refuses beyond them
// (a reversed interval, a diverging expectation) names the call's context, "theory".
constexpr const char* kContext = "theory";

Napi::Value TheoryTau(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const Pair pair = to_pair(Arg::of(info, 0, "pair"));
        const Arg mu_arg = Arg::of(info, 1, "mu");
        const std::vector<double> mus = mu_arg.doubles();
        if (mus.empty()) mu_arg.fail("mu list is empty");
        for (size_t i = 0; i < mus.size(); ++i)
          if (!(mus[i] >= 0 && mus[i] <= 1))
            mu_arg.fail_at(i, "must be in [0, 1] (got " + std::to_string(mus[i]) + ")");
        JobOptions opt;
        opt.context = kContext;
        return Job<std::vector<EscapePoint>>::start(
            env, "loradyn.theory",
            [pair, mus](JobControl&) { return EscapeTheory(pair.student, pair.teacher, pair.rescale).curve(mus); },
            [](Napi::Env e, std::vector<EscapePoint>& pts) -> Napi::Value { return points_to_js(e, pts); }, opt);
      },
      kContext);
}

Napi::Value TheoryCritical(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const Pair pair = to_pair(Arg::of(info, 0, "pair"));
        const Arg o = Arg::of(info, 1, "options");
        const bool given = !o.missing();
        const double lo = given ? o["lo"].number_or(1e-3) : 1e-3;
        const double hi = given ? o["hi"].number_or(1 - 1e-3) : 1 - 1e-3;
        const int points = given ? static_cast<int>(o["points"].integer_or(2000, 1, 1000000)) : 2000;
        const double tol = given ? o["tol"].number_or(1e-9) : 1e-9;
        if (!(tol > 0)) o["tol"].fail("must be > 0");
        JobOptions opt;
        opt.context = kContext;
        return Job<EscapeTheory::Critical>::start(
            env, "loradyn.theory",
            [pair, lo, hi, points, tol](JobControl&) {
              return EscapeTheory(pair.student, pair.teacher, pair.rescale).critical(lo, hi, points, tol);
            },
            [](Napi::Env e, EscapeTheory::Critical& out) -> Napi::Value {
              Napi::Object o = Napi::Object::New(e);
              Napi::Array z = Napi::Array::New(e, out.zeros.size());
              for (size_t i = 0; i < out.zeros.size(); ++i) z.Set(static_cast<uint32_t>(i), out.zeros[i]);
              Napi::Array m = Napi::Array::New(e, out.minima.size());
              for (size_t i = 0; i < out.minima.size(); ++i) {
                Napi::Object p = Napi::Object::New(e);
                p.Set("mu", out.minima[i].mu);
                p.Set("tau", out.minima[i].tau);
                m.Set(static_cast<uint32_t>(i), p);
              }
              o.Set("zeros", z);
              o.Set("minima", m);
              return o;
            },
            opt);
      },
      kContext);
}

Napi::Value TheoryLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const Pair p = to_pair(Arg::of(info, 0, "pair"));
        const Arg Ma = Arg::of(info, 1, "M"), Qa = Arg::of(info, 2, "Q");
        const auto M = Ma.doubles(), Q = Qa.doubles();
        if (M.size() != Q.size()) Qa.fail("must have the length of M (" + std::to_string(M.size()) + ")");
        const LossModel model(p.student, p.teacher, p.noise);
        std::vector<double> L(M.size()), LM(M.size()), LQ(M.size());
        for (size_t i = 0; i < M.size(); ++i) {
          if (!(Q[i] >= 0) || !std::isfinite(Q[i]) || !std::isfinite(M[i]))
            Qa.fail_at(i, "Q must be finite and >= 0 and M finite (index " + std::to_string(i) + ")");
          if (M[i] * M[i] > Q[i] * (1 + 1e-12))
            Ma.fail_at(i, "need M^2 <= Q (a valid covariance) at index " + std::to_string(i));
          L[i] = model.loss1(M[i], Q[i]);
          model.grad1(M[i], Q[i], &LM[i], &LQ[i]);
        }
        Napi::Object o = Napi::Object::New(env);
        o.Set("L", adopt(env, std::move(L)));
        o.Set("LM", adopt(env, std::move(LM)));
        o.Set("LQ", adopt(env, std::move(LQ)));
        return o;
      },
      kContext);
}

Napi::Value TheoryLossK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const Pair p = to_pair(Arg::of(info, 0, "pair"));
        const int K = static_cast<int>(Arg::of(info, 1, "K").integer(1, 4096));
        const double a = Arg::of(info, 2, "readout").number();
        const Arg Ma = Arg::of(info, 3, "M"), Qa = Arg::of(info, 4, "Q");
        const auto M = Ma.doubles(), Q = Qa.doubles();
        const size_t K2 = static_cast<size_t>(K) * K;
        if (M.size() != K2) Ma.fail("must hold K x K = " + std::to_string(K2) + " values");
        if (Q.size() != K2) Qa.fail("must hold K x K = " + std::to_string(K2) + " values");
        const LossModel model(p.student, p.teacher, p.noise);
        std::vector<double> GM(K2), GQ(K2);
        const double L = model.loss_k(K, M.data(), Q.data(), a);
        model.grad_k(K, M.data(), Q.data(), a, GM.data(), GQ.data());
        Napi::Object o = Napi::Object::New(env);
        o.Set("L", L);
        o.Set("GM", adopt(env, std::move(GM)));
        o.Set("GQ", adopt(env, std::move(GQ)));
        return o;
      },
      kContext);
}

Napi::Value TheoryTopCoefficient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const int k = static_cast<int>(Arg::of(info, 0, "k").integer(1, 1000));
        const auto mus = Arg::of(info, 1, "mu").doubles();
        const bool rescaled = Arg::of(info, 2, "rescaled").boolean_or(false);
        std::vector<EscapePoint> pts;
        for (double m : mus) pts.push_back(top_coefficient(k, m, rescaled));
        return points_to_js(env, pts);
      },
      "k");
}

Napi::Value TheoryPotential(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const double mu = Arg::of(info, 0, "mu").number();
        auto g = Arg::of(info, 1, "g").doubles();
        for (auto& x : g) x = linear_potential(mu, x);
        return adopt(env, std::move(g));
      },
      "g");
}

Napi::Value TheoryExpect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const GaussFn f = fn_from_js(Arg::of(info, 0, "f")), g = fn_from_js(Arg::of(info, 1, "g"));
        const Arg ca = Arg::of(info, 2, "cov");
        const auto c = ca.doubles();
        if (c.size() != 3) ca.fail("must be [caa, cab, cbb]");
        if (c[1] * c[1] > c[0] * c[2] * (1 + 1e-12)) ca.fail("is not positive semi-definite");
        const Arg ma = Arg::of(info, 3, "mode");
        const std::string mode = ma.string_or("auto");
        if (mode != "auto" && mode != "quadrature") ma.fail("must be auto or quadrature");
        return Napi::Number::New(
            env, expect_pair(f, g, Cov2{c[0], c[1], c[2]}, mode == "auto" ? ExpectMode::Auto : ExpectMode::Quadrature));
      },
      "expect");
}

Napi::Value TheoryOdeRhs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const JobSpec job = read_job(Arg::of(info, 0, ""));
        const RunConfig& cfg = job.cfg;
        const Arg wa = Arg::of(info, 1, "system");
        const std::string which = wa.string();
        const Arg ya = Arg::of(info, 2, "y");
        const auto y = ya.doubles();
        const LossModel model(cfg.model.activation, cfg.model.teacher, cfg.model.noise);
        std::vector<double> dy(y.size()), y0;
        if (which == "rank1") {
          if (y.size() != 2) ya.fail("the rank-1 state is (u, m)");
          Rank1Ode r{model, cfg.model.mu[0], true};
          r.rhs(y.data(), dy.data());
        } else if (which == "general") {
          validate_run(cfg, Engine::Ode, BackendChoice::Cpu);
          OverlapOde o(cfg, model);
          if (static_cast<int>(y.size()) != o.size())
            ya.fail("the general state must hold " + std::to_string(o.size()) + " values (U, m, n, C)");
          o.rhs(y.data(), dy.data());
          y0 = o.initial();
        } else {
          wa.fail("must be rank1 or general");
        }
        Napi::Object out = Napi::Object::New(env);
        out.Set("dy", adopt(env, std::move(dy)));
        out.Set("y0", adopt(env, std::move(y0)));
        return out;
      },
      "ode");
}

namespace {

EscapeLawSpec to_law_spec(const Arg& a) {
  const Pair p = to_pair(a);
  EscapeLawSpec s;
  s.student = p.student;
  s.teacher = p.teacher;
  s.hermite_rescale = p.rescale;
  s.noise = p.noise;
  s.mu = a["mu"].finite();
  s.d = a["d"].integer(1, Arg::kMaxSafe);
  s.batch = a["batch"].integer(1, Arg::kMaxSafe);
  s.eta = a["eta"].number();
  s.threshold = a["threshold"].number_or(0.5);
  s.u0 = a["u0"].number_or(-1);
  s.loss_fraction = a["lossThreshold"].number_or(-1);
  s.noise_drift = a["noiseDrift"].boolean_or(true);
  if (!a["probs"].missing()) s.probs = a["probs"].doubles();
  return s;
}

Napi::Value law_to_js(Napi::Env env, const EscapeLaw& L, bool with_loss) {
  auto num_or_null = [env](double x) { return x >= 0 ? Napi::Value(Napi::Number::New(env, x)) : env.Null(); };
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
    e.Set("steps", num_or_null(q.steps));
    if (with_loss) e.Set("lossSteps", num_or_null(q.loss_steps));
    qs.Set(static_cast<uint32_t>(i), e);
  }
  o.Set("quantiles", qs);
  Napi::Array w = Napi::Array::New(env, L.warnings.size());
  for (size_t i = 0; i < L.warnings.size(); ++i) w.Set(static_cast<uint32_t>(i), L.warnings[i]);
  o.Set("warnings", w);
  return o;
}

}  // namespace

// The law of the escape time: a few ODE integrations and quadratures, off the main thread.
// Ranges are checked by the core (escape_law.cpp), which names the field.
Napi::Value TheoryEscapeLaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const EscapeLawSpec spec = to_law_spec(Arg::of(info, 0, ""));
        JobOptions opt;
        opt.context = "escapeLaw";
        const bool with_loss = spec.loss_fraction > 0;
        return Job<EscapeLaw>::start(
            env, "loradyn.escapeLaw", [spec](JobControl&) { return escape_law(spec); },
            [with_loss](Napi::Env e, EscapeLaw& L) -> Napi::Value { return law_to_js(e, L, with_loss); }, opt);
      },
      "escapeLaw");
}

}  // namespace loradyn_addon
