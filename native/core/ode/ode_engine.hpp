// Simulator 3: the ODE limit, recorded through the shared Recorder on the same log grid of
// steps (t = step * eta) and with the same first-passage events as the SGD simulators.
#pragma once
#include <cstdint>

#include "../model/record.hpp"
#include "dopri5.hpp"

namespace loradyn {

// What the ODE cannot start from (a given w0, a given V), appended to `out`.
void ode_issues(const RunConfig& cfg, std::vector<ConfigIssue>& out);

// Deterministic: the seed only labels the record. `cfg` has passed validate_run. Tolerances default to rtol 1e-10.
RunRecord simulate_ode(const RunConfig& cfg, uint64_t seed, const RunControl& ctl, Dopri5Options opt = {});

}  // namespace loradyn
