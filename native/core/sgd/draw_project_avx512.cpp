// The batch of one's fused draw-and-project kernel (full_kernels::draw_project): x drawn super-block
// by super-block (256 coordinates) and every projection advanced on each super-block right after
// it is drawn, while it is in L1, in one call per sample: no draw blocks, no second loop over x,
// and the projections' loads issued between the generator's arithmetic. Paired timings of the
// whole step: +2-4% at d = 1e3, +6% at d = 1e4 and 1e5. (At B > 1 the same kernel, one sample or
// two at a time, or with the dV update folded in, was no faster than the pairs of sgd_full.cpp.)
// Same numbers as gaussian_fill_f32_fast followed by project() or project3_pending(): the same
// draws, the same fused multiply-adds into the same lanes in the same order (test/sgd_fast.test.ts).
#include <algorithm>
#include <stdexcept>

#include "full_kernels.hpp"
#include "../rng/gaussian_simd.hpp"
#include "canonical_sum.hpp"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define LD_HAVE_DRAW_PROJECT 1
#include "../rng/philox_avx512.hpp"
#else
#define LD_HAVE_DRAW_PROJECT 0
#endif

namespace loradyn {
namespace full_kernels {

#if LD_HAVE_DRAW_PROJECT
namespace {
static_assert(kSumLanes == 32 && kF32SuperBlock % kSumLanes == 0, "a super-block is whole groups of lanes");

// N rows and x itself (the x . x sum); with kPending the last row is v, updated on the way
// (v = fma(beta, xp, v), as project3_pending). The sums stay in registers across super-blocks
// (the transform between them may spill them: once per 256 coordinates).
template <int N, bool kPending>
LD_AVX512 void draw_project_n(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t nsuper, int64_t n8,
                              const DrawProjectRows& in, double* x, double* acc) {
  using namespace simd_detail;
  constexpr int S = N + 1;
  const Counter k = counter_of(key, step, sample);
  const RoundKeys rk = round_keys(k);
  alignas(64) uint32_t w[4][kF32Lanes];
  const double* rows[N];
  for (int q = 0; q < N; ++q) rows[q] = in.rows[q];
  double* const v = in.v;
  const double* const xp = in.xp;
  const __m512d beta = _mm512_set1_pd(in.beta);
  __m512d s[S][4];
  for (int q = 0; q < S; ++q)
    for (int u = 0; u < 4; ++u) s[q][u] = _mm512_loadu_pd(acc + q * kSumLanes + 8 * u);
  for (uint32_t sb = 0; sb < nsuper; ++sb) {
    for (uint32_t c = 0; c < kF32Lanes; c += 16)
      philox16(k, rk, sb * kF32Lanes + c, w[0] + c, w[1] + c, w[2] + c, w[3] + c);
    const int64_t base = static_cast<int64_t>(sb) * kF32SuperBlock;
    transform_superblock_f32(w[0], w[1], w[2], w[3], x + base);
    const int64_t end = std::min<int64_t>(base + kF32SuperBlock, n8);
    for (int64_t i = base; i < end; i += kSumLanes)
      for (int u = 0; u < 4; ++u) {
        const int64_t c = i + 8 * u;
        const __m512d xv = _mm512_loadu_pd(x + c);
        for (int q = 0; q < N; ++q) {
          __m512d r;
          if (kPending && q == N - 1) {
            r = _mm512_fmadd_pd(beta, _mm512_loadu_pd(xp + c), _mm512_loadu_pd(v + c));
            _mm512_storeu_pd(v + c, r);
          } else {
            r = _mm512_loadu_pd(rows[q] + c);
          }
          s[q][u] = _mm512_fmadd_pd(r, xv, s[q][u]);
        }
        s[N][u] = _mm512_fmadd_pd(xv, xv, s[N][u]);
      }
  }
  for (int q = 0; q < S; ++q)
    for (int u = 0; u < 4; ++u) _mm512_storeu_pd(acc + q * kSumLanes + 8 * u, s[q][u]);
}

using DrawProjectFn = void (*)(const DrawKey&, uint64_t, uint32_t, uint32_t, int64_t, const DrawProjectRows&,
                               double*, double*);

// The shapes of the batch of one with K = 1 (rows t, v or t, w0, v); v pending where the update
// is deferred (FullSgd::defers_v_update: no w0 row).
DrawProjectFn pick(int nrows, bool pending) {
  if (pending) return nrows == 2 ? &draw_project_n<2, true> : nullptr;
  return nrows == 2 ? &draw_project_n<2, false> : nrows == 3 ? &draw_project_n<3, false> : nullptr;
}
}  // namespace

bool draw_project_supported(int nrows, bool pending) {
  static const bool avx512 = simd_path_best() == SimdPath::Avx512;
  return avx512 && pick(nrows, pending) != nullptr;
}

void draw_project(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t nsuper, int64_t n8,
                  const DrawProjectRows& in, double* x, double* acc) {
  pick(in.nrows, in.xp != nullptr)(key, step, sample, nsuper, n8, in, x, acc);
}
#else
bool draw_project_supported(int, bool) { return false; }
void draw_project(const DrawKey&, uint64_t, uint32_t, uint32_t, int64_t, const DrawProjectRows&, double*, double*) {
  throw std::logic_error("draw_project: not compiled in this build (check draw_project_supported)");
}
#endif

}  // namespace full_kernels
}  // namespace loradyn
