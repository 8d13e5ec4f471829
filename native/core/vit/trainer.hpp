// Mini-batch training of the ViT on an in-memory data set, with test accuracy evaluated on a
// fixed schedule, optional early stop at a target accuracy and snapshots of the parameters.
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

struct TrainSpec {
  VitConfig cfg;
  LoraConfig lora;
  Trainable trainable;
  OptimConfig optim;
  int batch = 64;
  int64_t steps = 0;
  int eval_every = 0;           // 0: evaluate only at step 0, at eval_steps and at the end
  std::vector<int64_t> eval_steps;  // extra evaluation steps (any order)
  double stop_accuracy = 0.0;   // > 0: stop at the first evaluation reaching it
  std::vector<int64_t> snapshot_steps;  // copies of the base parameters at these steps
  uint64_t seed = 0;            // batch order
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

void validate_data(const VitConfig& cfg, const DataView& d, const char* name);

}  // namespace vit
}  // namespace loradyn
