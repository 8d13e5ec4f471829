// Shared body of the SIMD block fills: Philox words for a chunk of blocks in four arrays
// (one per output word), then the scalar box_muller (or box_muller_f32) in a plain loop that the compiler
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
                 (static_cast<uint32_t>(step >> 32) & 0xFFFFu) | (key.stream << 16), static_cast<uint32_t>(key.seed),
                 static_cast<uint32_t>(key.seed >> 32)};
}

LD_ALWAYS_INLINE void transform_blocks(const uint32_t* w0, const uint32_t* w1, const uint32_t* w2, const uint32_t* w3,
                                       uint32_t nb, double* out) {
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

// Single precision: one super-block whose 64 blocks' words are w0..w3[l]; output q of lane l
// lands at out[64 q + l], so each vector of results is stored whole.
LD_ALWAYS_INLINE void transform_superblock_f32(const uint32_t* w0, const uint32_t* w1, const uint32_t* w2,
                                               const uint32_t* w3, double* out) {
  for (uint32_t l = 0; l < kF32Lanes; ++l) {
    double g0, g1, g2, g3;
    box_muller_f32(w0[l], w1[l], g0, g1);
    box_muller_f32(w2[l], w3[l], g2, g3);
    out[l] = g0;
    out[kF32Lanes + l] = g1;
    out[2 * kF32Lanes + l] = g2;
    out[3 * kF32Lanes + l] = g3;
  }
}

}  // namespace simd_detail
}  // namespace loradyn
