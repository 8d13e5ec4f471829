// The parameters of a full-d run and how they are drawn at initialisation.
#pragma once
#include <cstdint>
#include <vector>

#include "../model/config.hpp"
#include "../util/aligned_vector.hpp"

namespace loradyn {

struct FullState {
  int64_t d;
  int K, r;
  // The d-long rows start on cache lines (the full step's vector loops: util/aligned_vector.hpp).
  AlignedDoubles teacher;  // K x d, orthonormal rows
  AlignedDoubles w0;       // K x d (zero for scratch)
  std::vector<double> U;   // K x r
  AlignedDoubles V;        // r x d
  bool w0_aligned;         // w0_j = mu_j w*_j: projections reuse the teacher's
};

// Draws teacher, w0, U and V for `seed` (streams of rng/gaussian.hpp).
FullState init_full_state(const RunConfig& cfg, uint64_t seed);

// Order parameters of a state: m (r x K), M, Q (K x K).
void full_order_parameters(const FullState& s, double* m, double* M, double* Q);

}  // namespace loradyn
