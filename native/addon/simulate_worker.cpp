// One AsyncWorker per simulate() or simulateMany() call: the runs execute on native threads
// while the event loop stays free; progress is polled from an atomic counter and sent back
// every 20 ms; cancel() flips a flag the inner loops read every step. simulateMany() hands each
// (engine, backend) part of its configs to Backend::run_many, so the CUDA backend can give
// compatible sweep points one launch.
#include "simulate_worker.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <memory>
#include <thread>

#include "../core/engine/engine.hpp"
#include "backends.hpp"
#include "convert.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {

// The configs of one call that run with the same engine on the same backend.
struct Part {
  Engine engine;
  Backend* backend;
  std::vector<RunJob> jobs;
  std::vector<int> index;  // position of each job in the call
};

class SimulateWorker final : public Napi::AsyncProgressWorker<double> {
 public:
  // many = false: simulate(), one part holding one job, resolved in simulate()'s shape.
  SimulateWorker(Napi::Env env, std::vector<Part> parts, size_t njobs, bool many, int threads,
                 std::shared_ptr<std::atomic<bool>> cancel, Napi::Function on_progress)
      : Napi::AsyncProgressWorker<double>(env, "loradyn.simulate"),
        deferred_(Napi::Promise::Deferred::New(env)),
        parts_(std::move(parts)),
        njobs_(njobs),
        many_(many),
        threads_(threads),
        cancel_(std::move(cancel)) {
    if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
  }

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    RunControl ctl;
    ctl.cancel = cancel_.get();
    ctl.steps_done = &steps_;
    std::atomic<bool> done{false};
    // Woken at the end of the run, so a short run (an ODE: under a millisecond) does not wait
    // out the 20 ms progress period.
    std::mutex done_mu;
    std::condition_variable done_cv;
    std::string error;
    const auto t0 = std::chrono::steady_clock::now();
    std::thread runner([&] {
      try {
        results_.resize(parts_.size());
        for (size_t p = 0; p < parts_.size() && !cancel_->load(); ++p)
          results_[p] = parts_[p].backend->run_many(parts_[p].engine, parts_[p].jobs, threads_, ctl);
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown native error";
      }
      {
        std::lock_guard<std::mutex> lock(done_mu);
        done.store(true);
      }
      done_cv.notify_all();
    });
    int64_t last = -1;
    while (!done.load()) {
      {
        std::unique_lock<std::mutex> lock(done_mu);
        done_cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return done.load(); });
      }
      const int64_t s = steps_.load();
      if (s != last && !on_progress_.IsEmpty()) {
        const double v = static_cast<double>(s);
        progress.Send(&v, 1);
        last = s;
      }
    }
    runner.join();
    wall_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!error.empty()) SetError(error);
  }

  void OnProgress(const double* data, size_t count) override {
    if (count == 0 || on_progress_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    on_progress_.Call({Napi::Number::New(Env(), data[count - 1])});
  }

  void OnOK() override {
    Napi::Env env = Env();
    bool cancelled = cancel_->load();
    // Job j's result: { runs, backend }.
    std::vector<Napi::Object> per_job(njobs_);
    for (size_t p = 0; p < parts_.size(); ++p)
      for (size_t k = 0; k < parts_[p].jobs.size(); ++k) {
        std::vector<RunRecord>& recs = k < results_[p].size() ? results_[p][k] : empty_;
        Napi::Array runs = Napi::Array::New(env, recs.size());
        for (size_t i = 0; i < recs.size(); ++i) {
          cancelled = cancelled || recs[i].cancelled;
          runs.Set(static_cast<uint32_t>(i), record_to_js(env, std::move(recs[i])));
        }
        Napi::Object o = Napi::Object::New(env);
        o.Set("runs", runs);
        o.Set("backend", Napi::String::New(env, parts_[p].backend->name()));
        per_job[parts_[p].index[k]] = o;
      }
    Napi::Object out = many_ || per_job.empty() ? Napi::Object::New(env) : per_job[0];
    if (many_) {
      Napi::Array results = Napi::Array::New(env, njobs_);
      for (size_t j = 0; j < njobs_; ++j) results.Set(static_cast<uint32_t>(j), per_job[j]);
      out.Set("results", results);
    }
    out.Set("wallMs", Napi::Number::New(env, wall_ms_));
    out.Set("cancelled", Napi::Boolean::New(env, cancelled));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<Part> parts_;
  size_t njobs_;
  bool many_;
  int threads_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Napi::FunctionReference on_progress_;
  std::atomic<int64_t> steps_{0};
  std::vector<std::vector<std::vector<RunRecord>>> results_;  // part, job, seed
  std::vector<RunRecord> empty_;
  double wall_ms_ = 0;
};

}  // namespace

namespace {

Napi::Value start(Napi::Env env, std::vector<Part> parts, size_t njobs, bool many, const Napi::Value& threads_v,
                  const Napi::Value& progress_v) {
  const int threads = threads_v.IsNumber() ? threads_v.As<Napi::Number>().Int32Value() : 0;
  Napi::Function on_progress;
  if (progress_v.IsFunction()) on_progress = progress_v.As<Napi::Function>();
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  auto* worker = new SimulateWorker(env, std::move(parts), njobs, many, threads > 0 ? threads : default_threads(),
                                    cancel, on_progress);
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", worker->promise());
  handle.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo&) { cancel->store(true); }));
  worker->Queue();
  return handle;
}

}  // namespace

Napi::Value Simulate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsObject() || !info[1].IsString() || !info[4].IsString())
    throw Napi::TypeError::New(env, "simulate(config, engine, seeds, threads, backend, onProgress?)");
  Part part;
  try {
    RunJob job{to_run_config(info[0].As<Napi::Object>()), to_seeds(info[2])};
    validate_config(job.cfg);
    part.engine = parse_engine(info[1].As<Napi::String>().Utf8Value());
    part.backend = &select_backend(info[4].As<Napi::String>().Utf8Value(), part.engine, &job.cfg);
    part.jobs.push_back(std::move(job));
    part.index.push_back(0);
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  std::vector<Part> parts;
  parts.push_back(std::move(part));
  return start(env, std::move(parts), 1, false, info[3], info.Length() > 5 ? info[5] : env.Undefined());
}

Napi::Value SimulateMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "simulateMany([{ config, engine, seeds, backend }], threads, onProgress?)");
  const Napi::Array list = info[0].As<Napi::Array>();
  std::vector<Part> parts;
  for (uint32_t j = 0; j < list.Length(); ++j) {
    const Napi::Value v = list.Get(j);
    const std::string where = "[" + std::to_string(j) + "] ";
    if (!v.IsObject()) throw Napi::TypeError::New(env, where + "must be { config, engine, seeds, backend }");
    const Napi::Object o = v.As<Napi::Object>();
    if (!o.Get("config").IsObject() || !o.Get("engine").IsString() || !o.Get("backend").IsString())
      throw Napi::TypeError::New(env, where + "must be { config, engine, seeds, backend }");
    try {
      RunJob job{to_run_config(o.Get("config").As<Napi::Object>()), to_seeds(o.Get("seeds"))};
      validate_config(job.cfg);
      const Engine engine = parse_engine(o.Get("engine").As<Napi::String>().Utf8Value());
      Backend* backend = &select_backend(o.Get("backend").As<Napi::String>().Utf8Value(), engine, &job.cfg);
      auto it = std::find_if(parts.begin(), parts.end(), [&](const Part& p) { return p.engine == engine && p.backend == backend; });
      if (it == parts.end()) {
        parts.push_back(Part{engine, backend, {}, {}});
        it = parts.end() - 1;
      }
      it->jobs.push_back(std::move(job));
      it->index.push_back(static_cast<int>(j));
    } catch (const std::exception& e) {
      throw Napi::RangeError::New(env, where + e.what());
    }
  }
  return start(env, std::move(parts), list.Length(), true, info[1], info.Length() > 2 ? info[2] : env.Undefined());
}

}  // namespace loradyn_addon
