// Adding a config field: a member in core/model/config.hpp, one line here that reads it, and
// its rule in core (model_issues, or the engine's own issues function).
#include "config.hpp"

#include <cmath>
#include <string>

#include "../core/util/parallel.hpp"
#include "errors.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {

constexpr int64_t kMaxSafe = Arg::kMaxSafe;
constexpr int64_t kMaxUnits = 4096;     // model.rank, model.hidden (lib/config.ts)
constexpr int64_t kMaxSeeds = 1000000;  // seeds per config (lib/config.ts)

Link read_teacher(const Arg& t, const Activation& student) {
  if (t.is_string() && t.string() == "same") return Link{student, false};
  if (t.is_string() && t.string() == "square") return Link{student, true};
  return Link{t.activation(), false};
}

Pretrained read_kind(const Arg& a) {
  const std::string k = a.string();
  if (k == "aligned") return Pretrained::Aligned;
  if (k == "misaligned") return Pretrained::Misaligned;
  if (k == "scratch") return Pretrained::Scratch;
  if (k == "given") return Pretrained::Given;
  a.fail("must be one of aligned, misaligned, scratch, given (got '" + k + "')");
}

BackendChoice read_backend(const Arg& a) {
  const std::string b = a.string();
  if (b == "cpu") return BackendChoice::Cpu;
  if (b == "cuda") return BackendChoice::Cuda;
  if (b == "auto") return BackendChoice::Auto;
  a.fail("must be one of cpu, cuda, auto (got '" + b + "')");
}

// train.optimizer: absent or "sgd" keep plain SGD; zod has filled in beta, beta1, beta2, eps.
OptimizerConfig read_optimizer(const Arg& a) {
  OptimizerConfig o;
  if (a.missing() || (a.is_string() && a.string() == "sgd")) return o;
  const std::string kind = a["kind"].string();
  if (kind == "sgd") return o;
  if (kind == "momentum") {
    o.kind = OptimizerKind::Momentum;
    o.beta = a["beta"].number_or(o.beta);
  } else if (kind == "adam") {
    o.kind = OptimizerKind::Adam;
    o.beta1 = a["beta1"].number_or(o.beta1);
    o.beta2 = a["beta2"].number_or(o.beta2);
    o.eps = a["eps"].number_or(o.eps);
  } else {
    a["kind"].fail("must be one of sgd, momentum, adam (got '" + kind + "')");
  }
  return o;
}

Adapter read_adapter(const Arg& a) {
  const std::string k = a.string_or("lora");
  if (k == "lora") return Adapter::Lora;
  if (k == "full") return Adapter::Full;
  a.fail("must be \"lora\" or \"full\" (got '" + k + "')");
}

std::vector<uint64_t> read_seeds(const Arg& s) {
  std::vector<uint64_t> out;
  if (s.value().IsArray()) {
    const uint32_t n = s.length();
    if (n == 0 || n > kMaxSeeds) s.fail("must hold 1 to " + std::to_string(kMaxSeeds) + " seeds");
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) out.push_back(s.at(i).seed());
    return out;
  }
  const int64_t count = s["count"].integer(1, kMaxSeeds);
  const int64_t base = s["base"].integer_or(0, 0, kMaxSafe);
  if (base + count - 1 > kMaxSafe) s["base"].fail("base + count must stay below 2^53");
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) out.push_back(static_cast<uint64_t>(base + i));
  return out;
}

}  // namespace

JobSpec read_job(const Arg& config) {
  JobSpec job;
  RunConfig& c = job.cfg;
  const Arg m = config["model"];
  c.model.activation = m["activation"].activation();
  c.model.teacher = read_teacher(m["teacher"], c.model.activation);
  c.model.d = m["d"].integer(-kMaxSafe, kMaxSafe);
  c.model.rank = static_cast<int>(m["rank"].integer(1, kMaxUnits));
  c.model.hidden = static_cast<int>(m["hidden"].integer(1, kMaxUnits));
  const Arg p = m["pretrained"];
  c.model.pretrained = read_kind(p["kind"]);
  const Arg mu = p["mu"];
  if (mu.is_number())
    c.model.mu.assign(c.model.hidden, mu.number());
  else
    c.model.mu = mu.doubles();
  if (!p["w0"].missing()) c.model.w0 = p["w0"].doubles();
  const Arg u0 = m["u0"];
  if (!u0.missing() && !(u0.finite() >= 0)) u0.fail("must be a finite number >= 0 (or null for 1/d^2)");
  c.model.u0 = u0.missing() ? -1.0 : u0.number();
  c.model.spherical = m["spherical"].boolean();
  c.model.noise = m["noise"].number();
  const Arg init = m["init"];
  if (!init.missing()) {
    if (!init["u"].missing()) c.model.init_u = init["u"].doubles();
    if (!init["v"].missing()) c.model.init_v = init["v"].doubles();
  }
  c.model.adapter = read_adapter(m["adapter"]);
  const Arg t = config["train"];
  c.train.batch = t["batch"].integer(-kMaxSafe, kMaxSafe);
  c.train.eta = t["eta"].number();
  c.train.steps = t["steps"].integer(-kMaxSafe, kMaxSafe);
  c.train.hermite_rescale = t["hermiteRescale"].boolean();
  c.train.optimizer = read_optimizer(t["optimizer"]);
  c.train.weight_decay = t["weightDecay"].number_or(0.0);
  c.train.lr_ratio = t["lrRatio"].number_or(1.0);
  const Arg r = config["record"];
  c.record.points = static_cast<int>(r["points"].integer(-(int64_t{1} << 31), (int64_t{1} << 31) - 1));
  c.record.thresholds = r["thresholds"].doubles();
  c.record.final_state = r["final"].boolean_or(false);
  c.record.stop_at = r["stopAt"].number_or(0.0);
  if (!r["lossThresholds"].missing()) c.record.loss_thresholds = r["lossThresholds"].doubles();
  if (!r["stopAt"].missing() && !(c.record.stop_at > 0)) r["stopAt"].fail("must be in (0, 1] or null");
  c.record.dense = r["dense"].integer_or(0, 1, 100000000);
  const Arg e = config["engine"];
  try {
    job.engine = parse_engine(e.string());
  } catch (const ConfigInvalid& x) {
    e.fail(x.issues().front().message);
  }
  job.backend = read_backend(config["backend"]);
  job.seeds = read_seeds(config["seeds"]);
  std::vector<ConfigIssue> issues = run_issues(c, job.engine, job.backend);
  if (!issues.empty()) {
    const std::string& at = config.path();
    if (!at.empty())
      for (ConfigIssue& i : issues) i.path = i.path.empty() ? at : at + "." + i.path;
    throw ConfigInvalid(std::move(issues));
  }
  return job;
}

MemoryEstimate estimate_jobs(const std::vector<JobSpec>& jobs, int threads) {
  std::vector<MemoryJob> mj;
  for (const JobSpec& j : jobs) mj.push_back(MemoryJob{&j.cfg, j.engine, static_cast<int64_t>(j.seeds.size())});
  return estimate_call(mj, threads);
}

MemoryBudget read_budget(const Arg& max_bytes) {
  const double given = max_bytes.number_or(0.0);
  if (!(given >= 0) || !std::isfinite(given)) max_bytes.fail("must be a finite number of bytes >= 0 (0: the default)");
  if (given > 0) return MemoryBudget{given, "maxBytes / LORADYN_MAX_BYTES"};
  return default_memory_budget();
}

void check_memory_of(const std::vector<JobSpec>& jobs, const std::vector<std::string>& where, int threads,
                     const MemoryBudget& budget) {
  const MemoryEstimate est = estimate_jobs(jobs, threads);
  try {
    check_memory(est, budget.bytes, budget.source);
  } catch (const ConfigInvalid& e) {
    const std::string& at = where.empty() ? std::string() : where[est.job];
    if (at.empty()) throw;
    std::vector<ConfigIssue> issues = e.issues();
    for (ConfigIssue& i : issues) i.path = at + "." + i.path;
    throw ConfigInvalid(std::move(issues));
  }
}

int read_threads(const Napi::CallbackInfo& info, size_t i) {
  const int64_t t = Arg::of(info, i, "threads").integer_or(0, 0, 4096);
  return t > 0 ? static_cast<int>(t) : hardware_threads();
}

Napi::Value CheckConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<ConfigIssue> issues;
  try {
    std::vector<JobSpec> one;
    one.push_back(read_job(Arg::of(info, 0, "")));
    check_memory_of(one, {}, read_threads(info, 1), read_budget(Arg::of(info, 2, "maxBytes")));
  } catch (const ConfigInvalid& e) {
    issues = e.issues();
  }
  Napi::Array out = Napi::Array::New(env, issues.size());
  for (size_t i = 0; i < issues.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", issues[i].path);
    o.Set("message", issues[i].message);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value EstimateMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Arg list = Arg::of(info, 0, "configs");
    std::vector<JobSpec> jobs;
    for (uint32_t j = 0; j < list.length(); ++j) jobs.push_back(read_job(list.at(j)));
    const MemoryEstimate est = estimate_jobs(jobs, read_threads(info, 1));
    const MemoryBudget budget = read_budget(Arg::of(info, 2, "maxBytes"));
    Napi::Object o = Napi::Object::New(env);
    o.Set("bytes", est.bytes);
    Napi::Array items = Napi::Array::New(env, est.items.size());
    for (size_t i = 0; i < est.items.size(); ++i) {
      Napi::Object it = Napi::Object::New(env);
      it.Set("what", est.items[i].what);
      it.Set("path", est.items[i].path);
      it.Set("bytes", est.items[i].bytes);
      items.Set(static_cast<uint32_t>(i), it);
    }
    o.Set("items", items);
    o.Set("limit", budget.bytes);
    o.Set("limitSource", budget.source);
    return o;
  });
}

}  // namespace loradyn_addon
