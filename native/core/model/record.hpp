// What a run records: a log-spaced grid of steps, order parameters there, and events.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "config.hpp"

namespace loradyn {

// Sorted distinct steps 0 = s_0 < ... < s_n = steps, log-spaced, at most `points` of them,
// plus every step from 0 to min(dense, steps) when dense > 0 (record.dense).
std::vector<int64_t> log_step_grid(int64_t steps, int points, int64_t dense = 0);

// One run's trajectory. Arrays are indexed [point][...]: m is r x K (m[i*K+j] = v_i . w*_j),
// u is K x r, M and Q are K x K. batch_loss at a point is the mean batch loss over the
// updates since the previous point (NaN at step 0).
struct RunRecord {
  uint64_t seed = 0;
  int rank = 1, hidden = 1;
  std::vector<double> step, t, m, u, M, Q, pop_loss, batch_loss;
  std::vector<int64_t> escape;  // per threshold: first step with max|m| >= theta, -1 if never
  // per record.lossThresholds fraction f: first step with L - noise/2 <= f (L(0) - noise/2), -1 if never
  std::vector<int64_t> loss_escape;
  int64_t steps_done = 0;
  int64_t diverged_step = -1;  // >= 0: the state became NaN/Inf at this step
  bool cancelled = false;
  // Filled when record.final_state is set: U (K x r), V (r x d), teacher (K x d), w0 (K x d).
  std::vector<double> final_u, final_v, teacher, w0;
};

// Shared progress and cancellation for one call (many runs, many threads).
struct RunControl {
  const std::atomic<bool>* cancel = nullptr;   // polled by the inner loops
  std::atomic<int64_t>* steps_done = nullptr;  // progress: steps finished, all runs together
  bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }
  void report(int64_t steps) const {
    if (steps_done != nullptr && steps > 0) steps_done->fetch_add(steps, std::memory_order_relaxed);
  }
};

}  // namespace loradyn
