#include "config.hpp"

#include <cmath>
#include <stdexcept>

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

void validate_config(const RunConfig& c) {
  const auto& m = c.model;
  auto fail = [](const std::string& s) { throw std::invalid_argument(s); };
  if (m.d < 1) fail("model.d must be >= 1");
  if (m.hidden < 1) fail("model.hidden must be >= 1");
  if (m.rank < 1 || m.rank > m.d) fail("model.rank must be in [1, model.d]");
  if (m.hidden > m.d) fail("model.hidden must be <= model.d (teacher rows are orthonormal)");
  if (static_cast<int>(m.mu.size()) != m.hidden) fail("model.pretrained.mu must have one value per hidden unit");
  for (double v : m.mu)
    if (!(v >= 0 && v <= 1)) fail("model.pretrained.mu must be in [0, 1]");
  if (m.pretrained == Pretrained::Scratch && m.rank != m.hidden)
    fail("scratch baseline trains W = V directly: model.rank must equal model.hidden");
  if (m.pretrained == Pretrained::Given && static_cast<int64_t>(m.w0.size()) != m.hidden * m.d)
    fail("model.pretrained.w0 must hold hidden x d values");
  if (!m.init_u.empty() && static_cast<int64_t>(m.init_u.size()) != m.hidden * m.rank)
    fail("model.init.u must hold hidden x rank values");
  if (!m.init_v.empty() && static_cast<int64_t>(m.init_v.size()) != m.rank * m.d)
    fail("model.init.v must hold rank x d values");
  if (!(m.noise >= 0) || !std::isfinite(m.noise)) fail("model.noise must be finite and >= 0");
  if (c.train.batch < 1) fail("train.batch must be >= 1");
  if (!(c.train.eta > 0) || !std::isfinite(c.train.eta)) fail("train.eta must be finite and > 0");
  if (c.train.steps < 0) fail("train.steps must be >= 0");
  if (c.record.points < 2) fail("record.points must be >= 2");
  if (!(c.record.stop_at >= 0 && c.record.stop_at <= 1)) fail("record.stopAt must be in (0, 1] or null");
  validate_practice(c);
}

}  // namespace loradyn
