// N-API glue for the vision transformer: converts JS objects and typed arrays into the core's
// structs (copied, so the worker thread never touches JS memory), runs long calls on an
// AsyncProgressWorker, and hands results back as typed arrays without copying.
#include "vit_api.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>

#include "../core/util/parallel.hpp"
#include "../core/vit/grad_check.hpp"
#include "../core/vit/measure.hpp"
#include "../core/vit/trainer.hpp"
#include "convert.hpp"

namespace loradyn_addon {
using namespace loradyn::vit;

namespace {

template <class T, class A>
A adopt_typed(Napi::Env env, std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  const size_t n = owned->size();
  if (n == 0) {
    delete owned;
    return A::New(env, 0);
  }
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(
      env, owned->data(), n * sizeof(T), [](Napi::Env, void*, std::vector<T>* hint) { delete hint; }, owned);
  return A::New(env, n, buf, 0);
}
Napi::Float32Array adopt_f32(Napi::Env env, std::vector<float>&& v) {
  return adopt_typed<float, Napi::Float32Array>(env, std::move(v));
}
Napi::Int32Array adopt_i32(Napi::Env env, std::vector<int>&& v) {
  return adopt_typed<int, Napi::Int32Array>(env, std::move(v));
}

int int_field(const Napi::Object& o, const char* key, const std::string& path) {
  const int64_t v = get_int(o, key, path);
  if (v < -2147483647 || v > 2147483647) throw std::invalid_argument(path + "." + key + " is out of range");
  return static_cast<int>(v);
}

VitConfig to_vit_config(const Napi::Value& v) {
  if (!v.IsObject()) throw std::invalid_argument("config must be an object");
  const auto o = v.As<Napi::Object>();
  VitConfig c;
  c.image = int_field(o, "image", "config");
  c.channels = int_field(o, "channels", "config");
  c.patch = int_field(o, "patch", "config");
  c.width = int_field(o, "width", "config");
  c.depth = int_field(o, "depth", "config");
  c.heads = int_field(o, "heads", "config");
  c.mlp = int_field(o, "mlp", "config");
  c.classes = int_field(o, "classes", "config");
  validate_vit_config(c);
  return c;
}

LoraConfig to_lora(const Napi::Value& v) {
  LoraConfig l;
  if (v.IsUndefined() || v.IsNull()) return l;
  if (!v.IsObject()) throw std::invalid_argument("lora must be an object");
  const auto o = v.As<Napi::Object>();
  l.rank = int_field(o, "rank", "lora");
  l.alpha = get_number(o, "alpha", "lora");
  const Napi::Value t = o.Get("targets");
  if (!t.IsArray()) throw std::invalid_argument("lora.targets must be an array of layer names");
  const auto arr = t.As<Napi::Array>();
  std::string csv;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const Napi::Value e = arr.Get(i);
    if (!e.IsString()) throw std::invalid_argument("lora.targets[" + std::to_string(i) + "] must be a string");
    csv += e.As<Napi::String>().Utf8Value() + ",";
  }
  l.targets = parse_lora_targets(csv);
  validate_lora_config(l);
  return l;
}

OptimConfig to_optim(const Napi::Value& v) {
  if (!v.IsObject()) throw std::invalid_argument("optimizer must be an object");
  const auto o = v.As<Napi::Object>();
  OptimConfig c;
  const std::string kind = get_string(o, "kind", "optimizer");
  if (kind == "sgd") c.kind = OptimKind::Sgd;
  else if (kind == "adamw") c.kind = OptimKind::AdamW;
  else throw std::invalid_argument("optimizer.kind must be 'sgd' or 'adamw' (got '" + kind + "')");
  c.lr = get_number(o, "lr", "optimizer");
  c.momentum = get_number(o, "momentum", "optimizer");
  c.beta1 = get_number(o, "beta1", "optimizer");
  c.beta2 = get_number(o, "beta2", "optimizer");
  c.eps = get_number(o, "eps", "optimizer");
  c.weight_decay = get_number(o, "weightDecay", "optimizer");
  validate_optim_config(c);
  return c;
}

std::vector<float> to_f32(const Napi::Value& v, const std::string& path) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw std::invalid_argument(path + " must be a Float32Array");
  const auto a = v.As<Napi::Float32Array>();
  return std::vector<float>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<int> to_i32(const Napi::Value& v, const std::string& path) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw std::invalid_argument(path + " must be an Int32Array");
  const auto a = v.As<Napi::Int32Array>();
  return std::vector<int>(a.Data(), a.Data() + a.ElementLength());
}

bool has(const Napi::Object& o, const char* key) { return o.Has(key) && !o.Get(key).IsUndefined(); }

Trainable to_trainable(const Napi::Object& tr, const std::string& path) {
  Trainable t;
  t.base = get_bool(tr, "base", path);
  t.head = get_bool(tr, "head", path);
  t.lora = get_bool(tr, "lora", path);
  return t;
}

int to_threads(const Napi::Value& v) {
  const int t = v.IsNumber() ? v.As<Napi::Number>().Int32Value() : 0;
  return t > 0 ? t : loradyn::hardware_threads();
}

// Images and labels owned by a worker.
struct Data {
  std::vector<float> x;
  std::vector<int> y;
  DataView view() const { return {x.data(), y.data(), static_cast<int>(y.size())}; }
};

Data to_data(const Napi::Value& v, const VitConfig& c, const std::string& path) {
  if (!v.IsObject()) throw std::invalid_argument(path + " must be an object {x, y}");
  const auto o = v.As<Napi::Object>();
  Data d;
  d.x = to_f32(o.Get("x"), path + ".x");
  d.y = to_i32(o.Get("y"), path + ".y");
  if (d.x.size() != d.y.size() * (size_t)c.pixels())
    throw std::invalid_argument(path + ".x must hold " + std::to_string(c.pixels()) + " values per label (got " +
                                std::to_string(d.x.size()) + " for " + std::to_string(d.y.size()) + " labels)");
  return d;
}

void check_params(const Layout& L, const std::vector<float>& p, const char* what) {
  if (p.size() != L.total)
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(p.size()) +
                                " values; this config and lora need " + std::to_string(L.total));
}

// Runs `run` off the main thread; `finish` builds the resolved value on the main thread.
class VitWorker final : public Napi::AsyncProgressWorker<double> {
 public:
  using Run = std::function<void(const TrainControl&)>;
  using Finish = std::function<Napi::Value(Napi::Env)>;
  VitWorker(Napi::Env env, Run run, Finish finish, std::shared_ptr<std::atomic<bool>> cancel, Napi::Function progress)
      : Napi::AsyncProgressWorker<double>(env, "loradyn.vit"),
        deferred_(Napi::Promise::Deferred::New(env)),
        run_(std::move(run)),
        finish_(std::move(finish)),
        cancel_(std::move(cancel)) {
    if (!progress.IsEmpty()) progress_ = Napi::Persistent(progress);
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    TrainControl ctl;
    ctl.cancel = cancel_.get();
    ctl.steps_done = &steps_;
    std::atomic<bool> done{false};
    std::string error;
    std::thread runner([&] {
      try {
        run_(ctl);
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown native error";
      }
      done.store(true);
    });
    int64_t last = -1;
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const int64_t s = steps_.load();
      if (s != last && !progress_.IsEmpty()) {
        const double v = static_cast<double>(s);
        progress.Send(&v, 1);
        last = s;
      }
    }
    runner.join();
    if (!error.empty()) SetError(error);
  }
  void OnProgress(const double* data, size_t count) override {
    if (count == 0 || progress_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    progress_.Call({Napi::Number::New(Env(), data[count - 1])});
  }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    deferred_.Resolve(finish_(Env()));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Run run_;
  Finish finish_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Napi::FunctionReference progress_;
  std::atomic<int64_t> steps_{0};
};

template <class F>
Napi::Value guarded(Napi::Env env, F&& f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, e.what());
  }
}

}  // namespace

Napi::Value VitLayout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Layout L = make_layout(to_vit_config(info[0]), to_lora(info[1]));
    Napi::Object o = Napi::Object::New(env);
    o.Set("total", Napi::Number::New(env, static_cast<double>(L.total)));
    o.Set("baseSize", Napi::Number::New(env, static_cast<double>(L.base_size)));
    Napi::Array ts = Napi::Array::New(env, L.tensors.size());
    for (size_t i = 0; i < L.tensors.size(); ++i) {
      const TensorInfo& t = L.tensors[i];
      Napi::Object e = Napi::Object::New(env);
      e.Set("name", t.name);
      e.Set("offset", Napi::Number::New(env, static_cast<double>(t.offset)));
      e.Set("size", Napi::Number::New(env, static_cast<double>(t.size)));
      e.Set("rows", t.rows);
      e.Set("cols", t.cols);
      e.Set("group", t.group == Group::Base ? "base" : t.group == Group::Head ? "head" : "lora");
      ts.Set(static_cast<uint32_t>(i), e);
    }
    o.Set("tensors", ts);
    return o;
  });
}

Napi::Value VitInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Layout L = make_layout(to_vit_config(info[0]), to_lora(info[1]));
    if (!info[2].IsNumber()) throw std::invalid_argument("seed must be a number");
    const double s = info[2].As<Napi::Number>().DoubleValue();
    if (!(s >= 0) || s > 9007199254740991.0 || s != static_cast<double>(static_cast<uint64_t>(s)))
      throw std::invalid_argument("seed must be an integer in [0, 2^53)");
    std::vector<float> P = init_params(L, static_cast<uint64_t>(s));
    if (info.Length() > 3 && !info[3].IsUndefined()) {
      if (!info[3].IsNumber()) throw std::invalid_argument("lora B size must be a number");
      init_lora_b(L, static_cast<uint64_t>(s), info[3].As<Napi::Number>().DoubleValue(), P.data());
    }
    return adopt_f32(env, std::move(P));
  });
}

Napi::Value VitForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const VitConfig c = to_vit_config(info[0]);
    const Layout L = make_layout(c, to_lora(info[1]));
    const std::vector<float> P = to_f32(info[2], "params");
    check_params(L, P, "params");
    const std::vector<float> x = to_f32(info[3], "images");
    if (x.size() % c.pixels() != 0) throw std::invalid_argument("images length must be a multiple of image*image*channels");
    const int n = static_cast<int>(x.size() / c.pixels());
    std::vector<float> logits((size_t)n * c.classes);
    const int chunk = 16;
    for (int s = 0; s < n; s += chunk) {
      Workspace<float> ws;
      const int m = std::min(chunk, n - s);
      forward_backward<float>(L, P.data(), m, x.data() + (size_t)s * c.pixels(), nullptr, 1.0f, ws, nullptr,
                              Trainable{}, nullptr);
      std::copy(ws.logits.begin(), ws.logits.begin() + (size_t)m * c.classes, logits.begin() + (size_t)s * c.classes);
    }
    return adopt_f32(env, std::move(logits));
  });
}

Napi::Value VitMerge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Layout L = make_layout(to_vit_config(info[0]), to_lora(info[1]));
    const std::vector<float> P = to_f32(info[2], "params");
    check_params(L, P, "params");
    return adopt_f32(env, merge_lora<float>(L, P.data()));
  });
}

Napi::Value VitGradCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint64_t seed = info[0].IsNumber() ? static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()) : 1;
  const auto checks = run_grad_checks(seed);
  Napi::Array out = Napi::Array::New(env, checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", checks[i].name);
    o.Set("maxError", checks[i].max_error);
    o.Set("maxAbsGrad", checks[i].max_abs_grad);
    o.Set("entries", checks[i].entries);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value VitEvaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const VitConfig c = to_vit_config(info[0]);
    auto L = std::make_shared<Layout>(make_layout(c, to_lora(info[1])));
    auto P = std::make_shared<std::vector<float>>(to_f32(info[2], "params"));
    check_params(*L, *P, "params");
    auto d = std::make_shared<Data>();
    d->x = to_f32(info[3], "x");
    d->y = to_i32(info[4], "y");
    if (d->x.size() != d->y.size() * (size_t)c.pixels()) throw std::invalid_argument("x must hold image*image*channels values per label");
    validate_data(c, d->view(), "data");
    const int threads = to_threads(info[5]);
    auto res = std::make_shared<EvalResult>();
    auto* w = new VitWorker(
        env, [=](const TrainControl&) { *res = evaluate(*L, P->data(), d->view(), threads); },
        [=](Napi::Env e) -> Napi::Value {
          Napi::Object o = Napi::Object::New(e);
          o.Set("accuracy", res->accuracy);
          o.Set("loss", res->loss);
          o.Set("predictions", adopt_i32(e, std::move(res->predictions)));
          return o;
        },
        std::make_shared<std::atomic<bool>>(false), Napi::Function());
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value VitFeatures(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const VitConfig c = to_vit_config(info[0]);
    auto L = std::make_shared<Layout>(make_layout(c, LoraConfig{}));
    auto P = std::make_shared<std::vector<float>>(to_f32(info[1], "params"));
    check_params(*L, *P, "params");
    auto x = std::make_shared<std::vector<float>>(to_f32(info[2], "x"));
    if (x->size() % c.pixels() != 0) throw std::invalid_argument("x length must be a multiple of image*image*channels");
    const int n = static_cast<int>(x->size() / c.pixels());
    const int threads = to_threads(info[3]);
    auto out = std::make_shared<std::vector<float>>();
    auto* w = new VitWorker(
        env, [=](const TrainControl&) { *out = extract_features(*L, P->data(), x->data(), n, threads); },
        [=](Napi::Env e) -> Napi::Value { return adopt_f32(e, std::move(*out)); },
        std::make_shared<std::atomic<bool>>(false), Napi::Function());
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value VitGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const VitConfig c = to_vit_config(info[0]);
    auto L = std::make_shared<Layout>(make_layout(c, to_lora(info[1])));
    auto P = std::make_shared<std::vector<float>>(to_f32(info[2], "params"));
    check_params(*L, *P, "params");
    auto d = std::make_shared<Data>();
    d->x = to_f32(info[3], "x");
    d->y = to_i32(info[4], "y");
    if (d->x.size() != d->y.size() * (size_t)c.pixels()) throw std::invalid_argument("x must hold image*image*channels values per label");
    validate_data(c, d->view(), "data");
    if (!info[5].IsObject()) throw std::invalid_argument("trainable must be an object {base, head, lora}");
    const Trainable tr = to_trainable(info[5].As<Napi::Object>(), "trainable");
    const int threads = to_threads(info[6]);
    auto res = std::make_shared<LossGradient>();
    auto* w = new VitWorker(
        env, [=](const TrainControl&) { *res = loss_gradient(*L, P->data(), d->view(), tr, threads); },
        [=](Napi::Env e) -> Napi::Value {
          Napi::Object o = Napi::Object::New(e);
          o.Set("loss", res->loss);
          o.Set("grad", adopt_f32(e, std::move(res->grad)));
          return o;
        },
        std::make_shared<std::atomic<bool>>(false), Napi::Function());
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value VitAttentionEntropy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const VitConfig c = to_vit_config(info[0]);
    auto L = std::make_shared<Layout>(make_layout(c, LoraConfig{}));
    auto P = std::make_shared<std::vector<float>>(to_f32(info[1], "params"));
    check_params(*L, *P, "params");
    auto x = std::make_shared<std::vector<float>>(to_f32(info[2], "x"));
    if (x->empty() || x->size() % c.pixels() != 0) throw std::invalid_argument("x must hold whole images (image*image*channels values each)");
    const int n = static_cast<int>(x->size() / c.pixels());
    const int threads = to_threads(info[3]);
    auto out = std::make_shared<std::vector<double>>();
    auto* w = new VitWorker(
        env, [=](const TrainControl&) { *out = attention_entropy(*L, P->data(), x->data(), n, threads); },
        [=](Napi::Env e) -> Napi::Value { return adopt(e, std::move(*out)); },
        std::make_shared<std::atomic<bool>>(false), Napi::Function());
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value VitTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsObject()) throw std::invalid_argument("vitTrain(spec, onProgress?): spec must be an object");
    const auto o = info[0].As<Napi::Object>();
    auto spec = std::make_shared<TrainSpec>();
    spec->cfg = to_vit_config(o.Get("config"));
    spec->lora = to_lora(o.Get("lora"));
    spec->trainable = to_trainable(get_object(o, "trainable", "spec"), "spec.trainable");
    if (has(o, "sampling")) {
      const std::string sampling = get_string(o, "sampling", "spec");
      if (sampling == "one-pass") spec->sampling = Sampling::OnePass;
      else if (sampling != "epochs") throw std::invalid_argument("spec.sampling must be 'epochs' or 'one-pass'");
    }
    if (has(o, "maxShift")) spec->max_shift = int_field(o, "maxShift", "spec");
    if (has(o, "shiftFill")) spec->shift_fill = static_cast<float>(get_number(o, "shiftFill", "spec"));
    if (has(o, "stopOnDivergence")) spec->stop_on_divergence = get_bool(o, "stopOnDivergence", "spec");
    if (has(o, "recordDraws")) spec->record_draws = get_bool(o, "recordDraws", "spec");
    spec->optim = to_optim(o.Get("optimizer"));
    spec->batch = int_field(o, "batch", "spec");
    spec->steps = get_int(o, "steps", "spec");
    spec->eval_every = int_field(o, "evalEvery", "spec");
    spec->stop_accuracy = get_number(o, "stopAccuracy", "spec");
    const Napi::Value snaps = o.Get("snapshotSteps");
    if (snaps.IsArray()) {
      const auto a = snaps.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) spec->snapshot_steps.push_back(a.Get(i).As<Napi::Number>().Int64Value());
    }
    const Napi::Value evs = o.Get("evalSteps");
    if (evs.IsArray()) {
      const auto a = evs.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) spec->eval_steps.push_back(a.Get(i).As<Napi::Number>().Int64Value());
    }
    spec->seed = static_cast<uint64_t>(get_int(o, "seed", "spec"));
    spec->threads = to_threads(o.Get("threads"));
    auto params = std::make_shared<std::vector<float>>(to_f32(o.Get("params"), "spec.params"));
    const Layout L = make_layout(spec->cfg, spec->lora);
    check_params(L, *params, "spec.params");
    auto train_d = std::make_shared<Data>(to_data(o.Get("train"), spec->cfg, "spec.train"));
    auto test_d = std::make_shared<Data>(to_data(o.Get("test"), spec->cfg, "spec.test"));
    spec->train = train_d->view();
    spec->test = test_d->view();
    validate_data(spec->cfg, spec->train, "spec.train");
    validate_data(spec->cfg, spec->test, "spec.test");
    Napi::Function progress;
    if (info.Length() > 1 && info[1].IsFunction()) progress = info[1].As<Napi::Function>();
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    auto res = std::make_shared<TrainResult>();
    auto* w = new VitWorker(
        env,
        [=](const TrainControl& ctl) {
          (void)train_d;
          (void)test_d;
          *res = train(*spec, std::move(*params), ctl);
        },
        [=](Napi::Env e) -> Napi::Value {
          Napi::Object out = Napi::Object::New(e);
          std::vector<double> steps(res->eval_step.begin(), res->eval_step.end());
          out.Set("evalStep", adopt(e, std::move(steps)));
          out.Set("testAccuracy", adopt(e, std::move(res->test_accuracy)));
          out.Set("testLoss", adopt(e, std::move(res->test_loss)));
          out.Set("trainLoss", adopt(e, std::move(res->train_loss)));
          out.Set("params", adopt_f32(e, std::move(res->params)));
          Napi::Array snaps_out = Napi::Array::New(e, res->snapshots.size());
          for (size_t i = 0; i < res->snapshots.size(); ++i) {
            Napi::Object s = Napi::Object::New(e);
            s.Set("step", Napi::Number::New(e, static_cast<double>(res->snapshot_step[i])));
            s.Set("params", adopt_f32(e, std::move(res->snapshots[i])));
            snaps_out.Set(static_cast<uint32_t>(i), s);
          }
          out.Set("snapshots", snaps_out);
          out.Set("stepsDone", Napi::Number::New(e, static_cast<double>(res->steps_done)));
          out.Set("divergedAt", Napi::Number::New(e, static_cast<double>(res->diverged_at)));
          std::vector<double> draws(res->draws.begin(), res->draws.end());
          out.Set("draws", adopt(e, std::move(draws)));
          out.Set("cancelled", Napi::Boolean::New(e, res->cancelled));
          return out;
        },
        cancel, progress);
    Napi::Object handle = Napi::Object::New(env);
    handle.Set("promise", w->promise());
    handle.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo&) { cancel->store(true); }));
    w->Queue();
    return handle;
  });
}

}  // namespace loradyn_addon
