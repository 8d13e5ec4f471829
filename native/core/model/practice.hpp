// The practitioners' training options of SPEC 7.1 (train.optimizer, train.weightDecay,
// train.lrRatio, model.adapter) and record.lossThresholds: their ranges, and which engines
// and backends run them. docs/practice.md says what each one does in each engine.
#pragma once
#include <string>
#include <vector>

#include "config.hpp"

namespace loradyn {

// True when the config leaves the paper's recipe (plain SGD on U, V with one learning rate):
// a non-sgd optimizer, weight decay, lrRatio != 1 or adapter "full". Engine "full" then takes
// its practice step (sgd/sgd_full_practice.cpp), so the default step keeps its speed.
bool uses_practice_options(const RunConfig& c);

// The config field of the first option that only the CPU runs (the practice options and
// record.lossThresholds), or "" when there is none: the CUDA kernels run the paper's recipe.
std::string cpu_only_field(const RunConfig& c);

// The options' ranges and combinations (part of model_issues).
void practice_issues(const RunConfig& c, std::vector<ConfigIssue>& out);

// Engine-specific rules (part of reduced_issues and ode_issues). Adam is coordinate-wise, so
// the law of its trajectory is not rotation invariant: neither the reduced chain nor the ODE
// (which both rest on that invariance) can represent it.
void practice_reduced_issues(const RunConfig& c, std::vector<ConfigIssue>& out);
void practice_ode_issues(const RunConfig& c, std::vector<ConfigIssue>& out);

// backend "cuda" asked for by name (part of cuda_issues): every CPU-only option, named.
void practice_cuda_issues(const RunConfig& c, std::vector<ConfigIssue>& out);

}  // namespace loradyn
