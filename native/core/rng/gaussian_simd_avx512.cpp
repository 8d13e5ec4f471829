// AVX-512 block fill: 8 Philox blocks per vector (64-bit lanes), then the vectorised
// transform of gaussian_simd_kernel.hpp. Compiled for every x86-64 target through function
// attributes; only called when the CPU reports AVX-512F/BW/DQ/VL.
// Speed (not the bits) needs -fno-math-errno, which binding.gyp passes: otherwise GCC keeps
// sqrt scalar for errno.
#include "gaussian_simd.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>


#include "gaussian_simd_kernel.hpp"

#define LD_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))

namespace loradyn {
namespace simd_detail {
namespace {

// Philox4x32-10 on blocks first .. first + 7, one block per 64-bit lane: a single
// multiply gives the whole 64-bit product (lo in the low half, hi after a shift). The high
// halves of the lanes carry garbage that the 32-bit multiplies ignore and the final
// truncation drops.
LD_AVX512 inline void philox8(const Counter& k, uint32_t first, uint32_t* w0, uint32_t* w1,
                              uint32_t* w2, uint32_t* w3) {
  __m512i x0 = _mm512_add_epi64(_mm512_set1_epi64(first), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
  __m512i x1 = _mm512_set1_epi64(k.c1);
  __m512i x2 = _mm512_set1_epi64(k.c2);
  __m512i x3 = _mm512_set1_epi64(k.c3);
  const __m512i m0 = _mm512_set1_epi64(philox_detail::kM0);
  const __m512i m1 = _mm512_set1_epi64(philox_detail::kM1);
  uint32_t k0 = k.k0, k1 = k.k1;
  for (int r = 0; r < 10; ++r) {
    const __m512i p0 = _mm512_mul_epu32(x0, m0);
    const __m512i p1 = _mm512_mul_epu32(x2, m1);
    const __m512i n0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x1, _mm512_set1_epi64(k0), 0x96);
    const __m512i n2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x3, _mm512_set1_epi64(k1), 0x96);
    x0 = n0;
    x1 = p1;
    x2 = n2;
    x3 = p0;
    k0 += philox_detail::kW0;
    k1 += philox_detail::kW1;
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w0), _mm512_cvtepi64_epi32(x0));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w1), _mm512_cvtepi64_epi32(x1));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w2), _mm512_cvtepi64_epi32(x2));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w3), _mm512_cvtepi64_epi32(x3));
}

LD_AVX512 void blocks_avx512(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t block,
                             uint32_t nblocks, double* out) {
  const Counter k = counter_of(key, step, sample);
  alignas(64) uint32_t w[4][kChunkBlocks];
  while (nblocks > 0) {
    const uint32_t nb = nblocks < kChunkBlocks ? nblocks : kChunkBlocks;
    for (uint32_t c = 0; c < nb; c += 8) philox8(k, block + c, w[0] + c, w[1] + c, w[2] + c, w[3] + c);
    transform_blocks(w[0], w[1], w[2], w[3], nb, out);
    out += 4 * nb;
    block += nb;
    nblocks -= nb;
  }
}

}  // namespace

BlockFill avx512_blocks() { return &blocks_avx512; }

}  // namespace simd_detail
}  // namespace loradyn

#else
namespace loradyn {
namespace simd_detail {
BlockFill avx512_blocks() { return nullptr; }
}  // namespace simd_detail
}  // namespace loradyn
#endif
