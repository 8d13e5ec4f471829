// lib/config.ts's side of the addon: the one conversion of a filled-in config (engine,
// backend and seeds included) into the core's RunConfig, validated at once by the core
// (engine/validate.hpp). Every simulate call and config.check() go through read_job.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

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

// config.check(config): the issues of a filled-in config, [] when it can run.
Napi::Value CheckConfig(const Napi::CallbackInfo& info);

}  // namespace loradyn_addon
