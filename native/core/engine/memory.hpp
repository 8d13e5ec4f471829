// What a call will hold at its peak, estimated from its configs before anything is allocated,
// and the budget it is checked against. The estimate follows the allocations of each engine
// (test/memory.test.ts holds it within a factor 1.5 of measured peaks); the check names the
// field that dominates, so the error says what to lower.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../model/config.hpp"
#include "engine.hpp"

namespace loradyn {

struct MemoryItem {
  std::string what;  // "engine 'full' state and step buffers, 4 concurrent runs"
  std::string path;  // the field to lower: "model.d", "train.batch", "record.points", "seeds"
  double bytes = 0;
  // Where lowering `path` cannot be enough: the item's bytes at its smallest, and the field
  // to name then ("model.d" when even the fewest batch parts do not fit).
  double bytes_at_least = 0;
  std::string otherwise;
};

struct MemoryEstimate {
  double bytes = 0;  // the sum of the items
  std::vector<MemoryItem> items;
  size_t job = 0;  // the job whose runs are the largest (its fields are the ones to lower)
};

// One config of a call, as the CPU backend runs it.
struct MemoryJob {
  const RunConfig* cfg;
  Engine engine;
  int64_t seeds;
};

// Bytes one run holds besides its record (state, per-step buffers, init temporaries), with
// `threads` sharing its batch (engine full).
double run_state_bytes(const RunConfig& c, Engine e, int threads);
// Bytes of one run's record (trajectory on the log grid, the final state when asked for).
double run_record_bytes(const RunConfig& c);
// The whole call over `threads` threads: the runs that can be in flight at once, every
// record (kept until the call returns) and the configs' own vectors.
MemoryEstimate estimate_call(const std::vector<MemoryJob>& jobs, int threads);

// Engine full's own buffers (defined beside its constructor in sgd/sgd_full.cpp).
double full_run_bytes(const RunConfig& c, int threads);

// The default budget: 3/4 of the least of physical memory, the process's cgroup memory limit
// (v1 memory.limit_in_bytes or v2 memory.max, the cgroup and its ancestors) and RLIMIT_AS /
// RLIMIT_DATA. `source` names the bound that decided it.
struct MemoryBudget {
  double bytes = 0;
  std::string source;
};
MemoryBudget default_memory_budget();
// The same from given files (tests): the text of /proc/self/cgroup and the cgroup mount root.
MemoryBudget memory_budget_from(double physical, const std::string& proc_self_cgroup, const std::string& cgroup_root);

// Throws ConfigInvalid naming the dominant item's field when est.bytes > limit.
void check_memory(const MemoryEstimate& est, double limit, const std::string& limit_source);

}  // namespace loradyn
