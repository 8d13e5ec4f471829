// The practitioners' options of the config (model/practice.hpp): absent fields keep the
// paper's recipe, so configs written before them convert exactly as they did.
#include <stdexcept>

#include "convert.hpp"

namespace loradyn_addon {
using namespace loradyn;

namespace {

// A number field that may be absent (undefined): then `fallback`.
double optional_number(const Napi::Object& o, const char* key, const std::string& path, double fallback) {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) throw std::invalid_argument(path + "." + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

OptimizerConfig to_optimizer(const Napi::Value& v) {
  OptimizerConfig o;
  if (v.IsUndefined() || v.IsNull()) return o;
  if (v.IsString()) {
    if (v.As<Napi::String>().Utf8Value() == "sgd") return o;
  } else if (v.IsObject()) {
    const Napi::Object obj = v.As<Napi::Object>();
    const std::string kind = obj.Get("kind").IsString() ? obj.Get("kind").As<Napi::String>().Utf8Value() : "";
    if (kind == "sgd") return o;
    if (kind == "momentum") {
      o.kind = OptimizerKind::Momentum;
      o.beta = optional_number(obj, "beta", "train.optimizer", o.beta);
      return o;
    }
    if (kind == "adam") {
      o.kind = OptimizerKind::Adam;
      o.beta1 = optional_number(obj, "beta1", "train.optimizer", o.beta1);
      o.beta2 = optional_number(obj, "beta2", "train.optimizer", o.beta2);
      o.eps = optional_number(obj, "eps", "train.optimizer", o.eps);
      return o;
    }
  }
  throw std::invalid_argument(
      "train.optimizer: must be \"sgd\", { kind: \"momentum\", beta } or { kind: \"adam\", beta1, beta2, eps }");
}

}  // namespace

void read_practice_fields(const Napi::Object& cfg, RunConfig& c) {
  const Napi::Object tr = get_object(cfg, "train", "config");
  c.train.optimizer = to_optimizer(tr.Get("optimizer"));
  c.train.weight_decay = optional_number(tr, "weightDecay", "train", 0.0);
  c.train.lr_ratio = optional_number(tr, "lrRatio", "train", 1.0);
  const Napi::Object m = get_object(cfg, "model", "config");
  const Napi::Value ad = m.Get("adapter");
  if (ad.IsString() && ad.As<Napi::String>().Utf8Value() == "full") c.model.adapter = Adapter::Full;
  else if (!(ad.IsUndefined() || ad.IsNull() || (ad.IsString() && ad.As<Napi::String>().Utf8Value() == "lora")))
    throw std::invalid_argument("model.adapter: must be \"lora\" or \"full\"");
  const Napi::Object rc = get_object(cfg, "record", "config");
  const Napi::Value lt = rc.Get("lossThresholds");
  if (!(lt.IsUndefined() || lt.IsNull())) c.record.loss_thresholds = to_doubles(lt, "record.lossThresholds");
}

}  // namespace loradyn_addon
