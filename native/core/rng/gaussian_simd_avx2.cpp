// AVX2 block fill: 8 Philox blocks per vector (32-bit lanes), then the vectorised transform
// of gaussian_simd_kernel.hpp. Compiled for every x86-64 target through function attributes;
// only called when the CPU reports AVX2.
// Speed (not the bits) needs -fno-math-errno, which binding.gyp passes: otherwise GCC keeps
// sqrt scalar for errno.
#include "gaussian_simd.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>

#include "gaussian_simd_kernel.hpp"

#define LD_AVX2 __attribute__((target("avx2,fma")))

namespace loradyn {
namespace simd_detail {
namespace {

LD_AVX2 inline void mulhilo8(__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
  const __m256i pe = _mm256_mul_epu32(a, m);
  const __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
}

// Philox4x32-10 on blocks first .. first + 7.
LD_AVX2 inline void philox8(const Counter& k, uint32_t first, uint32_t* w0, uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256i x1 = _mm256_set1_epi32(static_cast<int>(k.c1));
  __m256i x2 = _mm256_set1_epi32(static_cast<int>(k.c2));
  __m256i x3 = _mm256_set1_epi32(static_cast<int>(k.c3));
  const __m256i m0 = _mm256_set1_epi64x(philox_detail::kM0);
  const __m256i m1 = _mm256_set1_epi64x(philox_detail::kM1);
  uint32_t k0 = k.k0, k1 = k.k1;
  for (int r = 0; r < 10; ++r) {
    __m256i hi0, lo0, hi1, lo1;
    mulhilo8(x0, m0, hi0, lo0);
    mulhilo8(x2, m1, hi1, lo1);
    const __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(k0)));
    const __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(k1)));
    x0 = n0;
    x1 = lo1;
    x2 = n2;
    x3 = lo0;
    k0 += philox_detail::kW0;
    k1 += philox_detail::kW1;
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w0), x0);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w1), x1);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w2), x2);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w3), x3);
}

LD_AVX2 void blocks_avx2(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t block, uint32_t nblocks,
                         double* out) {
  const Counter k = counter_of(key, step, sample);
  alignas(32) uint32_t w[4][kChunkBlocks];
  while (nblocks > 0) {
    const uint32_t nb = nblocks < kChunkBlocks ? nblocks : kChunkBlocks;
    for (uint32_t c = 0; c < nb; c += 8) philox8(k, block + c, w[0] + c, w[1] + c, w[2] + c, w[3] + c);
    transform_blocks(w[0], w[1], w[2], w[3], nb, out);
    out += 4 * nb;
    block += nb;
    nblocks -= nb;
  }
}

LD_AVX2 void superblocks_avx2(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t first, uint32_t nsuper,
                              double* out) {
  static_assert(kF32Lanes % 8 == 0, "a super-block is whole philox8 calls");
  const Counter k = counter_of(key, step, sample);
  alignas(32) uint32_t w[4][kF32Lanes];
  for (uint32_t S = first; S < first + nsuper; ++S) {
    for (uint32_t c = 0; c < kF32Lanes; c += 8) philox8(k, S * kF32Lanes + c, w[0] + c, w[1] + c, w[2] + c, w[3] + c);
    transform_superblock_f32(w[0], w[1], w[2], w[3], out);
    out += kF32SuperBlock;
  }
}

}  // namespace

BlockFill avx2_blocks() { return &blocks_avx2; }
SuperFill avx2_superblocks_f32() { return &superblocks_avx2; }

}  // namespace simd_detail
}  // namespace loradyn

#else
namespace loradyn {
namespace simd_detail {
BlockFill avx2_blocks() { return nullptr; }
SuperFill avx2_superblocks_f32() { return nullptr; }
}  // namespace simd_detail
}  // namespace loradyn
#endif
