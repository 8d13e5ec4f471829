#include "full_kernels.hpp"

#include <cmath>

#include "../rng/gaussian_simd.hpp"
#include "canonical_sum.hpp"

// One clone per instruction set, picked by the loader (GNU ifunc); elsewhere the baseline.
// The x86-64-v4 (AVX-512) and v3 (AVX2) levels both carry FMA, which the kernels use; the
// baseline clone calls the C library's fma (same bits, slower).
// LORADYN_NO_TARGET_CLONES turns them off (sanitizer builds: ifunc resolvers run too early).
#if defined(__GNUC__) && defined(__linux__) && (defined(__x86_64__) || defined(__i386__)) && \
    !defined(LORADYN_NO_TARGET_CLONES)
#define LD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LD_CLONES
#endif

// Hand-written AVX-512 forms where the compiled lanes fall short, chosen at run time.
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define LD_HAVE_AVX512_KERNELS 1
#include <immintrin.h>
#define LD_AVX512_FMA __attribute__((target("avx512f,fma")))
#else
#define LD_HAVE_AVX512_KERNELS 0
#endif

namespace loradyn {
namespace full_kernels {

#if LD_HAVE_AVX512_KERNELS
namespace {
// Where the generator's AVX-512 path runs (the CPU has AVX-512 and FMA, LORADYN_SIMD does not
// cap it), so that the capped test runs exercise the compiled lanes too.
bool cpu_has_avx512_fma() {
  static const bool ok = simd_path_best() == SimdPath::Avx512;
  return ok;
}
}  // namespace
#endif

namespace {
// N rows against M samples' inputs in one pass, so each row and each x is loaded once; every
// (row, sample) sum adds its lanes in the same order as the one-row loop below.
template <int N, int M>
inline __attribute__((always_inline)) void project_rows(const double* const* rows, const double* const* x, int64_t n,
                                                        double* const* acc) {
  double s[M][N][kSumLanes];
  for (int m = 0; m < M; ++m)
    for (int q = 0; q < N; ++q)
      for (int j = 0; j < kSumLanes; ++j) s[m][q][j] = acc[m][q * kSumLanes + j];
  for (int64_t i = 0; i < n; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) {
      double xv[M];
      for (int m = 0; m < M; ++m) xv[m] = x[m][i + j];
      for (int q = 0; q < N; ++q) {
        const double r = rows[q][i + j];
        for (int m = 0; m < M; ++m) s[m][q][j] = std::fma(r, xv[m], s[m][q][j]);
      }
    }
  for (int m = 0; m < M; ++m)
    for (int q = 0; q < N; ++q)
      for (int j = 0; j < kSumLanes; ++j) acc[m][q * kSumLanes + j] = s[m][q][j];
}
}  // namespace

LD_CLONES void project_pair(int nrows, const double* const* rows, const double* x0, const double* x1, int64_t n,
                            double* acc0, double* acc1) {
  const double* const x[2] = {x0, x1};
  double* const acc[2] = {acc0, acc1};
  if (nrows == 2) return project_rows<2, 2>(rows, x, n, acc);
  if (nrows == 3) return project_rows<3, 2>(rows, x, n, acc);
  project(nrows, rows, x0, n, acc0);
  project(nrows, rows, x1, n, acc1);
}

LD_CLONES void project(int nrows, const double* const* rows, const double* x, int64_t n, double* acc) {
  if (nrows == 2) return project_rows<2, 1>(rows, &x, n, &acc);
  if (nrows == 3) return project_rows<3, 1>(rows, &x, n, &acc);
  for (int q = 0; q < nrows; ++q) {
    const double* a = rows[q];
    double s[kSumLanes];
    for (int j = 0; j < kSumLanes; ++j) s[j] = acc[q * kSumLanes + j];
    for (int64_t i = 0; i < n; i += kSumLanes)
      for (int j = 0; j < kSumLanes; ++j) s[j] = std::fma(a[i + j], x[i + j], s[j]);
    for (int j = 0; j < kSumLanes; ++j) acc[q * kSumLanes + j] = s[j];
  }
}

// Per sample, so its scalar parts matter at small d: compiled here, the tails' fma are
// instructions rather than calls to the C library, and the lane trees vectorise.
namespace {
// N rows at once, their sums in registers: the tails' chains of dependent fma overlap.
template <int N>
inline __attribute__((always_inline)) void finish_n(const double* acc, const double* const* rows, const double* x,
                                                    int64_t d8, int64_t d, double* out) {
  double t[N];
  for (int q = 0; q < N; ++q) t[q] = lanes_total(&acc[q * kSumLanes]);
  for (int64_t i = d8; i < d; ++i)
    for (int q = 0; q < N; ++q) t[q] = std::fma(rows[q][i], x[i], t[q]);
  for (int q = 0; q < N; ++q) out[q] = t[q];
}
}  // namespace

LD_CLONES void finish_rows(int nrows, const double* acc, const double* const* rows, const double* x, int64_t d8,
                           int64_t d, double* out) {
  int q = 0;
  for (; q + 4 <= nrows; q += 4) finish_n<4>(acc + q * kSumLanes, rows + q, x, d8, d, out + q);
  switch (nrows - q) {
    case 3:
      return finish_n<3>(acc + q * kSumLanes, rows + q, x, d8, d, out + q);
    case 2:
      return finish_n<2>(acc + q * kSumLanes, rows + q, x, d8, d, out + q);
    case 1:
      return finish_n<1>(acc + q * kSumLanes, rows + q, x, d8, d, out + q);
    default:
      return;
  }
}

LD_CLONES void project3_pending(const double* __restrict t, double* __restrict v, const double* __restrict x,
                                const double* __restrict xp, double beta, int64_t n, double* __restrict acc) {
  double s0[kSumLanes], s1[kSumLanes], s2[kSumLanes];
  for (int j = 0; j < kSumLanes; ++j) {
    s0[j] = acc[j];
    s1[j] = acc[kSumLanes + j];
    s2[j] = acc[2 * kSumLanes + j];
  }
  for (int64_t i = 0; i < n; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) {
      const double xv = x[i + j];
      const double y = std::fma(beta, xp[i + j], v[i + j]);
      v[i + j] = y;
      s0[j] = std::fma(t[i + j], xv, s0[j]);
      s1[j] = std::fma(y, xv, s1[j]);
      s2[j] = std::fma(xv, xv, s2[j]);
    }
  for (int j = 0; j < kSumLanes; ++j) {
    acc[j] = s0[j];
    acc[kSumLanes + j] = s1[j];
    acc[2 * kSumLanes + j] = s2[j];
  }
}

LD_CLONES void axpy_rows(int nrows, const double* c, const double* x, int64_t n, double* dv, int64_t stride) {
  for (int i = 0; i < nrows; ++i) {
    double* d = dv + i * stride;
    const double ci = c[i];
    for (int64_t k = 0; k < n; ++k) d[k] = std::fma(ci, x[k], d[k]);
  }
}

LD_CLONES void axpy2_rows(int nrows, const double* c0, const double* x0, const double* c1, const double* x1, int64_t n,
                          double* dv, int64_t stride) {
  for (int i = 0; i < nrows; ++i) {
    double* d = dv + i * stride;
    const double a0 = c0[i], a1 = c1[i];
    for (int64_t k = 0; k < n; ++k) d[k] = std::fma(a1, x1[k], std::fma(a0, x0[k], d[k]));
  }
}

LD_CLONES void to_float(const double* src, int64_t n, float* dst) {
  for (int64_t k = 0; k < n; ++k) dst[k] = static_cast<float>(src[k]);
}

namespace {
LD_CLONES void axpy_group_f32_cloned(int G, const double* c, const float* x, int64_t stride, int64_t n, double* dv,
                                     bool from_zero) {
  // Blocks of dv that stay in L1 while the G samples add to them, in order.
  constexpr int64_t kBlock = 512;
  for (int64_t k0 = 0; k0 < n; k0 += kBlock) {
    const int64_t k1 = k0 + kBlock < n ? k0 + kBlock : n;
    for (int g = 0; g < G; ++g) {
      const double cg = c[g];
      const float* xg = x + g * stride;
      if (g == 0 && from_zero)
        for (int64_t k = k0; k < k1; ++k) dv[k] = std::fma(cg, static_cast<double>(xg[k]), 0.0);
      else
        for (int64_t k = k0; k < k1; ++k) dv[k] = std::fma(cg, static_cast<double>(xg[k]), dv[k]);
    }
  }
}

#if LD_HAVE_AVX512_KERNELS
// 32 coordinates of dv held in four registers while all G samples add to them in order (the
// compiled loop loads and stores dv once per sample): the same fused multiply-adds.
LD_AVX512_FMA void axpy_group_f32_avx512(int G, const double* c, const float* x, int64_t stride, int64_t n, double* dv,
                                         bool from_zero) {
  const int64_t n32 = n - n % 32;
  for (int64_t k = 0; k < n32; k += 32) {
    __m512d a[4];
    for (int u = 0; u < 4; ++u) a[u] = from_zero ? _mm512_setzero_pd() : _mm512_loadu_pd(dv + k + 8 * u);
    for (int g = 0; g < G; ++g) {
      const __m512d cg = _mm512_set1_pd(c[g]);
      const float* xg = x + g * stride + k;
      for (int u = 0; u < 4; ++u) a[u] = _mm512_fmadd_pd(cg, _mm512_cvtps_pd(_mm256_loadu_ps(xg + 8 * u)), a[u]);
    }
    for (int u = 0; u < 4; ++u) _mm512_storeu_pd(dv + k + 8 * u, a[u]);
  }
  if (n32 < n) axpy_group_f32_cloned(G, c, x + n32, stride, n - n32, dv + n32, from_zero);
}
#endif
}  // namespace

void axpy_group_f32(int G, const double* c, const float* x, int64_t stride, int64_t n, double* dv, bool from_zero) {
#if LD_HAVE_AVX512_KERNELS
  if (cpu_has_avx512_fma()) return axpy_group_f32_avx512(G, c, x, stride, n, dv, from_zero);
#endif
  axpy_group_f32_cloned(G, c, x, stride, n, dv, from_zero);
}

LD_CLONES void add_into(double* dst, const double* src, int64_t n) {
  for (int64_t k = 0; k < n; ++k) dst[k] += src[k];
}

namespace {
// Coordinates n8 .. n-1 (past the last whole group of lanes), added to r in order.
inline void update_tail(double* v, double sc, const double* dv, double step, const double* t, int64_t n8, int64_t n,
                        NormDot& r) {
  for (int64_t i = n8; i < n; ++i) {
    v[i] = std::fma(-step, dv[i], sc * v[i]);
    r.nn = std::fma(v[i], v[i], r.nn);
    r.dt = std::fma(v[i], t[i], r.dt);
  }
}

LD_CLONES NormDot update_cloned(double* v, double sc, const double* dv, double step, const double* t, int64_t n) {
  double s[kSumLanes], p[kSumLanes];
  lanes_zero(s);
  lanes_zero(p);
  const int64_t n8 = n - n % kSumLanes;
  for (int64_t i = 0; i < n8; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) {
      const double y = std::fma(-step, dv[i + j], sc * v[i + j]);
      v[i + j] = y;
      s[j] = std::fma(y, y, s[j]);
      p[j] = std::fma(y, t[i + j], p[j]);
    }
  NormDot r{lanes_total(s), lanes_total(p)};
  update_tail(v, sc, dv, step, t, n8, n, r);
  return r;
}

#if LD_HAVE_AVX512_KERNELS
// The same sums with the 32 lanes in four named registers: compiled from update_cloned, GCC keeps
// the lane arrays on the stack and the loop waits on store forwarding (2x slower at d = 1000).
LD_AVX512_FMA NormDot update_avx512(double* v, double sc, const double* dv, double step, const double* t, int64_t n) {
  const __m512d vsc = _mm512_set1_pd(sc), vstep = _mm512_set1_pd(-step);
  const __m512d zero = _mm512_setzero_pd();
  __m512d s[4] = {zero, zero, zero, zero}, p[4] = {zero, zero, zero, zero};
  const int64_t n8 = n - n % kSumLanes;
  for (int64_t i = 0; i < n8; i += kSumLanes)
    for (int u = 0; u < 4; ++u) {
      const int64_t k = i + 8 * u;
      const __m512d y = _mm512_fmadd_pd(vstep, _mm512_loadu_pd(dv + k), _mm512_mul_pd(vsc, _mm512_loadu_pd(v + k)));
      _mm512_storeu_pd(v + k, y);
      s[u] = _mm512_fmadd_pd(y, y, s[u]);
      p[u] = _mm512_fmadd_pd(y, _mm512_loadu_pd(t + k), p[u]);
    }
  alignas(64) double sl[kSumLanes], pl[kSumLanes];
  for (int u = 0; u < 4; ++u) {
    _mm512_store_pd(sl + 8 * u, s[u]);
    _mm512_store_pd(pl + 8 * u, p[u]);
  }
  NormDot r{lanes_total(sl), lanes_total(pl)};
  update_tail(v, sc, dv, step, t, n8, n, r);
  return r;
}
#endif
}  // namespace

NormDot step_norm_dot(double* v, double sc, const double* dv, double step, const double* t, int64_t n) {
#if LD_HAVE_AVX512_KERNELS
  if (cpu_has_avx512_fma()) return update_avx512(v, sc, dv, step, t, n);
#endif
  return update_cloned(v, sc, dv, step, t, n);
}

LD_CLONES void scale(double* v, double s, int64_t n) {
  for (int64_t k = 0; k < n; ++k) v[k] *= s;
}

LD_CLONES double dot(const double* a, const double* b, int64_t n) {
  double s[kSumLanes];
  lanes_zero(s);
  const int64_t n8 = n - n % kSumLanes;
  for (int64_t i = 0; i < n8; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) s[j] = std::fma(a[i + j], b[i + j], s[j]);
  double t = lanes_total(s);
  for (int64_t i = n8; i < n; ++i) t = std::fma(a[i], b[i], t);
  return t;
}

}  // namespace full_kernels
}  // namespace loradyn
