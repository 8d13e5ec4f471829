// simulate.runMany hands each (engine, backend) part of its configs to Backend::run_many, so
// the CUDA backend can give compatible sweep points one launch; simulate.run is the same
// with one config, resolved in simulate()'s shape.
#include "simulate.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "../core/engine/engine.hpp"
#include "../core/util/parallel.hpp"
#include "config.hpp"
#include "info.hpp"
#include "worker.hpp"

#ifdef LORADYN_WITH_CUDA
#include "../cuda/cuda_backend.hpp"
#endif

namespace loradyn_addon {
using namespace loradyn;

namespace {

// The backend that runs a validated job. "cuda" that cannot run here is a config issue on
// `backend` (the shape rules were checked by validate_run; what is left is this machine).
Backend& select_backend(const JobSpec& job, const std::string& at) {
  const std::string path = at.empty() ? "backend" : at + ".backend";
  if (job.backend == BackendChoice::Cpu) return cpu_backend();
  const CudaStatus s = cuda_status();
#ifdef LORADYN_WITH_CUDA
  if (s.available && cuda_backend().supports(job.engine) &&
      (job.backend == BackendChoice::Cuda || cuda_backend().supports_config(job.engine, job.cfg)))
    return cuda_backend();
#endif
  if (job.backend == BackendChoice::Auto) return cpu_backend();
  if (!s.available) throw ConfigInvalid(path, "backend 'cuda' is unavailable: " + s.reason);
  throw ConfigInvalid(path, std::string("backend 'cuda' does not implement engine '") + engine_name(job.engine) + "'");
}

// The configs of one call that run with the same engine on the same backend.
struct Part {
  Engine engine;
  Backend* backend;
  std::vector<RunJob> jobs;
  std::vector<size_t> index;  // position of each job in the call
};

struct Outcome {
  std::vector<std::vector<std::vector<RunRecord>>> records;  // part, job, seed
  double wall_ms = 0;
  bool cancelled = false;
};

std::vector<Part> plan(std::vector<JobSpec>&& specs, const std::vector<std::string>& where) {
  std::vector<Part> parts;
  for (size_t j = 0; j < specs.size(); ++j) {
    Backend* backend = &select_backend(specs[j], where[j]);
    const Engine engine = specs[j].engine;
    auto it = std::find_if(parts.begin(), parts.end(),
                           [&](const Part& p) { return p.engine == engine && p.backend == backend; });
    if (it == parts.end()) it = parts.insert(parts.end(), Part{engine, backend, {}, {}});
    it->jobs.push_back(RunJob{std::move(specs[j].cfg), std::move(specs[j].seeds)});
    it->index.push_back(j);
  }
  return parts;
}

JobOptions options(const Napi::CallbackInfo& info, size_t i) {
  JobOptions o;
  o.cancellable = true;
  const Arg p = Arg::of(info, i, "onProgress");
  if (!p.missing()) o.on_progress = p.function();
  return o;
}

// Starts the runs of `parts`; `many` resolves { results: [{ runs, backend }], wallMs, cancelled },
// otherwise the one job's { runs, backend, wallMs, cancelled }.
Napi::Value start(Napi::Env env, std::vector<Part> parts, size_t njobs, bool many, int threads, const JobOptions& opt) {
  auto shared = std::make_shared<std::vector<Part>>(std::move(parts));
  return Job<Outcome>::start(
      env, "loradyn.simulate",
      [shared, threads](JobControl& jc) {
        RunControl ctl;
        ctl.cancel = &jc.cancel;
        ctl.steps_done = &jc.progress;
        Outcome out;
        const auto t0 = std::chrono::steady_clock::now();
        out.records.resize(shared->size());
        for (size_t p = 0; p < shared->size() && !jc.cancel.load(); ++p)
          out.records[p] = (*shared)[p].backend->run_many((*shared)[p].engine, (*shared)[p].jobs, threads, ctl);
        out.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        out.cancelled = jc.cancel.load();
        return out;
      },
      [shared, njobs, many](Napi::Env e, Outcome& out) -> Napi::Value {
        bool cancelled = out.cancelled;
        std::vector<Napi::Object> per_job(njobs);
        for (size_t p = 0; p < shared->size(); ++p)
          for (size_t k = 0; k < (*shared)[p].jobs.size(); ++k) {
            std::vector<RunRecord> none;
            std::vector<RunRecord>& recs = k < out.records[p].size() ? out.records[p][k] : none;
            Napi::Array runs = Napi::Array::New(e, recs.size());
            for (size_t i = 0; i < recs.size(); ++i) {
              cancelled = cancelled || recs[i].cancelled;
              runs.Set(static_cast<uint32_t>(i), record_to_js(e, std::move(recs[i])));
            }
            Napi::Object o = Napi::Object::New(e);
            o.Set("runs", runs);
            o.Set("backend", Napi::String::New(e, (*shared)[p].backend->name()));
            per_job[(*shared)[p].index[k]] = o;
          }
        Napi::Object result = many || per_job.empty() ? Napi::Object::New(e) : per_job[0];
        if (many) {
          Napi::Array results = Napi::Array::New(e, njobs);
          for (size_t j = 0; j < njobs; ++j) results.Set(static_cast<uint32_t>(j), per_job[j]);
          result.Set("results", results);
        }
        result.Set("wallMs", Napi::Number::New(e, out.wall_ms));
        result.Set("cancelled", Napi::Boolean::New(e, cancelled));
        return result;
      },
      opt);
}

}  // namespace

Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    std::vector<JobSpec> specs;
    specs.push_back(read_job(Arg::of(info, 0, "")));
    const int threads = read_threads(info, 1);
    const JobOptions opt = options(info, 2);
    check_memory_of(specs, {}, threads, read_budget(Arg::of(info, 3, "maxBytes")));  // before any allocation
    return start(env, plan(std::move(specs), {""}), 1, false, threads, opt);
  });
}

Napi::Value RunMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Arg list = Arg::of(info, 0, "configs");
    if (!list.value().IsArray()) list.fail("must be an array of configs");
    std::vector<JobSpec> specs;
    std::vector<std::string> where;
    for (uint32_t j = 0; j < list.length(); ++j) {
      where.push_back("[" + std::to_string(j) + "]");
      specs.push_back(read_job(Arg(list.value().As<Napi::Array>().Get(j), where.back())));
    }
    const int threads = read_threads(info, 1);
    const JobOptions opt = options(info, 2);
    check_memory_of(specs, where, threads, read_budget(Arg::of(info, 3, "maxBytes")));  // before any allocation
    const size_t n = specs.size();
    return start(env, plan(std::move(specs), where), n, true, threads, opt);
  });
}

Napi::Object record_to_js(Napi::Env env, RunRecord&& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("seed", Napi::Number::New(env, static_cast<double>(r.seed)));
  o.Set("rank", Napi::Number::New(env, r.rank));
  o.Set("hidden", Napi::Number::New(env, r.hidden));
  o.Set("step", adopt(env, std::move(r.step)));
  o.Set("t", adopt(env, std::move(r.t)));
  o.Set("m", adopt(env, std::move(r.m)));
  o.Set("u", adopt(env, std::move(r.u)));
  o.Set("M", adopt(env, std::move(r.M)));
  o.Set("Q", adopt(env, std::move(r.Q)));
  o.Set("popLoss", adopt(env, std::move(r.pop_loss)));
  o.Set("batchLoss", adopt(env, std::move(r.batch_loss)));
  Napi::Array esc = Napi::Array::New(env, r.escape.size());
  for (size_t i = 0; i < r.escape.size(); ++i)
    esc.Set(static_cast<uint32_t>(i),
            r.escape[i] < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(r.escape[i])));
  o.Set("escape", esc);
  if (!r.loss_escape.empty()) {
    Napi::Array le = Napi::Array::New(env, r.loss_escape.size());
    for (size_t i = 0; i < r.loss_escape.size(); ++i)
      le.Set(static_cast<uint32_t>(i),
             r.loss_escape[i] < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(r.loss_escape[i])));
    o.Set("lossEscape", le);
  }
  o.Set("stepsDone", Napi::Number::New(env, static_cast<double>(r.steps_done)));
  o.Set("divergedStep",
        r.diverged_step < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(r.diverged_step)));
  o.Set("cancelled", Napi::Boolean::New(env, r.cancelled));
  if (!r.final_v.empty()) {
    Napi::Object f = Napi::Object::New(env);
    f.Set("u", adopt(env, std::move(r.final_u)));
    f.Set("v", adopt(env, std::move(r.final_v)));
    f.Set("teacher", adopt(env, std::move(r.teacher)));
    f.Set("w0", adopt(env, std::move(r.w0)));
    o.Set("final", f);
  }
  return o;
}

}  // namespace loradyn_addon
