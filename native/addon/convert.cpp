#include "convert.hpp"

#include <stdexcept>

namespace loradyn_addon {
using namespace loradyn;

namespace {
[[noreturn]] void type_error(const std::string& path, const char* what) {
  throw std::invalid_argument(path + " must be " + what);
}
}  // namespace

double get_number(const Napi::Object& o, const char* key, const std::string& path) {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber()) type_error(path + "." + key, "a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t get_int(const Napi::Object& o, const char* key, const std::string& path) {
  const double x = get_number(o, key, path);
  if (x != static_cast<double>(static_cast<int64_t>(x))) type_error(path + "." + key, "an integer");
  return static_cast<int64_t>(x);
}

bool get_bool(const Napi::Object& o, const char* key, const std::string& path) {
  const Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) type_error(path + "." + key, "a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string get_string(const Napi::Object& o, const char* key, const std::string& path) {
  const Napi::Value v = o.Get(key);
  if (!v.IsString()) type_error(path + "." + key, "a string");
  return v.As<Napi::String>().Utf8Value();
}

Napi::Object get_object(const Napi::Object& o, const char* key, const std::string& path) {
  const Napi::Value v = o.Get(key);
  if (!v.IsObject()) type_error(path + "." + key, "an object");
  return v.As<Napi::Object>();
}

std::vector<double> to_doubles(const Napi::Value& v, const std::string& path) {
  std::vector<double> out;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    const auto a = v.As<Napi::Float64Array>();
    out.assign(a.Data(), a.Data() + a.ElementLength());
    return out;
  }
  if (!v.IsArray()) type_error(path, "an array of numbers");
  const auto a = v.As<Napi::Array>();
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const Napi::Value e = a.Get(i);
    if (!e.IsNumber()) type_error(path + "[" + std::to_string(i) + "]", "a number");
    out.push_back(e.As<Napi::Number>().DoubleValue());
  }
  return out;
}

Activation to_activation(const Napi::Value& v, const std::string& path) {
  try {
    if (v.IsString()) return Activation::parse(v.As<Napi::String>().Utf8Value());
    if (v.IsObject()) {
      const auto o = v.As<Napi::Object>();
      if (o.Has("hermite")) return Activation::from_hermite(to_doubles(o.Get("hermite"), path + ".hermite"));
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
  type_error(path, "an activation name or { hermite: [c0, c1, ...] }");
}

RunConfig to_run_config(const Napi::Object& cfg) {
  RunConfig c;
  const Napi::Object m = get_object(cfg, "model", "config");
  c.model.activation = to_activation(m.Get("activation"), "model.activation");
  const Napi::Value t = m.Get("teacher");
  if (t.IsString() && t.As<Napi::String>().Utf8Value() == "same") {
    c.model.teacher.act = c.model.activation;
  } else if (t.IsString() && t.As<Napi::String>().Utf8Value() == "square") {
    c.model.teacher.act = c.model.activation;
    c.model.teacher.squared = true;
  } else {
    c.model.teacher.act = to_activation(t, "model.teacher");
  }
  c.model.d = get_int(m, "d", "model");
  c.model.rank = static_cast<int>(get_int(m, "rank", "model"));
  c.model.hidden = static_cast<int>(get_int(m, "hidden", "model"));
  const Napi::Object p = get_object(m, "pretrained", "model");
  const std::string kind = get_string(p, "kind", "model.pretrained");
  if (kind == "aligned") c.model.pretrained = Pretrained::Aligned;
  else if (kind == "misaligned") c.model.pretrained = Pretrained::Misaligned;
  else if (kind == "scratch") c.model.pretrained = Pretrained::Scratch;
  else if (kind == "given") c.model.pretrained = Pretrained::Given;
  else throw std::invalid_argument("model.pretrained.kind must be aligned, misaligned, scratch or given");
  const Napi::Value mu = p.Get("mu");
  if (mu.IsNumber()) c.model.mu.assign(c.model.hidden, mu.As<Napi::Number>().DoubleValue());
  else c.model.mu = to_doubles(mu, "model.pretrained.mu");
  if (c.model.pretrained == Pretrained::Given) c.model.w0 = to_doubles(p.Get("w0"), "model.pretrained.w0");
  const Napi::Value u0 = m.Get("u0");
  c.model.u0 = u0.IsNumber() ? u0.As<Napi::Number>().DoubleValue() : -1.0;
  c.model.spherical = get_bool(m, "spherical", "model");
  c.model.noise = get_number(m, "noise", "model");
  const Napi::Value init = m.Get("init");
  if (init.IsObject()) {
    const auto io = init.As<Napi::Object>();
    if (io.Has("u") && !io.Get("u").IsUndefined()) c.model.init_u = to_doubles(io.Get("u"), "model.init.u");
    if (io.Has("v") && !io.Get("v").IsUndefined()) c.model.init_v = to_doubles(io.Get("v"), "model.init.v");
  }
  const Napi::Object tr = get_object(cfg, "train", "config");
  c.train.batch = get_int(tr, "batch", "train");
  c.train.eta = get_number(tr, "eta", "train");
  c.train.steps = get_int(tr, "steps", "train");
  c.train.hermite_rescale = get_bool(tr, "hermiteRescale", "train");
  read_practice_fields(cfg, c);
  const Napi::Object rc = get_object(cfg, "record", "config");
  c.record.points = static_cast<int>(get_int(rc, "points", "record"));
  c.record.thresholds = to_doubles(rc.Get("thresholds"), "record.thresholds");
  const Napi::Value fin = rc.Get("final");
  c.record.final_state = fin.IsBoolean() && fin.As<Napi::Boolean>().Value();
  const Napi::Value stop = rc.Get("stopAt");
  c.record.stop_at = stop.IsNumber() ? stop.As<Napi::Number>().DoubleValue() : 0.0;
  return c;
}

std::vector<uint64_t> to_seeds(const Napi::Value& v) {
  const std::vector<double> s = to_doubles(v, "seeds");
  std::vector<uint64_t> out;
  out.reserve(s.size());
  for (double x : s) {
    if (!(x >= 0) || x > 9007199254740991.0 || x != static_cast<double>(static_cast<uint64_t>(x)))
      throw std::invalid_argument("seeds must be integers in [0, 2^53)");
    out.push_back(static_cast<uint64_t>(x));
  }
  return out;
}

Napi::Float64Array adopt(Napi::Env env, std::vector<double>&& v) {
  auto* owned = new std::vector<double>(std::move(v));
  const size_t n = owned->size();
  if (n == 0) {
    delete owned;
    return Napi::Float64Array::New(env, 0);
  }
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(
      env, owned->data(), n * sizeof(double),
      [](Napi::Env, void*, std::vector<double>* hint) { delete hint; }, owned);
  return Napi::Float64Array::New(env, n, buf, 0);
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
    esc.Set(static_cast<uint32_t>(i), r.escape[i] < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(r.escape[i])));
  o.Set("escape", esc);
  if (!r.loss_escape.empty()) {
    Napi::Array le = Napi::Array::New(env, r.loss_escape.size());
    for (size_t i = 0; i < r.loss_escape.size(); ++i)
      le.Set(static_cast<uint32_t>(i), r.loss_escape[i] < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(r.loss_escape[i])));
    o.Set("lossEscape", le);
  }
  o.Set("stepsDone", Napi::Number::New(env, static_cast<double>(r.steps_done)));
  o.Set("divergedStep", r.diverged_step < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(r.diverged_step)));
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
