// Fast gaussian_fill: the same numbers as rng/gaussian.hpp's scalar gaussian_fill, bit for
// bit, drawn with AVX-512 or AVX2 when the CPU has them (chosen at run time).
#pragma once
#include <cstdint>
#include <vector>

#include "gaussian.hpp"

namespace loradyn {

enum class SimdPath { Scalar = 0, Avx2 = 1, Avx512 = 2 };

const char* simd_path_name(SimdPath p);
// Paths compiled into this build and usable on this CPU, slowest first.
std::vector<SimdPath> simd_paths_available();
// The fastest available path (LORADYN_SIMD=scalar|avx2|avx512 caps it, for testing).
SimdPath simd_path_best();

// gaussian_fill on a chosen path (throws std::invalid_argument if unavailable here).
void gaussian_fill_path(SimdPath path, const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start, uint32_t n,
                        double* out);
// gaussian_fill on the best path.
void gaussian_fill_fast(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start, uint32_t n, double* out);

// Single-precision draws (gaussian_fill_f32 of gaussian.hpp, the inputs of engine "full"), bit
// for bit, on a chosen path or the best one.
void gaussian_fill_f32_path(SimdPath path, const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start,
                            uint32_t n, double* out);
void gaussian_fill_f32_fast(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t start, uint32_t n,
                            double* out);

namespace simd_detail {
// Blocks [block, block + nblocks) of (step, sample): out receives 4 * nblocks Gaussians.
using BlockFill = void (*)(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t block, uint32_t nblocks,
                           double* out);
BlockFill avx2_blocks();    // nullptr when not compiled in
BlockFill avx512_blocks();  // nullptr when not compiled in
// Single-precision super-blocks [first, first + nsuper): out receives 64 * nsuper Gaussians.
using SuperFill = void (*)(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t first, uint32_t nsuper,
                           double* out);
SuperFill avx2_superblocks_f32();    // nullptr when not compiled in
SuperFill avx512_superblocks_f32();  // nullptr when not compiled in
}  // namespace simd_detail

}  // namespace loradyn
