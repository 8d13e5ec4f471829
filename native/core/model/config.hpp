// The run description shared by every simulator: model, training and recording.
// Mirrors the validated TypeScript config (lib/config.ts); the addon fills it in.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../activations/activation.hpp"
#include "config_issue.hpp"

namespace loradyn {

enum class Pretrained { Aligned, Misaligned, Scratch, Given };
// model.adapter: LoRA (w = w0 + U V) or full fine-tuning (w = w0 + delta, delta from 0).
enum class Adapter { Lora, Full };

struct ModelConfig {
  Activation activation;
  Link teacher;
  int64_t d = 1000;
  int rank = 1;
  int hidden = 1;  // K
  Pretrained pretrained = Pretrained::Aligned;
  std::vector<double> mu;  // per hidden unit, size K
  std::vector<double> w0;  // Given: K x d, row-major
  double u0 = -1;          // < 0: default 1/d^2
  bool spherical = true;
  double noise = 0;
  std::vector<double> init_u;  // optional K x r start for U
  std::vector<double> init_v;  // optional r x d start for V (rows need not be unit)
  Adapter adapter = Adapter::Lora;
};

// train.optimizer (model/practice.hpp says how each engine treats it).
enum class OptimizerKind { Sgd, Momentum, Adam };
struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Sgd;
  double beta = 0.9;                              // momentum: b <- beta b + g
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam
};

struct TrainConfig {
  int64_t batch = 500;
  double eta = 0.2;
  int64_t steps = 10000;
  bool hermite_rescale = false;
  OptimizerConfig optimizer;
  double weight_decay = 0;  // L2 (sgd, momentum) or decoupled (adam)
  double lr_ratio = 1;      // eta_u / eta_v (LoRA+); eta is eta_v
};

struct RecordConfig {
  int points = 200;
  std::vector<double> thresholds{0.5};
  bool final_state = false;  // also return U, V, the teacher rows and w0 at the end
  double stop_at = 0;        // > 0: a run ends at the first step with max |m_ij| >= stop_at
  int64_t dense = 0;         // > 0: also record every step from 0 to min(dense, steps)
  // Fractions f in (0, 1): first step with L - noise/2 <= f (L(0) - noise/2) (lossEscape).
  std::vector<double> loss_thresholds;
};

struct RunConfig {
  ModelConfig model;
  TrainConfig train;
  RecordConfig record;
};

// Readout of the committee: 1 for K = 1; 1/sqrt(K) for zero-mean s, 1/K otherwise.
double committee_readout(const ModelConfig& m);
// eta after the optional Hermite rescale (eta / (k! k) with k the student's top order).
double effective_eta(const RunConfig& c);
double effective_u0(const ModelConfig& m);
// The rules every engine shares (sizes, ranges, lengths of the given vectors), appended to
// `out`. Engine- and backend-specific rules, and the one entry that runs them all, are in
// engine/validate.hpp.
void model_issues(const RunConfig& c, std::vector<ConfigIssue>& out);

}  // namespace loradyn
