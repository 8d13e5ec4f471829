// Simulator 2: the exact reduced chain (SPEC section 3.2): the law of full-d one-pass SGD
// at every finite d, at a cost per step independent of d.
#pragma once
#include <cstdint>

#include "../model/record.hpp"

namespace loradyn {

// One run of `cfg` with `seed`; a pure function of (cfg, seed). `cfg` has passed
// validate_run (engine/validate.hpp), which refuses what the chain cannot represent.
// `force_general` skips the specialised rank-1, K = 1 loop (used to test that both agree).
RunRecord simulate_reduced(const RunConfig& cfg, uint64_t seed, const RunControl& ctl,
                           bool force_general = false);

}  // namespace loradyn
