// Simulator 2: the exact reduced chain (SPEC section 3.2): the law of full-d one-pass SGD
// at every finite d, at a cost per step independent of d.
#pragma once
#include <cstdint>

#include "../model/record.hpp"
#include "general_step.hpp"  // ReducedLoops

namespace loradyn {

// One run of `cfg` with `seed`; a pure function of (cfg, seed). `cfg` has passed
// validate_run (engine/validate.hpp), which refuses what the chain cannot represent.
// `loops` other than Auto skips the rank-1, K = 1 loop, or that and the batch kernels (tests
// check that every loop returns the same bits).
RunRecord simulate_reduced(const RunConfig& cfg, uint64_t seed, const RunControl& ctl,
                           ReducedLoops loops = ReducedLoops::Auto);

}  // namespace loradyn
