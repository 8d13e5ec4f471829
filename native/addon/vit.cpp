// N-API glue for the vision transformer: converts JS objects and typed arrays into the core's
// structs (copied, so the worker thread never touches JS memory), runs long calls as Jobs
// (worker.hpp), and hands results back as typed arrays without copying.
#include "vit.hpp"

#include <atomic>
#include <memory>
#include <string>

#include "../core/util/parallel.hpp"
#include "../core/vit/grad_check.hpp"
#include "../core/vit/measure.hpp"
#include "../core/vit/trainer.hpp"
#include "args.hpp"
#include "errors.hpp"
#include "worker.hpp"

namespace loradyn_addon {
using namespace loradyn::vit;

namespace {

// A core validation error of the ViT (std::invalid_argument) names this context.
constexpr const char* kContext = "vit";

int int_field(const Arg& a) { return static_cast<int>(a.integer(-2147483647, 2147483647)); }

VitConfig to_vit_config(const Arg& o) {
  VitConfig c;
  c.image = int_field(o["image"]);
  c.channels = int_field(o["channels"]);
  c.patch = int_field(o["patch"]);
  c.width = int_field(o["width"]);
  c.depth = int_field(o["depth"]);
  c.heads = int_field(o["heads"]);
  c.mlp = int_field(o["mlp"]);
  c.classes = int_field(o["classes"]);
  validate_vit_config(c);
  return c;
}

LoraConfig to_lora(const Arg& o) {
  LoraConfig l;
  if (o.missing()) return l;
  l.rank = int_field(o["rank"]);
  l.alpha = o["alpha"].number();
  const Arg t = o["targets"];
  std::string csv;
  for (uint32_t i = 0; i < t.length(); ++i) csv += t.at(i).string() + ",";
  l.targets = parse_lora_targets(csv);
  validate_lora_config(l);
  return l;
}

OptimConfig to_optim(const Arg& o) {
  OptimConfig c;
  const Arg k = o["kind"];
  const std::string kind = k.string();
  if (kind == "sgd")
    c.kind = OptimKind::Sgd;
  else if (kind == "adamw")
    c.kind = OptimKind::AdamW;
  else
    k.fail("must be 'sgd' or 'adamw' (got '" + kind + "')");
  c.lr = o["lr"].number();
  c.momentum = o["momentum"].number();
  c.beta1 = o["beta1"].number();
  c.beta2 = o["beta2"].number();
  c.eps = o["eps"].number();
  c.weight_decay = o["weightDecay"].number();
  validate_optim_config(c);
  return c;
}

int to_threads(const Arg& a) {
  const int64_t t = a.integer_or(0, 0, 4096);
  return t > 0 ? static_cast<int>(t) : loradyn::hardware_threads();
}

std::vector<int64_t> to_steps(const Arg& a) {
  std::vector<int64_t> out;
  if (a.missing()) return out;
  for (uint32_t i = 0; i < a.length(); ++i) out.push_back(a.at(i).integer(0, Arg::kMaxSafe));
  return out;
}

// Images and labels owned by a worker.
struct Data {
  std::vector<float> x;
  std::vector<int> y;
  DataView view() const { return {x.data(), y.data(), static_cast<int>(y.size())}; }
};

Data to_data(const Arg& o, const VitConfig& c) {
  Data d;
  d.x = o["x"].floats();
  d.y = o["y"].ints();
  if (d.x.size() != d.y.size() * (size_t)c.pixels())
    o["x"].fail("must hold " + std::to_string(c.pixels()) + " values per label (got " + std::to_string(d.x.size()) +
                " for " + std::to_string(d.y.size()) + " labels)");
  return d;
}

Trainable to_trainable(const Arg& tr) {
  Trainable t;
  t.base = tr["base"].boolean();
  t.head = tr["head"].boolean();
  t.lora = tr["lora"].boolean();
  return t;
}

void check_params(const Layout& L, const std::vector<float>& p, const Arg& a) {
  if (p.size() != L.total)
    a.fail("has " + std::to_string(p.size()) + " values; this config and lora need " + std::to_string(L.total));
}

// The (config, params, x, threads) arguments of a call on a batch of images (features, attention
// entropy), checked: x must hold whole images, and at least one when `need_one`.
struct ImageBatchCall {
  std::shared_ptr<Layout> L;
  std::shared_ptr<std::vector<float>> P, x;
  int n = 0, threads = 1;
};
ImageBatchCall image_batch_call(const Napi::CallbackInfo& info, bool need_one) {
  const VitConfig c = to_vit_config(Arg::of(info, 0, "config"));
  ImageBatchCall call;
  call.L = std::make_shared<Layout>(make_layout(c, LoraConfig{}));
  const Arg pa = Arg::of(info, 1, "params"), xa = Arg::of(info, 2, "x");
  call.P = std::make_shared<std::vector<float>>(pa.floats());
  check_params(*call.L, *call.P, pa);
  call.x = std::make_shared<std::vector<float>>(xa.floats());
  if ((need_one && call.x->empty()) || call.x->size() % c.pixels() != 0)
    xa.fail("must hold whole images (image*image*channels values each)");
  call.n = static_cast<int>(call.x->size() / c.pixels());
  call.threads = to_threads(Arg::of(info, 3, "threads"));
  return call;
}
}  // namespace

Napi::Value VitLayout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const Layout L = make_layout(to_vit_config(Arg::of(info, 0, "config")), to_lora(Arg::of(info, 1, "lora")));
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
      },
      kContext);
}

Napi::Value VitInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const Layout L = make_layout(to_vit_config(Arg::of(info, 0, "config")), to_lora(Arg::of(info, 1, "lora")));
        const uint64_t seed = Arg::of(info, 2, "seed").seed();
        std::vector<float> P = init_params(L, seed);
        const Arg b = Arg::of(info, 3, "bSize");
        if (!b.missing()) init_lora_b(L, seed, b.finite(), P.data());
        return adopt(env, std::move(P));
      },
      kContext);
}

Napi::Value VitForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const VitConfig c = to_vit_config(Arg::of(info, 0, "config"));
        const Layout L = make_layout(c, to_lora(Arg::of(info, 1, "lora")));
        const Arg pa = Arg::of(info, 2, "params"), xa = Arg::of(info, 3, "images");
        const std::vector<float> P = pa.floats();
        check_params(L, P, pa);
        const std::vector<float> x = xa.floats();
        if (x.size() % c.pixels() != 0) xa.fail("length must be a multiple of image*image*channels");
        const int n = static_cast<int>(x.size() / c.pixels());
        std::vector<float> logits((size_t)n * c.classes);
        const int chunk = 16;
        for (int s = 0; s < n; s += chunk) {
          Workspace<float> ws;
          const int m = std::min(chunk, n - s);
          forward_backward<float>(L, P.data(), m, x.data() + (size_t)s * c.pixels(), nullptr, 1.0f, ws, nullptr,
                                  Trainable{}, nullptr);
          std::copy(ws.logits.begin(), ws.logits.begin() + (size_t)m * c.classes,
                    logits.begin() + (size_t)s * c.classes);
        }
        return adopt(env, std::move(logits));
      },
      kContext);
}

Napi::Value VitMerge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const Layout L = make_layout(to_vit_config(Arg::of(info, 0, "config")), to_lora(Arg::of(info, 1, "lora")));
        const Arg pa = Arg::of(info, 2, "params");
        const std::vector<float> P = pa.floats();
        check_params(L, P, pa);
        return adopt(env, merge_lora<float>(L, P.data()));
      },
      kContext);
}

Napi::Value VitGradCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const uint64_t seed = static_cast<uint64_t>(Arg::of(info, 0, "seed").integer_or(1, 0, Arg::kMaxSafe));
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
      },
      kContext);
}

Napi::Value VitEvaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const VitConfig c = to_vit_config(Arg::of(info, 0, "config"));
        auto L = std::make_shared<Layout>(make_layout(c, to_lora(Arg::of(info, 1, "lora"))));
        const Arg pa = Arg::of(info, 2, "params");
        auto P = std::make_shared<std::vector<float>>(pa.floats());
        check_params(*L, *P, pa);
        auto d = std::make_shared<Data>();
        const Arg xa = Arg::of(info, 3, "x");
        d->x = xa.floats();
        d->y = Arg::of(info, 4, "y").ints();
        if (d->x.size() != d->y.size() * (size_t)c.pixels()) xa.fail("must hold image*image*channels values per label");
        validate_data(c, d->view(), "data");
        const int threads = to_threads(Arg::of(info, 5, "threads"));
        JobOptions opt;
        opt.context = kContext;
        return Job<EvalResult>::start(
            env, "loradyn.vit", [=](JobControl&) { return evaluate(*L, P->data(), d->view(), threads); },
            [](Napi::Env e, EvalResult& res) -> Napi::Value {
              Napi::Object o = Napi::Object::New(e);
              o.Set("accuracy", res.accuracy);
              o.Set("loss", res.loss);
              o.Set("predictions", adopt(e, std::move(res.predictions)));
              return o;
            },
            opt);
      },
      kContext);
}

Napi::Value VitFeatures(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const ImageBatchCall a = image_batch_call(info, false);
        JobOptions opt;
        opt.context = kContext;
        return Job<std::vector<float>>::start(
            env, "loradyn.vit",
            [a](JobControl&) { return extract_features(*a.L, a.P->data(), a.x->data(), a.n, a.threads); },
            [](Napi::Env e, std::vector<float>& out) -> Napi::Value { return adopt(e, std::move(out)); }, opt);
      },
      kContext);
}

Napi::Value VitGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const VitConfig c = to_vit_config(Arg::of(info, 0, "config"));
        auto L = std::make_shared<Layout>(make_layout(c, to_lora(Arg::of(info, 1, "lora"))));
        const Arg pa = Arg::of(info, 2, "params"), xa = Arg::of(info, 3, "x");
        auto P = std::make_shared<std::vector<float>>(pa.floats());
        check_params(*L, *P, pa);
        auto d = std::make_shared<Data>();
        d->x = xa.floats();
        d->y = Arg::of(info, 4, "y").ints();
        if (d->x.size() != d->y.size() * (size_t)c.pixels()) xa.fail("must hold image*image*channels values per label");
        validate_data(c, d->view(), "data");
        const Trainable tr = to_trainable(Arg::of(info, 5, "trainable"));
        const int threads = to_threads(Arg::of(info, 6, "threads"));
        JobOptions opt;
        opt.context = kContext;
        return Job<LossGradient>::start(
            env, "loradyn.vit", [=](JobControl&) { return loss_gradient(*L, P->data(), d->view(), tr, threads); },
            [](Napi::Env e, LossGradient& res) -> Napi::Value {
              Napi::Object o = Napi::Object::New(e);
              o.Set("loss", res.loss);
              o.Set("grad", adopt(e, std::move(res.grad)));
              return o;
            },
            opt);
      },
      kContext);
}

Napi::Value VitAttentionEntropy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const ImageBatchCall a = image_batch_call(info, true);
        JobOptions opt;
        opt.context = kContext;
        return Job<std::vector<double>>::start(
            env, "loradyn.vit",
            [a](JobControl&) { return attention_entropy(*a.L, a.P->data(), a.x->data(), a.n, a.threads); },
            [](Napi::Env e, std::vector<double>& out) -> Napi::Value { return adopt(e, std::move(out)); }, opt);
      },
      kContext);
}

Napi::Value VitTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(
      env,
      [&]() -> Napi::Value {
        const Arg o = Arg::of(info, 0, "spec");
        auto spec = std::make_shared<TrainSpec>();
        spec->cfg = to_vit_config(o["config"]);
        spec->lora = to_lora(o["lora"]);
        spec->trainable = to_trainable(o["trainable"]);
        const Arg sampling = o["sampling"];
        if (!sampling.missing()) {
          const std::string v = sampling.string();
          if (v == "one-pass")
            spec->sampling = Sampling::OnePass;
          else if (v != "epochs")
            sampling.fail("must be 'epochs' or 'one-pass' (got '" + v + "')");
        }
        spec->max_shift = static_cast<int>(o["maxShift"].integer_or(0, 0, 8));
        spec->shift_fill = static_cast<float>(o["shiftFill"].missing() ? 0.0 : o["shiftFill"].finite());
        spec->stop_on_divergence = o["stopOnDivergence"].boolean_or(false);
        spec->record_draws = o["recordDraws"].boolean_or(false);
        spec->optim = to_optim(o["optimizer"]);
        spec->batch = int_field(o["batch"]);
        spec->steps = o["steps"].integer(-Arg::kMaxSafe, Arg::kMaxSafe);
        spec->eval_every = int_field(o["evalEvery"]);
        spec->stop_accuracy = o["stopAccuracy"].number();
        spec->snapshot_steps = to_steps(o["snapshotSteps"]);
        spec->eval_steps = to_steps(o["evalSteps"]);
        spec->seed = o["seed"].seed();
        spec->threads = to_threads(o["threads"]);
        const Arg pa = o["params"];
        auto params = std::make_shared<std::vector<float>>(pa.floats());
        const Layout L = make_layout(spec->cfg, spec->lora);
        check_params(L, *params, pa);
        auto train_d = std::make_shared<Data>(to_data(o["train"], spec->cfg));
        auto test_d = std::make_shared<Data>(to_data(o["test"], spec->cfg));
        spec->train = train_d->view();
        spec->test = test_d->view();
        validate_data(spec->cfg, spec->train, "spec.train");
        validate_data(spec->cfg, spec->test, "spec.test");
        JobOptions opt;
        opt.cancellable = true;
        opt.context = kContext;
        const Arg progress = Arg::of(info, 1, "onProgress");
        if (!progress.missing()) opt.on_progress = progress.function();
        return Job<TrainResult>::start(
            env, "loradyn.vit",
            [=](JobControl& jc) {
              (void)train_d;  // owned until the work ends
              (void)test_d;
              TrainControl ctl;
              ctl.cancel = &jc.cancel;
              ctl.steps_done = &jc.progress;
              return train(*spec, std::move(*params), ctl);
            },
            [](Napi::Env e, TrainResult& res) -> Napi::Value {
              Napi::Object out = Napi::Object::New(e);
              std::vector<double> steps(res.eval_step.begin(), res.eval_step.end());
              out.Set("evalStep", adopt(e, std::move(steps)));
              out.Set("testAccuracy", adopt(e, std::move(res.test_accuracy)));
              out.Set("testLoss", adopt(e, std::move(res.test_loss)));
              out.Set("trainLoss", adopt(e, std::move(res.train_loss)));
              out.Set("params", adopt(e, std::move(res.params)));
              Napi::Array snaps_out = Napi::Array::New(e, res.snapshots.size());
              for (size_t i = 0; i < res.snapshots.size(); ++i) {
                Napi::Object s = Napi::Object::New(e);
                s.Set("step", Napi::Number::New(e, static_cast<double>(res.snapshot_step[i])));
                s.Set("params", adopt(e, std::move(res.snapshots[i])));
                snaps_out.Set(static_cast<uint32_t>(i), s);
              }
              out.Set("snapshots", snaps_out);
              out.Set("stepsDone", Napi::Number::New(e, static_cast<double>(res.steps_done)));
              out.Set("divergedAt", Napi::Number::New(e, static_cast<double>(res.diverged_at)));
              std::vector<double> draws(res.draws.begin(), res.draws.end());
              out.Set("draws", adopt(e, std::move(draws)));
              out.Set("cancelled", Napi::Boolean::New(e, res.cancelled));
              return out;
            },
            opt);
      },
      kContext);
}

}  // namespace loradyn_addon
