// Simulator 1: literal one-pass SGD in dimension d (SPEC section 1).
#pragma once
#include <cstdint>

#include "../model/record.hpp"

namespace loradyn {

// One run of `cfg` with `seed`. Deterministic: a pure function of (cfg, seed).
RunRecord simulate_full(const RunConfig& cfg, uint64_t seed, const RunControl& ctl);

}  // namespace loradyn
