// Simulator 1: literal one-pass SGD in dimension d (SPEC section 1).
#pragma once
#include <cstdint>

#include "../model/record.hpp"

namespace loradyn {

// One run of `cfg` (which has passed validate_run, engine/validate.hpp) with `seed`. Deterministic: a pure function of
// (cfg, seed), whatever `threads` (how many threads share the batch of each step).
RunRecord simulate_full(const RunConfig& cfg, uint64_t seed, const RunControl& ctl, int threads = 1);

// The same run through the plain reference step (scalar draws, one x per sample, simple
// loops). Same bits as simulate_full; kept for tests.
RunRecord simulate_full_reference(const RunConfig& cfg, uint64_t seed, const RunControl& ctl);

}  // namespace loradyn
