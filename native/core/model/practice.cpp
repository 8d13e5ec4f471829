#include "practice.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace loradyn {
namespace {

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

[[noreturn]] void fail(const std::string& path, const std::string& msg) {
  throw std::invalid_argument(path + ": " + msg);
}

bool in_unit(double x) { return x >= 0 && x < 1; }

}  // namespace

bool uses_practice_options(const RunConfig& c) {
  return c.train.optimizer.kind != OptimizerKind::Sgd || c.train.weight_decay != 0 ||
         c.train.lr_ratio != 1 || c.model.adapter != Adapter::Lora;
}

std::string cpu_only_field(const RunConfig& c) {
  if (c.train.optimizer.kind != OptimizerKind::Sgd) return "train.optimizer";
  if (c.train.weight_decay != 0) return "train.weightDecay";
  if (c.train.lr_ratio != 1) return "train.lrRatio";
  if (c.model.adapter != Adapter::Lora) return "model.adapter";
  if (!c.record.loss_thresholds.empty()) return "record.lossThresholds";
  return "";
}

void validate_practice(const RunConfig& c) {
  const OptimizerConfig& o = c.train.optimizer;
  if (o.kind == OptimizerKind::Momentum && !in_unit(o.beta))
    fail("train.optimizer.beta", "must be in [0, 1) (got " + num(o.beta) + ")");
  if (o.kind == OptimizerKind::Adam) {
    if (!in_unit(o.beta1)) fail("train.optimizer.beta1", "must be in [0, 1) (got " + num(o.beta1) + ")");
    if (!in_unit(o.beta2)) fail("train.optimizer.beta2", "must be in [0, 1) (got " + num(o.beta2) + ")");
    if (!(o.eps > 0) || !std::isfinite(o.eps))
      fail("train.optimizer.eps", "must be a finite number > 0 (got " + num(o.eps) + ")");
  }
  if (!(c.train.weight_decay >= 0) || !std::isfinite(c.train.weight_decay))
    fail("train.weightDecay", "must be a finite number >= 0 (got " + num(c.train.weight_decay) + ")");
  if (!(c.train.lr_ratio > 0) || !std::isfinite(c.train.lr_ratio))
    fail("train.lrRatio", "must be a finite number > 0 (got " + num(c.train.lr_ratio) + ")");
  for (double f : c.record.loss_thresholds)
    if (!(f > 0 && f < 1)) fail("record.lossThresholds", "fractions must be in (0, 1) (got " + num(f) + ")");
  if (c.model.adapter == Adapter::Full) {
    const ModelConfig& m = c.model;
    if (m.pretrained == Pretrained::Scratch)
      fail("model.adapter", "\"full\" fine-tunes a pre-trained w0; kind \"scratch\" has none (use adapter \"lora\" for the scratch baseline)");
    if (m.rank != m.hidden)
      fail("model.rank", "adapter \"full\" trains one delta row per hidden unit: rank must equal hidden (" +
                             std::to_string(m.hidden) + ")");
    if (m.u0 >= 0) fail("model.u0", "has no meaning with adapter \"full\" (there is no U); leave it null");
    if (!m.init_u.empty()) fail("model.init.u", "has no meaning with adapter \"full\" (there is no U)");
  }
}

void check_practice_reduced(const RunConfig& c) {
  if (c.train.optimizer.kind == OptimizerKind::Adam)
    fail("train.optimizer", "engine \"reduced\" cannot run adam: Adam acts coordinate by coordinate, so its law is not "
                            "rotation invariant and no d-free reduction exists; use engine \"full\"");
  const std::string f = cpu_only_field(c);
  if (!f.empty() && f != "record.lossThresholds")
    fail(f, "engine \"reduced\" does not run this option yet; use engine \"full\"");
}

void check_practice_ode(const RunConfig& c) {
  if (c.train.optimizer.kind == OptimizerKind::Adam)
    fail("train.optimizer", "engine \"ode\" cannot run adam: Adam acts coordinate by coordinate, so the overlaps do not "
                            "close into an ODE; use engine \"full\"");
}

}  // namespace loradyn
