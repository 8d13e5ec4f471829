// AVX-512 block fill: 8 Philox blocks per vector (64-bit lanes, two chains), then the vectorised
// transform of gaussian_simd_kernel.hpp. Compiled for every x86-64 target through function
// attributes; only called when the CPU reports AVX-512F/BW/DQ/VL.
// Speed (not the bits) needs -fno-math-errno, which binding.gyp passes: otherwise GCC keeps
// sqrt scalar for errno.
#include "gaussian_simd.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>


#include "gaussian_simd_kernel.hpp"

#define LD_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

// GCC 12 warns that _mm512_mul_epu32's internal _mm512_undefined_epi32() "may be used
// uninitialized" once inlined here; it is the documented don't-care source of the intrinsic.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace loradyn {
namespace simd_detail {
namespace {

// The 20 round keys as vectors, once per fill.
struct RoundKeys {
  __m512i k0[10], k1[10];
};

LD_AVX512 inline RoundKeys round_keys(const Counter& k) {
  RoundKeys r;
  uint32_t k0 = k.k0, k1 = k.k1;
  for (int i = 0; i < 10; ++i) {
    r.k0[i] = _mm512_set1_epi64(k0);
    r.k1[i] = _mm512_set1_epi64(k1);
    k0 += philox_detail::kW0;
    k1 += philox_detail::kW1;
  }
  return r;
}

// Philox4x32-10 on blocks first .. first + 15 as two independent chains of 8, one block per
// 64-bit lane: a single multiply gives the whole 64-bit product (lo in the low half, hi after a
// shift). The high halves of the lanes carry garbage that the 32-bit multiplies ignore; one
// permute per word gathers the 16 low halves in block order.
LD_AVX512 inline void philox16(const Counter& k, const RoundKeys& rk, uint32_t first, uint32_t* w0,
                               uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  const __m512i lane = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  __m512i a0 = _mm512_add_epi64(_mm512_set1_epi64(first), lane);
  __m512i b0 = _mm512_add_epi64(_mm512_set1_epi64(first + 8u), lane);
  __m512i a1 = _mm512_set1_epi64(k.c1), b1 = a1;
  __m512i a2 = _mm512_set1_epi64(k.c2), b2 = a2;
  __m512i a3 = _mm512_set1_epi64(k.c3), b3 = a3;
  const __m512i m0 = _mm512_set1_epi64(philox_detail::kM0);
  const __m512i m1 = _mm512_set1_epi64(philox_detail::kM1);
  for (int r = 0; r < 10; ++r) {
    const __m512i pa0 = _mm512_mul_epu32(a0, m0), pb0 = _mm512_mul_epu32(b0, m0);
    const __m512i pa1 = _mm512_mul_epu32(a2, m1), pb1 = _mm512_mul_epu32(b2, m1);
    a0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pa1, 32), a1, rk.k0[r], 0x96);
    b0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pb1, 32), b1, rk.k0[r], 0x96);
    a2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pa0, 32), a3, rk.k1[r], 0x96);
    b2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pb0, 32), b3, rk.k1[r], 0x96);
    a1 = pa1; b1 = pb1;
    a3 = pa0; b3 = pb0;
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  _mm512_storeu_si512(w0, _mm512_permutex2var_epi32(a0, even, b0));
  _mm512_storeu_si512(w1, _mm512_permutex2var_epi32(a1, even, b1));
  _mm512_storeu_si512(w2, _mm512_permutex2var_epi32(a2, even, b2));
  _mm512_storeu_si512(w3, _mm512_permutex2var_epi32(a3, even, b3));
}

LD_AVX512 void blocks_avx512(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t block,
                             uint32_t nblocks, double* out) {
  const Counter k = counter_of(key, step, sample);
  const RoundKeys rk = round_keys(k);
  alignas(64) uint32_t w[4][kChunkBlocks];  // a multiple of 16: philox16 may run past nb
  while (nblocks > 0) {
    const uint32_t nb = nblocks < kChunkBlocks ? nblocks : kChunkBlocks;
    for (uint32_t c = 0; c < nb; c += 16)
      philox16(k, rk, block + c, w[0] + c, w[1] + c, w[2] + c, w[3] + c);
    transform_blocks(w[0], w[1], w[2], w[3], nb, out);
    out += 4 * nb;
    block += nb;
    nblocks -= nb;
  }
}

LD_AVX512 void superblocks_avx512(const DrawKey& key, uint64_t step, uint32_t sample,
                                  uint32_t first, uint32_t nsuper, double* out) {
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
