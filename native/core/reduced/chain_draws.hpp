// Short runs of Gaussians for the reduced chain: coordinates start .. start + n of (key, step,
// sample 0), the numbers gaussian_fill gives, with one Philox block per four coordinates and one
// Box–Muller per pair actually used (gaussian_fill draws a whole block for each coordinate of an
// unaligned head or tail, which is most of the work when a step needs three numbers).
#pragma once
#include <cstdint>

#include "../rng/gaussian.hpp"

namespace loradyn {

LD_HD void gaussian_span(const DrawKey& key, uint64_t step, uint32_t start, uint32_t n, double* out) {
  const uint32_t end = start + n;
  for (uint32_t c = start & ~3u; c < end; c += 4) {
    const Philox4 w = philox_block(key, step, 0, c >> 2);
    double g[4] = {0, 0, 0, 0};
    // Pair (0, 1) from words 0, 1 and pair (2, 3) from words 2, 3, as in gaussian4.
    if (c + 2 > start) box_muller(w.v[0], w.v[1], g[0], g[1]);
    if (c + 2 < end) box_muller(w.v[2], w.v[3], g[2], g[3]);
    for (uint32_t t = 0; t < 4; ++t)
      if (c + t >= start && c + t < end) out[c + t - start] = g[t];
  }
}

}  // namespace loradyn
