// Which configs of a batched call can share one GPU launch: those that differ only in what a
// kernel reads per run (seeds, mu, eta and the Hermite rescale, label noise, u0 and init, the
// w0 rows of misaligned or given pre-training) and agree on what it holds once (d, K, r, B,
// steps, the links, spherical, the kind of w0, the record grid, thresholds and stopAt).
#pragma once
#include <vector>

#include "engine.hpp"

namespace loradyn {

// True when a and b can run in one launch of engine e (never for the ODE).
bool launch_compatible(Engine e, const RunConfig& a, const RunConfig& b);

// Job indices in groups, each compatible with its first member, in order of first
// appearance; every index appears once.
std::vector<std::vector<int>> launch_groups(Engine e, const std::vector<RunJob>& jobs);

}  // namespace loradyn
