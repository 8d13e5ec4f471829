// One AsyncWorker per simulate() call: the runs execute on native threads while the event
// loop stays free; progress is polled from an atomic counter and sent back every 50 ms;
// cancel() flips a flag the inner loops read every step.
#include "simulate_worker.hpp"

#include <atomic>
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

class SimulateWorker final : public Napi::AsyncProgressWorker<double> {
 public:
  SimulateWorker(Napi::Env env, RunConfig cfg, Engine engine, Backend* backend,
                 std::vector<uint64_t> seeds, int threads, std::shared_ptr<std::atomic<bool>> cancel,
                 Napi::Function on_progress)
      : Napi::AsyncProgressWorker<double>(env, "loradyn.simulate"),
        deferred_(Napi::Promise::Deferred::New(env)),
        cfg_(std::move(cfg)),
        engine_(engine),
        backend_(backend),
        seeds_(std::move(seeds)),
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
        results_ = backend_->run(engine_, cfg_, seeds_, threads_, ctl);
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
    Napi::Object out = Napi::Object::New(env);
    Napi::Array runs = Napi::Array::New(env, results_.size());
    bool cancelled = false;
    for (size_t i = 0; i < results_.size(); ++i) {
      cancelled = cancelled || results_[i].cancelled;
      runs.Set(static_cast<uint32_t>(i), record_to_js(env, std::move(results_[i])));
    }
    out.Set("runs", runs);
    out.Set("wallMs", Napi::Number::New(env, wall_ms_));
    out.Set("backend", Napi::String::New(env, backend_->name()));
    out.Set("cancelled", Napi::Boolean::New(env, cancelled || cancel_->load()));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  RunConfig cfg_;
  Engine engine_;
  Backend* backend_;
  std::vector<uint64_t> seeds_;
  int threads_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Napi::FunctionReference on_progress_;
  std::atomic<int64_t> steps_{0};
  std::vector<RunRecord> results_;
  double wall_ms_ = 0;
};

}  // namespace

Napi::Value Simulate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsObject() || !info[1].IsString() || !info[4].IsString())
    throw Napi::TypeError::New(env, "simulate(config, engine, seeds, threads, backend, onProgress?)");
  RunConfig cfg;
  Engine engine;
  std::vector<uint64_t> seeds;
  Backend* backend = nullptr;
  try {
    cfg = to_run_config(info[0].As<Napi::Object>());
    validate_config(cfg);
    engine = parse_engine(info[1].As<Napi::String>().Utf8Value());
    seeds = to_seeds(info[2]);
    backend = &select_backend(info[4].As<Napi::String>().Utf8Value(), engine);
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  const int threads = info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
  Napi::Function on_progress;
  if (info.Length() > 5 && info[5].IsFunction()) on_progress = info[5].As<Napi::Function>();
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  auto* worker = new SimulateWorker(env, std::move(cfg), engine, backend, std::move(seeds),
                                    threads > 0 ? threads : default_threads(), cancel, on_progress);
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", worker->promise());
  handle.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo&) { cancel->store(true); }));
  worker->Queue();
  return handle;
}

}  // namespace loradyn_addon
