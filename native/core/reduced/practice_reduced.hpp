// The exact reduced chain with the practitioners' options (docs/practice.md): heavy-ball
// momentum, weight decay, LoRA+ learning-rate ratios and full fine-tuning. practice_reduced.cpp
// holds the derivation. Adam is refused before it gets here (model/practice.cpp).
#pragma once
#include <cstdint>

#include "../model/record.hpp"

namespace loradyn {

// One run of `cfg` (uses_practice_options(cfg), not adam) with `seed`; a pure function of
// (cfg, seed), with the law of engine "full"'s practice step at every finite d.
RunRecord simulate_reduced_practice(const RunConfig& cfg, uint64_t seed, const RunControl& ctl);

}  // namespace loradyn
