// Fills a RunRecord on the log grid from order parameters; shared by every simulator so
// that full-d SGD, the reduced chain and the ODE record exactly the same things.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "record.hpp"

namespace loradyn {

class LossModel;

class Recorder {
 public:
  Recorder(const RunConfig& cfg, uint64_t seed);

  const std::vector<int64_t>& grid() const { return grid_; }
  // Next grid step still to record (INT64_MAX when done).
  int64_t next_step() const;
  // Called after every update (and once at step 0) with max_ij |m_ij|: first passages.
  void observe(int64_t step, double max_abs_m);
  // record.stopAt reached by max_ij |m_ij| (the run ends at this step).
  bool stop_reached(double max_abs_m) const { return cfg_.record.stop_at > 0 && max_abs_m >= cfg_.record.stop_at; }
  // Last step recorded so far (-1 before the first).
  int64_t last_recorded() const { return rec_.step.empty() ? -1 : static_cast<int64_t>(rec_.step.back()); }
  // Accumulates one batch loss for the mean reported at the next grid point.
  void add_batch_loss(double l) {
    loss_sum_ += l;
    ++loss_n_;
  }
  // record.lossThresholds: true while some loss threshold is still to be crossed, i.e. while
  // the simulator must pass every step's (M, Q) to observe_loss (step 0 first).
  bool tracks_loss() const { return loss_pending_ > 0; }
  // The population loss at `step` from M, Q (K x K): fixes L(0) at step 0, then records the
  // first step with L - noise/2 <= f (L(0) - noise/2) for each fraction f.
  void observe_loss(int64_t step, const double* M, const double* Q) {
    if (tracks_loss()) observe_loss_excess(step, loss_excess(M, Q));
  }
  // The same in parts, for the ODE's bisection: L - noise/2 at (M, Q) (NaN for a non-finite
  // state, +inf where L overflows), the passage of an excess, and the highest level
  // f (L(0) - noise/2) still to be crossed (-inf when none).
  double loss_excess(const double* M, const double* Q) const;
  void observe_loss_excess(int64_t step, double excess);
  double loss_level() const;
  // Records the state at `step` (m: r x K, u: K x r, M, Q: K x K).
  void record(int64_t step, double t, const double* m, const double* u, const double* M, const double* Q);
  // Whether m, u, M and Q of the last recorded point are all finite (a run whose state is not
  // ends there, diverged).
  bool last_point_finite() const;
  RunRecord& result() { return rec_; }
  RunRecord take() { return std::move(rec_); }

 private:
  const RunConfig& cfg_;
  double readout_;
  std::vector<int64_t> grid_;
  size_t next_ = 0;
  double loss_sum_ = 0;
  int64_t loss_n_ = 0;
  RunRecord rec_;
  std::shared_ptr<const LossModel> loss_model_;  // built once when lossThresholds are set
  size_t loss_pending_ = 0;
  double loss_excess0_ = 0;  // L(0) - noise/2
};

// max_ij |m_ij| over an r x K block.
double max_abs(const double* m, int n);

}  // namespace loradyn
