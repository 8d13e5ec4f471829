// State of the exact reduced chain: coordinates of the few vectors that matter in an
// orthonormal frame of their span (native/core/reduced/README.md has the derivation).
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "../model/config.hpp"

namespace loradyn {

// Frame: F (dimension f) spans the teacher rows and w0 rows; its first K directions are the
// teacher rows themselves. E (dimension r) is orthonormal, orthogonal to F, and contains
// the parts of the rows of V outside F. One input x has q = f + r frame coordinates, iid
// N(0, 1); everything else about x is orthogonal to every vector of the model.
struct ReducedState {
  int64_t d = 0;
  int K = 1, r = 1, f = 1, q = 2;
  std::vector<double> w0;  // K x f: coordinates of the w0 rows in F
  std::vector<double> V;   // r x q: [F part | E part], the E part lower-triangular
  std::vector<double> U;   // K x r
  bool w0_zero = false;    // scratch (or an all-zero given w0): skip its projections
};

// Work (B * q coordinate draws) between two progress reports and cancel checks of a chain.
constexpr double kReportWork = 4e6;

// Samples the general loop and the practice chain hold and draw at once (between two polls of the
// cancel flag); only the rank-1 loop holds a whole batch. The memory estimate counts this.
constexpr int64_t kReducedChunkSamples = int64_t{1} << 16;

// True when every entry of U and m and the loss are finite (a chain stops as diverged otherwise).
inline bool chain_finite(const std::vector<double>& U, const std::vector<double>& m, double loss) {
  for (double u : U)
    if (!std::isfinite(u)) return false;
  for (double x : m)
    if (!std::isfinite(x)) return false;
  return std::isfinite(loss);
}

// The largest f a config can produce: K for aligned and scratch, 2K otherwise.
int reduced_max_fixed_dim(const ModelConfig& m);

// The configs the chain cannot represent exactly, each issue naming its field; appended to
// `out` (engine/validate.cpp runs it after the shared rules).
void reduced_issues(const RunConfig& cfg, std::vector<ConfigIssue>& out);

// Initial state with exactly the law of init_full_state's overlaps for `seed`: teacher rows
// Gram–Schmidt-orthonormalised Gaussians, misaligned xi independent unit vectors, V rows
// independent unit vectors (or init.v as given), U = u0, init.u, or the frozen identity.
ReducedState init_reduced_state(const RunConfig& cfg, uint64_t seed);

}  // namespace loradyn
