// Mini-batch training of the ViT on an in-memory data set, with test accuracy evaluated on a
// fixed schedule, optional early stop at a target accuracy and snapshots of the parameters.
// Batches come from reshuffled epochs or from a one-pass stream (one_pass.hpp) that never
// repeats a sample.
// The batch is split into a fixed number of groups (independent of the thread count); each
// group accumulates its own gradient and the groups are summed in order, so results are
// bitwise identical for any number of threads.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "layout.hpp"
#include "vit_model.hpp"

namespace loradyn {
namespace vit {

struct DataView {
  const float* x = nullptr;  // n x pixels, normalised
  const int* y = nullptr;    // n labels in [0, classes)
  int n = 0;
};

enum class Sampling {
  Epochs,   // a new random order of the training set every epoch; images recur
  OnePass,  // each (image, shift) sample at most once; steps * batch must fit in one pass
};

struct TrainSpec {
  VitConfig cfg;
  LoraConfig lora;
  Trainable trainable;
  OptimConfig optim;
  int batch = 64;
  int64_t steps = 0;
  int eval_every = 0;                   // 0: evaluate only at step 0, at eval_steps and at the end
  std::vector<int64_t> eval_steps;      // extra evaluation steps (any order)
  double stop_accuracy = 0.0;           // > 0: stop at the first evaluation reaching it
  std::vector<int64_t> snapshot_steps;  // copies of the base parameters at these steps
  uint64_t seed = 0;                    // batch order
  Sampling sampling = Sampling::Epochs;
  int max_shift = 0;                // OnePass: shifts in [-max_shift, max_shift]^2 pixels
  float shift_fill = 0.0f;          // value of the pixels a shift uncovers (the normalised background)
  bool stop_on_divergence = false;  // a non-finite loss ends the run (diverged_at) instead of throwing
  bool record_draws = false;        // keep the stream index of every sample drawn (tests)
  int threads = 1;
  DataView train, test;
};

struct TrainResult {
  std::vector<int64_t> eval_step;
  std::vector<double> test_accuracy, test_loss;
  std::vector<double> train_loss;  // mean batch loss since the previous evaluation (NaN at step 0)
  std::vector<float> params;       // final parameters (full layout)
  std::vector<int64_t> snapshot_step;
  std::vector<std::vector<float>> snapshots;  // base parameters [0, base_size)
  int64_t steps_done = 0;
  int64_t diverged_at = 0;     // step whose loss was non-finite (its update is not applied); 0 = none
  std::vector<int64_t> draws;  // record_draws: OnePass stream indices, or image indices for Epochs
  bool cancelled = false;
};

struct TrainControl {
  const std::atomic<bool>* cancel = nullptr;
  std::atomic<int64_t>* steps_done = nullptr;
};

constexpr int kGroups = 8;

// params: the full initial parameter vector (layout(cfg, lora).total values).
TrainResult train(const TrainSpec& spec, std::vector<float> params, const TrainControl& ctl);

struct EvalResult {
  double accuracy = 0, loss = 0;
  std::vector<int> predictions;
};
EvalResult evaluate(const Layout& L, const float* P, const DataView& data, int threads);

// Final-norm class-token features [n x width].
std::vector<float> extract_features(const Layout& L, const float* P, const float* x, int n, int threads);

// Fills a fresh parameter vector: base from (seed, kStreamVitInit), adapters from
// (seed, kStreamVitLora) with B = 0.
std::vector<float> init_params(const Layout& L, uint64_t seed);

// Sets every entry of every adapter's B to +size or -size, the signs drawn from
// (seed, kStreamVitLoraB); size 0 gives B = 0. The small non-zero start of the paper (u0).
void init_lora_b(const Layout& L, uint64_t seed, double size, float* P);

void validate_data(const VitConfig& cfg, const DataView& d, const char* name);

}  // namespace vit
}  // namespace loradyn
