// One step of the general reduced chain (any K, r, f; README.md, "One step"): the batch sums,
// then the move of the frame. The sums come from the specialised batch kernels where the
// shape is one of theirs (batch_kernels.hpp) and from the generic per-sample loop otherwise;
// both return the same bits. The frame move is one code for every shape.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "../model/config.hpp"
#include "../rng/gaussian.hpp"
#include "batch_kernels.hpp"
#include "chain_links.hpp"
#include "reduced_state.hpp"

namespace loradyn {

// Which loops a run may use: all (the rank-1 loop where it applies, the kernels where they
// apply), no rank-1 loop, or neither (the generic loop alone). The last two are for tests.
enum class ReducedLoops { Auto, NoRank1, GenericOnly };

class GeneralStep {
 public:
  GeneralStep(const RunConfig& cfg, uint64_t seed, ReducedState& st, bool use_kernels);

  // Moves the state by one step (step index s); returns the step's batch loss.
  double step(int64_t s);
  bool uses_kernels() const { return kernels_; }
  // The run's cancel flag, polled inside a step's batch sums (a step of a huge batch takes
  // seconds): once it is set, step() stops between two chunks of samples, leaves the state
  // as it was before the step and aborted() is true.
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  bool aborted() const { return aborted_; }

 private:
  // Batch sums into gU_, sv_, cc_ (natural layouts); both return the sum of the B losses.
  double batch_generic(int64_t s);
  double batch_kernels(int64_t s);
  // The generic loop with the sizes known at compile time, for batches too small for the
  // kernels' blocks to pay (kSmallBatch): the same operations, so the same bits.
  template <int K, int R, int F>
  double batch_small(int64_t s);
  double (GeneralStep::*batch_)(int64_t s) = nullptr;
  // The frame move for sizes known at compile time (std::integral_constant) or not (int).
  template <class KD, class RD, class FD>
  void move_frame(int64_t s, KD K, RD r, FD f);
  void (GeneralStep::*move_)(int64_t s) = nullptr;
  template <int K, int R, int F>
  void move_fixed(int64_t s);
  void move_any(int64_t s);

  bool stop_requested() const { return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed); }
  const std::atomic<bool>* cancel_ = nullptr;
  bool aborted_ = false;

  ReducedState& st_;
  uint64_t seed_;
  int64_t B_;
  int nq_;  // coordinates per sample: q, plus one for the label noise
  double eta_, a_, sqrt_noise_, dof_;
  bool scratch_, spherical_, kernels_;
  ChainLink student_, teacher_;
  BatchShape shape_{};
  // Sums of one step: gU (K x r), sv (r x q), cc (r x r), and the frame move's scratch.
  std::vector<double> xs_, gU_, sv_, cc_, p0_, pv_, g_, c_, Lc_, T_, Z_, P_, Lnew_, lq_work_;
  // The kernels' block buffers (BatchBlock) and padded sums.
  std::vector<double> blk_;
  BatchSums sums_{};
  BatchFrame frame_{};
};

}  // namespace loradyn
