#include "recorder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "../theory/loss_model.hpp"
#include "population_loss.hpp"

namespace loradyn {

Recorder::Recorder(const RunConfig& cfg, uint64_t seed)
    : cfg_(cfg),
      readout_(committee_readout(cfg.model)),
      grid_(log_step_grid(cfg.train.steps, cfg.record.points, cfg.record.dense)) {
  rec_.seed = seed;
  rec_.rank = cfg.model.rank;
  rec_.hidden = cfg.model.hidden;
  rec_.escape.assign(cfg.record.thresholds.size(), -1);
  const size_t P = grid_.size(), K = cfg.model.hidden, r = cfg.model.rank;
  rec_.step.reserve(P);
  rec_.t.reserve(P);
  rec_.m.reserve(P * r * K);
  rec_.u.reserve(P * r * K);
  rec_.M.reserve(P * K * K);
  rec_.Q.reserve(P * K * K);
  if (!cfg.record.loss_thresholds.empty()) {
    rec_.loss_escape.assign(cfg.record.loss_thresholds.size(), -1);
    loss_model_ = std::make_shared<const LossModel>(cfg.model.activation, cfg.model.teacher, cfg.model.noise);
    loss_pending_ = cfg.record.loss_thresholds.size();
  }
  rec_.pop_loss.reserve(P);
  rec_.batch_loss.reserve(P);
}

bool Recorder::last_point_finite() const {
  const size_t K = cfg_.model.hidden, r = cfg_.model.rank;
  auto finite_tail = [](const std::vector<double>& v, size_t n) {
    for (size_t i = v.size() - std::min(n, v.size()); i < v.size(); ++i)
      if (!std::isfinite(v[i])) return false;
    return true;
  };
  return finite_tail(rec_.m, r * K) && finite_tail(rec_.u, r * K) && finite_tail(rec_.M, K * K) &&
         finite_tail(rec_.Q, K * K);
}

int64_t Recorder::next_step() const {
  return next_ < grid_.size() ? grid_[next_] : std::numeric_limits<int64_t>::max();
}

void Recorder::observe(int64_t step, double max_abs_m) {
  const auto& th = cfg_.record.thresholds;
  for (size_t i = 0; i < th.size(); ++i)
    if (rec_.escape[i] < 0 && max_abs_m >= th[i]) rec_.escape[i] = step;
}

double Recorder::loss_excess(const double* M, const double* Q) const {
  const int K = cfg_.model.hidden;
  for (int i = 0; i < K * K; ++i)
    if (!std::isfinite(M[i]) || !std::isfinite(Q[i])) return std::nan("");
  try {
    return loss_model_->loss_k(K, M, Q, readout_) - 0.5 * cfg_.model.noise;
  } catch (const std::domain_error&) {
    return std::numeric_limits<double>::infinity();  // overflows a double: below no level
  }
}

void Recorder::observe_loss_excess(int64_t step, double excess) {
  if (loss_pending_ == 0) return;
  if (step == 0) loss_excess0_ = excess;
  const auto& f = cfg_.record.loss_thresholds;
  for (size_t i = 0; i < f.size(); ++i)
    if (rec_.loss_escape[i] < 0 && excess <= f[i] * loss_excess0_) {  // false for NaN
      rec_.loss_escape[i] = step;
      --loss_pending_;
    }
}

double Recorder::loss_level() const {
  double level = -std::numeric_limits<double>::infinity();
  const auto& f = cfg_.record.loss_thresholds;
  for (size_t i = 0; i < f.size(); ++i)
    if (rec_.loss_escape[i] < 0) level = std::fmax(level, f[i] * loss_excess0_);
  return level;
}

void Recorder::record(int64_t step, double t, const double* m, const double* u, const double* M, const double* Q) {
  const int K = cfg_.model.hidden, r = cfg_.model.rank;
  rec_.step.push_back(static_cast<double>(step));
  rec_.t.push_back(t);
  rec_.m.insert(rec_.m.end(), m, m + r * K);
  rec_.u.insert(rec_.u.end(), u, u + r * K);
  rec_.M.insert(rec_.M.end(), M, M + K * K);
  rec_.Q.insert(rec_.Q.end(), Q, Q + K * K);
  bool finite = true;
  for (int i = 0; i < K * K; ++i) finite = finite && std::isfinite(M[i]) && std::isfinite(Q[i]);
  // Overlaps that overflowed have no loss (the run ends there as diverged).
  rec_.pop_loss.push_back(
      finite ? population_loss_k(cfg_.model.activation, cfg_.model.teacher, K, M, Q, readout_, cfg_.model.noise)
             : std::nan(""));
  rec_.batch_loss.push_back(loss_n_ > 0 ? loss_sum_ / loss_n_ : std::nan(""));
  loss_sum_ = 0;
  loss_n_ = 0;
  while (next_ < grid_.size() && grid_[next_] <= step) ++next_;
}

double max_abs(const double* m, int n) {
  double a = 0;
  for (int i = 0; i < n; ++i) a = std::fmax(a, std::fabs(m[i]));
  return a;
}

}  // namespace loradyn
