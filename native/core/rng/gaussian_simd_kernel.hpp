// Shared body of the SIMD block fills: Philox words for a chunk of blocks in four arrays
// (one per output word), then the scalar box_muller in a plain loop that the compiler
// vectorises for the target of the including function. Only IEEE +, -, *, /, sqrt and exact
// conversions occur, so the vector loop returns the scalar bits. Speed needs -O3 (GCC 12
// does not vectorise this loop at -O2) and -fno-math-errno; binding.gyp passes both.
#pragma once
#include <cstdint>

#include "gaussian.hpp"

#if defined(__GNUC__)
#define LD_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define LD_ALWAYS_INLINE inline
#endif

namespace loradyn {
namespace simd_detail {

constexpr uint32_t kChunkBlocks = 64;  // 256 Gaussians: the words stay in L1

// Philox counter words of one fill: (block, sample, step lo, step hi | stream), key = seed.
struct Counter {
  uint32_t c1, c2, c3, k0, k1;
};

LD_ALWAYS_INLINE Counter counter_of(const DrawKey& key, uint64_t step, uint32_t sample) {
  return Counter{sample, static_cast<uint32_t>(step),
                 (static_cast<uint32_t>(step >> 32) & 0xFFFFu) | (key.stream << 16),
                 static_cast<uint32_t>(key.seed), static_cast<uint32_t>(key.seed >> 32)};
}

LD_ALWAYS_INLINE void transform_blocks(const uint32_t* w0, const uint32_t* w1, const uint32_t* w2,
                                       const uint32_t* w3, uint32_t nb, double* out) {
  for (uint32_t c = 0; c < nb; ++c) {
    double g0, g1, g2, g3;
    box_muller(w0[c], w1[c], g0, g1);
    box_muller(w2[c], w3[c], g2, g3);
    out[4 * c] = g0;
    out[4 * c + 1] = g1;
    out[4 * c + 2] = g2;
    out[4 * c + 3] = g3;
  }
}

}  // namespace simd_detail
}  // namespace loradyn
