#include "recorder.hpp"

#include <cmath>
#include <limits>

#include "population_loss.hpp"

namespace loradyn {

Recorder::Recorder(const RunConfig& cfg, uint64_t seed)
    : cfg_(cfg), readout_(committee_readout(cfg.model)), grid_(log_step_grid(cfg.train.steps, cfg.record.points, cfg.record.dense)) {
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
}

int64_t Recorder::next_step() const {
  return next_ < grid_.size() ? grid_[next_] : std::numeric_limits<int64_t>::max();
}

void Recorder::observe(int64_t step, double max_abs_m) {
  const auto& th = cfg_.record.thresholds;
  for (size_t i = 0; i < th.size(); ++i)
    if (rec_.escape[i] < 0 && max_abs_m >= th[i]) rec_.escape[i] = step;
}

void Recorder::record(int64_t step, double t, const double* m, const double* u, const double* M,
                      const double* Q) {
  const int K = cfg_.model.hidden, r = cfg_.model.rank;
  rec_.step.push_back(static_cast<double>(step));
  rec_.t.push_back(t);
  rec_.m.insert(rec_.m.end(), m, m + r * K);
  rec_.u.insert(rec_.u.end(), u, u + r * K);
  rec_.M.insert(rec_.M.end(), M, M + K * K);
  rec_.Q.insert(rec_.Q.end(), Q, Q + K * K);
  rec_.pop_loss.push_back(population_loss_k(cfg_.model.activation, cfg_.model.teacher, K, M, Q,
                                            readout_, cfg_.model.noise));
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
