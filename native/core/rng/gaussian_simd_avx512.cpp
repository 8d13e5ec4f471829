// AVX-512 block fill: 8 Philox blocks per vector (64-bit lanes, two chains), then the vectorised
// transform of gaussian_simd_kernel.hpp. Compiled for every x86-64 target through function
// attributes; only called when the CPU reports AVX-512F/BW/DQ/VL.
// Speed (not the bits) needs -fno-math-errno, which binding.gyp passes: otherwise GCC keeps
// sqrt scalar for errno.
#include "gaussian_simd.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>

#include "gaussian_simd_kernel.hpp"
#include "philox_avx512.hpp"

namespace loradyn {
namespace simd_detail {
namespace {

LD_AVX512 void blocks_avx512(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t block, uint32_t nblocks,
                             double* out) {
  const Counter k = counter_of(key, step, sample);
  const RoundKeys rk = round_keys(k);
  alignas(64) uint32_t w[4][kChunkBlocks];  // a multiple of 16: philox16 may run past nb
  while (nblocks > 0) {
    const uint32_t nb = nblocks < kChunkBlocks ? nblocks : kChunkBlocks;
    for (uint32_t c = 0; c < nb; c += 16) philox16(k, rk, block + c, w[0] + c, w[1] + c, w[2] + c, w[3] + c);
    transform_blocks(w[0], w[1], w[2], w[3], nb, out);
    out += 4 * nb;
    block += nb;
    nblocks -= nb;
  }
}

LD_AVX512 void superblocks_avx512(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t first, uint32_t nsuper,
                                  double* out) {
  static_assert(kF32Lanes % 16 == 0 && kF32Lanes <= kChunkBlocks, "a super-block is whole philox16 calls");
  const Counter k = counter_of(key, step, sample);
  const RoundKeys rk = round_keys(k);
  alignas(64) uint32_t w[4][kF32Lanes];
  for (uint32_t S = first; S < first + nsuper; ++S) {
    for (uint32_t c = 0; c < kF32Lanes; c += 16)
      philox16(k, rk, S * kF32Lanes + c, w[0] + c, w[1] + c, w[2] + c, w[3] + c);
    transform_superblock_f32(w[0], w[1], w[2], w[3], out);
    out += kF32SuperBlock;
  }
}

}  // namespace

BlockFill avx512_blocks() { return &blocks_avx512; }
SuperFill avx512_superblocks_f32() { return &superblocks_avx512; }

}  // namespace simd_detail
}  // namespace loradyn

#else
namespace loradyn {
namespace simd_detail {
BlockFill avx512_blocks() { return nullptr; }
SuperFill avx512_superblocks_f32() { return nullptr; }
}  // namespace simd_detail
}  // namespace loradyn
#endif
