#include "practice.hpp"

#include <cmath>
#include <cstdio>

namespace loradyn {
namespace {

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

bool in_unit(double x) { return x >= 0 && x < 1; }

// The practice options set in c, by config path.
std::vector<std::string> practice_fields(const RunConfig& c) {
  std::vector<std::string> f;
  if (c.train.optimizer.kind != OptimizerKind::Sgd) f.push_back("train.optimizer");
  if (c.train.weight_decay != 0) f.push_back("train.weightDecay");
  if (c.train.lr_ratio != 1) f.push_back("train.lrRatio");
  if (c.model.adapter != Adapter::Lora) f.push_back("model.adapter");
  return f;
}

}  // namespace

bool uses_practice_options(const RunConfig& c) { return !practice_fields(c).empty(); }

std::string cpu_only_field(const RunConfig& c) {
  const std::vector<std::string> f = practice_fields(c);
  if (!f.empty()) return f.front();
  if (!c.record.loss_thresholds.empty()) return "record.lossThresholds";
  return "";
}

void practice_issues(const RunConfig& c, std::vector<ConfigIssue>& out) {
  const OptimizerConfig& o = c.train.optimizer;
  auto add = [&](const char* path, std::string msg) { out.push_back({path, std::move(msg)}); };
  if (o.kind == OptimizerKind::Momentum && !in_unit(o.beta))
    add("train.optimizer.beta", "must be in [0, 1) (got " + num(o.beta) + ")");
  if (o.kind == OptimizerKind::Adam) {
    if (!in_unit(o.beta1)) add("train.optimizer.beta1", "must be in [0, 1) (got " + num(o.beta1) + ")");
    if (!in_unit(o.beta2)) add("train.optimizer.beta2", "must be in [0, 1) (got " + num(o.beta2) + ")");
    if (!(o.eps > 0) || !std::isfinite(o.eps))
      add("train.optimizer.eps", "must be a finite number > 0 (got " + num(o.eps) + ")");
  }
  if (!(c.train.weight_decay >= 0) || !std::isfinite(c.train.weight_decay))
    add("train.weightDecay", "must be a finite number >= 0 (got " + num(c.train.weight_decay) + ")");
  if (!(c.train.lr_ratio > 0) || !std::isfinite(c.train.lr_ratio))
    add("train.lrRatio", "must be a finite number > 0 (got " + num(c.train.lr_ratio) + ")");
  for (double f : c.record.loss_thresholds)
    if (!(f > 0 && f < 1)) {
      add("record.lossThresholds", "fractions must be in (0, 1) (got " + num(f) + ")");
      break;
    }
  if (c.model.adapter == Adapter::Full) {
    const ModelConfig& m = c.model;
    if (m.pretrained == Pretrained::Scratch)
      add("model.adapter",
          "\"full\" fine-tunes a pre-trained w0 and kind \"scratch\" has none (the scratch baseline is adapter "
          "\"lora\")");
    if (m.rank != m.hidden)
      add("model.rank", "adapter \"full\" trains one delta row per hidden unit: rank must equal hidden (" +
                            std::to_string(m.hidden) + ")");
    if (m.u0 >= 0) add("model.u0", "has no meaning with adapter \"full\" (there is no U); leave it null");
    if (!m.init_u.empty()) add("model.init.u", "has no meaning with adapter \"full\" (there is no U)");
  }
}

void practice_reduced_issues(const RunConfig& c, std::vector<ConfigIssue>& out) {
  if (c.train.optimizer.kind == OptimizerKind::Adam) {
    out.push_back(
        {"train.optimizer",
         "engine \"reduced\" cannot run adam: Adam acts coordinate by coordinate, so the law of its trajectory is "
         "not rotation invariant and no d-free reduction exists; use engine \"full\""});
    return;
  }
  if (!uses_practice_options(c)) return;
  // The chain's frame grows by the momentum buffers (reduced/practice_reduced.cpp): the teacher
  // and w0 rows, R = r or 2r moving rows, and the r new directions of a step must fit in R^d.
  const ModelConfig& m = c.model;
  const int64_t f_max =
      (m.pretrained == Pretrained::Aligned || m.pretrained == Pretrained::Scratch) ? m.hidden : 2 * m.hidden;
  const int64_t rows = (c.train.optimizer.kind == OptimizerKind::Momentum ? 2 : 1) * static_cast<int64_t>(m.rank);
  const int64_t need = f_max + rows + m.rank;
  if (m.d < need)
    out.push_back(
        {"model.d",
         "must be >= " + std::to_string(need) +
             " for engine \"reduced\" with these options (the frame of teacher, w0, V rows and "
             "momentum buffers plus the rank new directions of a step must fit in R^d); use engine \"full\""});
  const int64_t per_sample = f_max + rows + (m.noise > 0 ? 1 : 0);
  if (c.train.batch * per_sample >= (int64_t{1} << 32))
    out.push_back(
        {"train.batch", "must be < " + std::to_string((int64_t{1} << 32) / per_sample) +
                            " for engine \"reduced\" with these options (batch x frame coordinates must be < 2^32)"});
}

void practice_ode_issues(const RunConfig& c, std::vector<ConfigIssue>& out) {
  if (c.train.optimizer.kind == OptimizerKind::Adam)
    out.push_back(
        {"train.optimizer",
         "engine \"ode\" cannot run adam: Adam acts coordinate by coordinate, so the law of its trajectory is not "
         "rotation invariant and the overlaps do not close into an ODE; use engine \"full\""});
}

void practice_cuda_issues(const RunConfig& c, std::vector<ConfigIssue>& out) {
  std::vector<std::string> f = practice_fields(c);
  if (!c.record.loss_thresholds.empty()) f.push_back("record.lossThresholds");
  for (const std::string& p : f)
    out.push_back({p,
                   "backend \"cuda\" runs the paper's recipe only (plain SGD on LoRA, no loss thresholds); use backend "
                   "\"cpu\" or \"auto\", which runs this on the CPU"});
}

}  // namespace loradyn
