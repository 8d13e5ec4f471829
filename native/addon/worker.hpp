// The one AsyncWorker template of the addon: every call that runs off the main thread
// (simulate, theory curves, ViT training and evaluation) is a Job. A Job
//  - runs `work` on a libuv pool thread; when the caller wants progress, on a thread of its
//    own while the pool thread sends the shared step counter to onProgress every 20 ms
//    (and as soon as the work ends, so a sub-millisecond run does not wait out the period);
//  - hands out cancel(), which sets the flag the work polls (JobControl::cancel);
//  - settles its promise on the main thread: `finish` converts the result; an exception from
//    either side becomes the structured error of errors.hpp.
// Inputs are copied into C++ values before start() returns (the work never touches JS memory).
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "../core/util/thread_start.hpp"
#include "errors.hpp"

namespace loradyn_addon {

// Shared by a Job's work and its cancel() handle.
struct JobControl {
  std::atomic<bool> cancel{false};
  std::atomic<int64_t> progress{0};  // steps done, all runs together
};

struct JobOptions {
  Napi::Function on_progress;  // empty: no progress
  bool cancellable = false;    // start() returns { promise, cancel } instead of the promise
  const char* context = "";    // path of a core std::invalid_argument (errors.hpp)
};

template <class Result>
class Job final : public Napi::AsyncProgressWorker<double> {
 public:
  using Work = std::function<Result(JobControl&)>;
  using Finish = std::function<Napi::Value(Napi::Env, Result&)>;

  static Napi::Value start(Napi::Env env, const char* name, Work work, Finish finish, const JobOptions& opt = {}) {
    auto control = std::make_shared<JobControl>();
    auto* job = new Job(env, name, std::move(work), std::move(finish), control, opt.on_progress, opt.context);
    Napi::Promise promise = job->deferred_.Promise();
    job->Queue();
    if (!opt.cancellable) return promise;
    Napi::Object handle = Napi::Object::New(env);
    handle.Set("promise", promise);
    handle.Set("cancel",
               Napi::Function::New(env, [control](const Napi::CallbackInfo&) { control->cancel.store(true); }));
    return handle;
  }

  void Execute(const ExecutionProgress& progress) override {
    if (progress_.IsEmpty()) {
      run();
      return;
    }
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::thread runner;
    try {
      runner = loradyn::start_thread("the call's runner thread", [&] {
        run();
        {
          std::lock_guard<std::mutex> lock(mu);
          done = true;
        }
        cv.notify_all();
      });
    } catch (...) {
      error_ = capture(std::current_exception(), "", context_);
      return;
    }
    int64_t last = -1;
    for (bool finished = false; !finished;) {
      {
        std::unique_lock<std::mutex> lock(mu);
        finished = cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return done; });
      }
      const int64_t s = control_->progress.load();  // the final count too, before the promise settles
      if (s != last) {
        const double v = static_cast<double>(s);
        progress.Send(&v, 1);
        last = s;
      }
    }
    runner.join();
  }

  void OnProgress(const double* data, size_t count) override {
    if (count == 0 || progress_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    progress_.Call({Napi::Number::New(Env(), data[count - 1])});
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (error_) {
      deferred_.Reject(to_js(env, *error_).Value());
      return;
    }
    try {
      deferred_.Resolve(finish_(env, result_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (...) {
      deferred_.Reject(to_js(env, capture(std::current_exception(), "", context_)).Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Job(Napi::Env env, const char* name, Work work, Finish finish, std::shared_ptr<JobControl> control,
      Napi::Function on_progress, const char* context)
      : Napi::AsyncProgressWorker<double>(env, name),
        context_(context),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        finish_(std::move(finish)),
        control_(std::move(control)) {
    if (!on_progress.IsEmpty()) progress_ = Napi::Persistent(on_progress);
  }

  void run() {
    try {
      result_ = work_(*control_);
    } catch (...) {
      error_ = capture(std::current_exception(), "", context_);
    }
  }

  std::string context_;
  Napi::Promise::Deferred deferred_;
  Work work_;
  Finish finish_;
  std::shared_ptr<JobControl> control_;
  Napi::FunctionReference progress_;
  Result result_{};
  std::optional<ErrorInfo> error_;
};

}  // namespace loradyn_addon
