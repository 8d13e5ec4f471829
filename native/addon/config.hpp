// lib/config.ts's side of the addon: the one conversion of a filled-in config (engine,
// backend and seeds included) into the core's RunConfig, validated at once by the core
// (engine/validate.hpp). Every simulate call and config.check() go through read_job.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../core/engine/memory.hpp"
#include "../core/engine/validate.hpp"
#include "args.hpp"

namespace loradyn_addon {

struct JobSpec {
  loradyn::RunConfig cfg;
  loradyn::Engine engine = loradyn::Engine::Full;
  loradyn::BackendChoice backend = loradyn::BackendChoice::Auto;
  std::vector<uint64_t> seeds;
};

// Converts `config` and validates it; throws ConfigInvalid with every issue, paths under
// config.path() ("[2].model.d" for the third config of a batch).
JobSpec read_job(const Arg& config);

// The memory a call of these jobs needs over `threads`, and the budget (maxBytes > 0, else
// the default: engine/memory.hpp).
loradyn::MemoryEstimate estimate_jobs(const std::vector<JobSpec>& jobs, int threads);
loradyn::MemoryBudget read_budget(const Arg& max_bytes);
// Throws ConfigInvalid naming the field to lower when the call does not fit; `where` holds
// each job's path prefix ("" for a single config, "[2]" in a batch).
void check_memory_of(const std::vector<JobSpec>& jobs, const std::vector<std::string>& where, int threads,
                     const loradyn::MemoryBudget& budget);
// Worker threads of a call: argument i, 0 or absent = all cores.
int read_threads(const Napi::CallbackInfo& info, size_t i);

// config.check(config, threads?, maxBytes?): the issues of a filled-in config, memory
// included, [] when it can run.
Napi::Value CheckConfig(const Napi::CallbackInfo& info);
// config.estimateMemory(configs, threads?, maxBytes?): { bytes, items: [{ what, path, bytes }],
// limit, limitSource }.
Napi::Value EstimateMemory(const Napi::CallbackInfo& info);

}  // namespace loradyn_addon
