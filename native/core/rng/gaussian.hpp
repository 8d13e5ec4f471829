// Gaussian draws as a pure function of (seed, stream, step, sample, coordinate).
//
// Layout of one Philox call: key = the 64-bit seed; counter = (coordinate / 4, sample,
// low 32 bits of step, high 16 bits of step | stream << 16). Its four 32-bit words become
// four uniforms in (0, 1) and, by Box–Muller on the pairs (w0, w1) and (w2, w3), the
// Gaussians of coordinates 4c .. 4c + 3. Any coordinate can be drawn alone, so every
// thread count, block size and backend sees the same numbers.
#pragma once
#include <cmath>
#include <cstdint>

#include "box_muller_f32.hpp"
#include "box_muller_math.hpp"
#include "philox.hpp"

namespace loradyn {

// Stream identifiers: each kind of randomness in a run has its own, so they never overlap.
enum Stream : uint32_t {
  kStreamTeacher = 1,            // rows of the teacher, sample = unit index
  kStreamMisalign = 2,           // xi_dir of a misaligned w0, sample = unit index
  kStreamLoraInit = 3,           // rows of V at init, sample = row index
  kStreamInputs = 4,             // x_b at each step, sample = b
  kStreamLabelNoise = 5,         // xi_b at each step, sample = b, coordinate 0
  kStreamReduced = 6,            // reduced chain: sample 0, coordinate b*nq + k = frame coordinate k of x_b
  kStreamReducedGamma = 32,      // reduced chain: Bartlett chi-squares, sample = diagonal index
  kStreamReducedWishart = 33,    // reduced chain: Bartlett off-diagonal Gaussians, coord = index
  kStreamReducedInit = 34,       // reduced chain init: frame coordinates of Gaussian vectors
  kStreamReducedInitGamma = 35,  // reduced chain init: chi-square norms of their new parts
  kStreamTest = 15,              // generator tests
  kStreamVitInit = 16,           // ViT weight init, sample = tensor index
  kStreamVitShuffle = 17,        // ViT batch order, step = epoch, sample = position
  kStreamVitLora = 18,           // ViT LoRA A matrices at init, sample = adapter index
  kStreamVitHead = 19,           // fresh ViT classifier head, sample = tensor index
  kStreamVitOnePass = 20,        // ViT one-pass stream: order of the (image, shift) draws, sample = position
  kStreamVitLoraB = 21,          // ViT LoRA B at a small non-zero init: signs, sample = adapter index
};

struct DrawKey {
  uint64_t seed;
  uint32_t stream;
};

LD_HD double u32_to_open01(uint32_t w) {
  // (w + 0.5) / 2^32: never 0 or 1, symmetric around 1/2. Exact; converted through int32
  // because AVX2 has no unsigned conversion.
  return bm::mul(static_cast<double>(static_cast<int32_t>(w ^ 0x80000000u)) + 2147483648.5, 2.3283064365386963e-10);
}

// Box–Muller on two uniforms; writes two independent standard Gaussians:
// g0 = R cos(theta), g1 = R sin(theta), R = sqrt(-2 ln u(a)), theta = 2 pi u(b).
// log/sin/cos are box_muller_math.hpp's, so every backend and SIMD path gets the same bits.
LD_HD void box_muller(uint32_t a, uint32_t b, double& g0, double& g1) {
  const double r = sqrt(bm::mul(-2.0, bm::log_unit(u32_to_open01(a))));
  double c, s;
  bm::sincos_turn(b, c, s);
  g0 = bm::mul(r, c);  // bm::mul: never fused into a caller's add by nvcc
  g1 = bm::mul(r, s);
}

LD_HD Philox4 philox_block(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t block) {
  return philox4x32_10(block, sample, static_cast<uint32_t>(step),
                       (static_cast<uint32_t>(step >> 32) & 0xFFFFu) | (key.stream << 16),
                       static_cast<uint32_t>(key.seed), static_cast<uint32_t>(key.seed >> 32));
}

// The four Gaussians of coordinates 4*block .. 4*block+3.
LD_HD void gaussian4(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t block, double out[4]) {
  const Philox4 w = philox_block(key, step, sample, block);
  box_muller(w.v[0], w.v[1], out[0], out[1]);
  box_muller(w.v[2], w.v[3], out[2], out[3]);
}

// One Gaussian, for callers that need a single coordinate.
LD_HD double gaussian_at(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t coord) {
  double g[4];
  gaussian4(key, step, sample, coord >> 2, g);
  return g[coord & 3u];
}

// Fills out[0 .. n) with coordinates start .. start + n of (step, sample).
inline void gaussian_fill(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start, uint32_t n, double* out) {
  uint32_t c = start;
  const uint32_t end = start + n;
  while (c < end && (c & 3u)) *out++ = gaussian_at(key, step, sample, c++);
  double g[4];
  for (; c + 4 <= end; c += 4) {
    gaussian4(key, step, sample, c >> 2, g);
    out[0] = g[0];
    out[1] = g[1];
    out[2] = g[2];
    out[3] = g[3];
    out += 4;
  }
  while (c < end) *out++ = gaussian_at(key, step, sample, c++);
}

// ---- Single-precision draws: the inputs x of engine "full" (kStreamInputs) -----------------
//
// The hot path draws d * B Gaussians per step, so it uses the float transform of
// box_muller_f32.hpp (values are floats, widened exactly to double) and a layout that lets a
// vector unit store what it computes without shuffles: coordinates come in super-blocks of 256
// made from 64 Philox blocks; block 64 S + l gives coordinates 256 S + 64 q + l, q = 0..3, its
// four words paired as in gaussian4 (q = 0, 1 from words 0, 1; q = 2, 3 from words 2, 3).
constexpr uint32_t kF32Lanes = 64;                  // Philox blocks per super-block
constexpr uint32_t kF32SuperBlock = 4 * kF32Lanes;  // coordinates per super-block

LD_HD void box_muller_f32(uint32_t a, uint32_t b, double& g0, double& g1) {
  const float r = bmf::sqrt_rn(bmf::mul(-2.0f, bmf::log_word(a)));
  float c, s;
  bmf::sincos_turn(b, c, s);
  g0 = static_cast<double>(bmf::mul(r, c));
  g1 = static_cast<double>(bmf::mul(r, s));
}

// Coordinate of output q (0..3) of Philox block g in the single-precision layout.
LD_HD uint32_t f32_coord(uint32_t g, uint32_t q) {
  return (g / kF32Lanes) * kF32SuperBlock + q * kF32Lanes + g % kF32Lanes;
}

// The four single-precision Gaussians of Philox block g, for coordinates f32_coord(g, 0..3).
LD_HD void gaussian4_f32(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t g, double out[4]) {
  const Philox4 w = philox_block(key, step, sample, g);
  box_muller_f32(w.v[0], w.v[1], out[0], out[1]);
  box_muller_f32(w.v[2], w.v[3], out[2], out[3]);
}

LD_HD double gaussian_at_f32(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t coord) {
  const uint32_t g = (coord / kF32SuperBlock) * kF32Lanes + coord % kF32Lanes;
  double out[4];
  gaussian4_f32(key, step, sample, g, out);
  return out[(coord / kF32Lanes) % 4u];
}

// The 256 coordinates of super-block S, in order.
inline void gaussian_superblock_f32(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t S,
                                    double out[kF32SuperBlock]) {
  for (uint32_t l = 0; l < kF32Lanes; ++l) {
    double g[4];
    gaussian4_f32(key, step, sample, S * kF32Lanes + l, g);
    for (uint32_t q = 0; q < 4; ++q) out[q * kF32Lanes + l] = g[q];
  }
}

// Fills out[0 .. n) with single-precision coordinates start .. start + n (the reference for
// the SIMD fills of gaussian_simd.hpp).
inline void gaussian_fill_f32(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start, uint32_t n,
                              double* out) {
  const uint64_t end = static_cast<uint64_t>(start) + n;
  for (uint64_t c = start; c < end;) {
    const uint32_t S = static_cast<uint32_t>(c / kF32SuperBlock);
    double sb[kF32SuperBlock];
    gaussian_superblock_f32(key, step, sample, S, sb);
    const uint64_t base = static_cast<uint64_t>(S) * kF32SuperBlock;
    const uint64_t stop = end < base + kF32SuperBlock ? end : base + kF32SuperBlock;
    for (; c < stop; ++c) *out++ = sb[c - base];
  }
}

}  // namespace loradyn
