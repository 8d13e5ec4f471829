// Philox4x32-10 for 16 blocks at a time in AVX-512 registers: the generator's AVX-512 fill
// (gaussian_simd_avx512.cpp) and the full step's fused draw-and-project kernel
// (sgd/draw_project_avx512.cpp) share it. Include only from x86-64 GCC/Clang translation units;
// the functions carry their own target attribute.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "gaussian_simd_kernel.hpp"

#define LD_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

// GCC 12 warns that _mm512_mul_epu32's internal _mm512_undefined_epi32() "may be used
// uninitialized" once inlined; it is the documented don't-care source of the intrinsic.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace loradyn {
namespace simd_detail {

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
// swap of the halves: a shuffle, which runs on port 5, where a shift would compete with the
// multiplies for port 0). The high halves of the lanes carry garbage that the 32-bit multiplies ignore; one
// permute per word gathers the 16 low halves in block order.
LD_AVX512 inline void philox16(const Counter& k, const RoundKeys& rk, uint32_t first, uint32_t* w0, uint32_t* w1,
                               uint32_t* w2, uint32_t* w3) {
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
    a0 = _mm512_ternarylogic_epi64(_mm512_shuffle_epi32(pa1, _MM_PERM_CDAB), a1, rk.k0[r], 0x96);
    b0 = _mm512_ternarylogic_epi64(_mm512_shuffle_epi32(pb1, _MM_PERM_CDAB), b1, rk.k0[r], 0x96);
    a2 = _mm512_ternarylogic_epi64(_mm512_shuffle_epi32(pa0, _MM_PERM_CDAB), a3, rk.k1[r], 0x96);
    b2 = _mm512_ternarylogic_epi64(_mm512_shuffle_epi32(pb0, _MM_PERM_CDAB), b3, rk.k1[r], 0x96);
    a1 = pa1;
    b1 = pb1;
    a3 = pa0;
    b3 = pb0;
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  _mm512_storeu_si512(w0, _mm512_permutex2var_epi32(a0, even, b0));
  _mm512_storeu_si512(w1, _mm512_permutex2var_epi32(a1, even, b1));
  _mm512_storeu_si512(w2, _mm512_permutex2var_epi32(a2, even, b2));
  _mm512_storeu_si512(w3, _mm512_permutex2var_epi32(a3, even, b3));
}

}  // namespace simd_detail
}  // namespace loradyn
