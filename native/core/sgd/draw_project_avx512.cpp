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

#include "../rng/gaussian_simd.hpp"
#include "canonical_sum.hpp"
#include "full_kernels.hpp"

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

// N rows, and with kXRow x itself (the x . x sum); with kPending the last row is v, updated on
// the way (v = fma(beta, xp, v), as project3_pending). With kFloatX x goes to in.xf as floats, x
// is one super-block of scratch, and the pending update reads in.xpf. The sums stay in registers
// across super-blocks (the transform between them may spill them: once per 256 coordinates).
template <int N, bool kPending, bool kFloatX, bool kXRow>
LD_AVX512 void draw_project_n(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t nsuper, int64_t n8,
                              const DrawProjectRows& in, double* x, double* acc) {
  using namespace simd_detail;
  constexpr int S = N + (kXRow ? 1 : 0);
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
  for (uint32_t sb = in.first; sb < in.first + nsuper; ++sb) {
    for (uint32_t c = 0; c < kF32Lanes; c += 16)
      philox16(k, rk, sb * kF32Lanes + c, w[0] + c, w[1] + c, w[2] + c, w[3] + c);
    const int64_t base = static_cast<int64_t>(sb) * kF32SuperBlock;
    double* const xb = kFloatX ? x - base : x;  // xb[c]: coordinate c of this super-block
    transform_superblock_f32(w[0], w[1], w[2], w[3], xb + base);
    const int64_t end = std::min<int64_t>(base + kF32SuperBlock, n8);
    for (int64_t i = base; i < end; i += kSumLanes)
      for (int u = 0; u < 4; ++u) {
        const int64_t c = i + 8 * u;
        const __m512d xv = _mm512_loadu_pd(xb + c);
        for (int q = 0; q < N; ++q) {
          __m512d r;
          if (kPending && q == N - 1) {
            const __m512d xpv = kFloatX ? _mm512_cvtps_pd(_mm256_loadu_ps(in.xpf + c)) : _mm512_loadu_pd(xp + c);
            r = _mm512_fmadd_pd(beta, xpv, _mm512_loadu_pd(v + c));
            _mm512_storeu_pd(v + c, r);
          } else {
            r = _mm512_loadu_pd(rows[q] + c);
          }
          s[q][u] = _mm512_fmadd_pd(r, xv, s[q][u]);
        }
        if (kXRow) s[N][u] = _mm512_fmadd_pd(xv, xv, s[N][u]);
        // Exact (the draws are floats); stored after the pending update read xpf here, so xf may
        // be xpf (the batch of one keeps one float buffer).
        if (kFloatX) _mm256_storeu_ps(in.xf + c, _mm512_cvtpd_ps(xv));
      }
    if (kFloatX)  // the coordinates past n8 (the tail, and past d)
      for (int64_t c = std::max(end, base); c < base + kF32SuperBlock; c += 8)
        _mm256_storeu_ps(in.xf + c, _mm512_cvtpd_ps(_mm512_loadu_pd(xb + c)));
  }
  for (int q = 0; q < S; ++q)
    for (int u = 0; u < 4; ++u) _mm512_storeu_pd(acc + q * kSumLanes + 8 * u, s[q][u]);
}

using DrawProjectFn = void (*)(const DrawKey&, uint64_t, uint32_t, uint32_t, int64_t, const DrawProjectRows&, double*,
                               double*);

// The shapes met with K = 1: the batch of one (rows t, v or t, w0, v, and x; v pending where
// the update is deferred, FullSgd::defers_v_update: no w0 row; float inputs only with t, v) and
// the large-d groups (rows t, v or t, w0, v; float inputs, no x row).
DrawProjectFn pick(int nrows, bool pending, bool float_x, bool x_row) {
  if (!x_row) {
    if (pending || !float_x) return nullptr;
    return nrows == 2   ? &draw_project_n<2, false, true, false>
           : nrows == 3 ? &draw_project_n<3, false, true, false>
                        : nullptr;
  }
  if (float_x)
    return nrows != 2 ? nullptr
           : pending  ? &draw_project_n<2, true, true, true>
                      : &draw_project_n<2, false, true, true>;
  if (pending) return nrows == 2 ? &draw_project_n<2, true, false, true> : nullptr;
  return nrows == 2   ? &draw_project_n<2, false, false, true>
         : nrows == 3 ? &draw_project_n<3, false, false, true>
                      : nullptr;
}
}  // namespace

bool draw_project_supported(int nrows, bool pending, bool float_x, bool x_row) {
  static const bool avx512 = simd_path_best() == SimdPath::Avx512;
  return avx512 && pick(nrows, pending, float_x, x_row) != nullptr;
}

void draw_project(const DrawKey& key, uint64_t step, uint32_t sample, uint32_t nsuper, int64_t n8,
                  const DrawProjectRows& in, double* x, double* acc) {
  const bool float_x = in.xf != nullptr;
  pick(in.nrows, (float_x ? in.xpf != nullptr : in.xp != nullptr), float_x, in.x_row)(key, step, sample, nsuper, n8, in,
                                                                                      x, acc);
}
#else
bool draw_project_supported(int, bool, bool, bool) { return false; }
void draw_project(const DrawKey&, uint64_t, uint32_t, uint32_t, int64_t, const DrawProjectRows&, double*, double*) {
  throw std::logic_error("draw_project: not compiled in this build (check draw_project_supported)");
}
#endif

}  // namespace full_kernels
}  // namespace loradyn
