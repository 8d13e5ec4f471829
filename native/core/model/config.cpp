#include "config.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "../gauss/gauss_hermite.hpp"
#include "practice.hpp"

namespace loradyn {

double committee_readout(const ModelConfig& m) {
  if (m.hidden <= 1) return 1.0;
  const GaussRule& r = gauss_hermite_rule(64);
  double mean = 0;
  for (size_t i = 0; i < r.x.size(); ++i) mean += r.w[i] * m.activation.value(r.x[i]);
  const bool zero_mean = std::fabs(mean) < 1e-10;
  return zero_mean ? 1.0 / std::sqrt(static_cast<double>(m.hidden)) : 1.0 / m.hidden;
}

double effective_eta(const RunConfig& c) {
  if (!c.train.hermite_rescale) return c.train.eta;
  return c.train.eta / hermite_rescale_divisor(c.model.activation.max_hermite_order());
}

double effective_u0(const ModelConfig& m) {
  return m.u0 >= 0 ? m.u0 : 1.0 / (static_cast<double>(m.d) * static_cast<double>(m.d));
}

namespace {
std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}
bool all_finite(const std::vector<double>& v, size_t* bad) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) {
      *bad = i;
      return false;
    }
  return true;
}
}  // namespace

void model_issues(const RunConfig& c, std::vector<ConfigIssue>& out) {
  const auto& m = c.model;
  auto add = [&](const char* path, std::string msg) { out.push_back({path, std::move(msg)}); };
  const std::string d = std::to_string(m.d);
  if (m.d < 1) add("model.d", "must be an integer >= 1 (got " + d + ")");
  if (m.hidden < 1 || (m.d >= 1 && m.hidden > m.d))
    add("model.hidden",
        "must be in [1, model.d = " + d + "] (teacher rows are orthonormal; got " + std::to_string(m.hidden) + ")");
  if (m.rank < 1 || (m.d >= 1 && m.rank > m.d))
    add("model.rank", "must be in [1, model.d = " + d + "] (got " + std::to_string(m.rank) + ")");
  if (m.hidden >= 1 && static_cast<int64_t>(m.mu.size()) != m.hidden)
    add("model.pretrained.mu",
        "needs one value per hidden unit (" + std::to_string(m.hidden) + "), got " + std::to_string(m.mu.size()));
  for (double v : m.mu)
    if (!(v >= 0 && v <= 1)) {
      add("model.pretrained.mu", "must be in [0, 1] (got " + num(v) + ")");
      break;
    }
  if (m.pretrained == Pretrained::Scratch && m.rank != m.hidden)
    add("model.rank", "scratch trains W = V directly, so rank must equal hidden (" + std::to_string(m.hidden) + ")");
  size_t bad = 0;
  if (m.pretrained == Pretrained::Given) {
    const int64_t want = static_cast<int64_t>(m.hidden) * m.d;
    if (m.w0.empty())
      add("model.pretrained.w0", "is required when kind is \"given\"");
    else if (static_cast<int64_t>(m.w0.size()) != want)
      add("model.pretrained.w0",
          "must hold hidden x d = " + std::to_string(want) + " numbers (got " + std::to_string(m.w0.size()) + ")");
    else if (!all_finite(m.w0, &bad))
      add("model.pretrained.w0", "must be finite (entry " + std::to_string(bad) + " is " + num(m.w0[bad]) + ")");
  } else if (!m.w0.empty()) {
    add("model.pretrained.w0", "is only allowed when kind is \"given\"");
  }
  if (!m.init_u.empty()) {
    if (static_cast<int64_t>(m.init_u.size()) != static_cast<int64_t>(m.hidden) * m.rank)
      add("model.init.u",
          "must hold hidden x rank = " + std::to_string(static_cast<int64_t>(m.hidden) * m.rank) + " numbers");
    else if (!all_finite(m.init_u, &bad))
      add("model.init.u", "must be finite (entry " + std::to_string(bad) + " is " + num(m.init_u[bad]) + ")");
  }
  if (!m.init_v.empty()) {
    if (static_cast<int64_t>(m.init_v.size()) != static_cast<int64_t>(m.rank) * m.d)
      add("model.init.v", "must hold rank x d = " + std::to_string(static_cast<int64_t>(m.rank) * m.d) + " numbers");
    else if (!all_finite(m.init_v, &bad))
      add("model.init.v", "must be finite (entry " + std::to_string(bad) + " is " + num(m.init_v[bad]) + ")");
  }
  if (m.u0 != -1 && !(m.u0 >= 0 && std::isfinite(m.u0)))
    add("model.u0", "must be a finite number >= 0 (or null for 1/d^2)");
  if (!(m.noise >= 0) || !std::isfinite(m.noise)) add("model.noise", "must be a finite number >= 0");
  if (c.train.batch < 1) add("train.batch", "must be an integer >= 1 (got " + std::to_string(c.train.batch) + ")");
  if (!(c.train.eta > 0) || !std::isfinite(c.train.eta)) add("train.eta", "must be a finite number > 0");
  if (c.train.steps < 0) add("train.steps", "must be an integer >= 0");
  if (c.record.points < 2) add("record.points", "must be an integer >= 2");
  for (double th : c.record.thresholds)
    if (!(th > 0 && th <= 1)) {
      add("record.thresholds", "thresholds must be in (0, 1] (got " + num(th) + ")");
      break;
    }
  if (!(c.record.stop_at >= 0 && c.record.stop_at <= 1)) add("record.stopAt", "must be in (0, 1] or null");
  if (c.record.dense < 0 || c.record.dense > 100000000)
    add("record.dense", "must be an integer in [1, 1e8] (every step up to it is recorded) or absent");
  practice_issues(c, out);
}

}  // namespace loradyn
