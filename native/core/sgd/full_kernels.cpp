#include "full_kernels.hpp"

#include "canonical_sum.hpp"

// One clone per instruction set, picked by the loader (GNU ifunc); elsewhere the baseline.
// LORADYN_NO_TARGET_CLONES turns them off (sanitizer builds: ifunc resolvers run too early).
#if defined(__GNUC__) && defined(__linux__) && (defined(__x86_64__) || defined(__i386__)) && \
    !defined(LORADYN_NO_TARGET_CLONES)
#define LD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LD_CLONES
#endif

namespace loradyn {
namespace full_kernels {

namespace {
// N rows in one pass, so x is loaded once; each row's lanes add in the same order as the
// one-row loop below.
template <int N>
inline __attribute__((always_inline)) void project_rows(const double* const* rows, const double* x,
                                                        int64_t n, double* acc) {
  double s[N][kSumLanes];
  for (int q = 0; q < N; ++q)
    for (int j = 0; j < kSumLanes; ++j) s[q][j] = acc[q * kSumLanes + j];
  for (int64_t i = 0; i < n; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) {
      const double xv = x[i + j];
      for (int q = 0; q < N; ++q) s[q][j] += rows[q][i + j] * xv;
    }
  for (int q = 0; q < N; ++q)
    for (int j = 0; j < kSumLanes; ++j) acc[q * kSumLanes + j] = s[q][j];
}
}  // namespace

LD_CLONES void project(int nrows, const double* const* rows, const double* x, int64_t n,
                       double* acc) {
  if (nrows == 2) return project_rows<2>(rows, x, n, acc);
  if (nrows == 3) return project_rows<3>(rows, x, n, acc);
  for (int q = 0; q < nrows; ++q) {
    const double* a = rows[q];
    double s[kSumLanes];
    for (int j = 0; j < kSumLanes; ++j) s[j] = acc[q * kSumLanes + j];
    for (int64_t i = 0; i < n; i += kSumLanes)
      for (int j = 0; j < kSumLanes; ++j) s[j] += a[i + j] * x[i + j];
    for (int j = 0; j < kSumLanes; ++j) acc[q * kSumLanes + j] = s[j];
  }
}

LD_CLONES void axpy_rows(int nrows, const double* c, const double* x, int64_t n, double* dv,
                         int64_t stride) {
  for (int i = 0; i < nrows; ++i) {
    double* d = dv + i * stride;
    const double ci = c[i];
    for (int64_t k = 0; k < n; ++k) d[k] += ci * x[k];
  }
}

LD_CLONES void to_float(const double* src, int64_t n, float* dst) {
  for (int64_t k = 0; k < n; ++k) dst[k] = static_cast<float>(src[k]);
}

LD_CLONES void axpy_group_f32(int G, const double* c, const float* x, int64_t stride, int64_t n,
                              double* dv) {
  // Blocks of dv that stay in L1 while the G samples add to them, in order.
  constexpr int64_t kBlock = 512;
  for (int64_t k0 = 0; k0 < n; k0 += kBlock) {
    const int64_t k1 = k0 + kBlock < n ? k0 + kBlock : n;
    for (int g = 0; g < G; ++g) {
      const double cg = c[g];
      const float* xg = x + g * stride;
      for (int64_t k = k0; k < k1; ++k) dv[k] += cg * static_cast<double>(xg[k]);
    }
  }
}

LD_CLONES void add_into(double* dst, const double* src, int64_t n) {
  for (int64_t k = 0; k < n; ++k) dst[k] += src[k];
}

LD_CLONES NormDot step_norm_dot(double* v, double sc, const double* dv, double step, const double* t,
                                int64_t n) {
  double s[kSumLanes], p[kSumLanes];
  lanes_zero(s);
  lanes_zero(p);
  const int64_t n8 = n - n % kSumLanes;
  for (int64_t i = 0; i < n8; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) {
      const double y = sc * v[i + j] - step * dv[i + j];
      v[i + j] = y;
      s[j] += y * y;
      p[j] += y * t[i + j];
    }
  NormDot r{lanes_total(s), lanes_total(p)};
  for (int64_t i = n8; i < n; ++i) {
    v[i] = sc * v[i] - step * dv[i];
    r.nn += v[i] * v[i];
    r.dt += v[i] * t[i];
  }
  return r;
}

LD_CLONES NormDot step_sample_norm_dot(double* v, double sc, const double* x, double c, double step,
                                       const double* t, int64_t n) {
  double s[kSumLanes], p[kSumLanes];
  lanes_zero(s);
  lanes_zero(p);
  const int64_t n8 = n - n % kSumLanes;
  for (int64_t i = 0; i < n8; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) {
      const double y = sc * v[i + j] - step * (0.0 + c * x[i + j]);
      v[i + j] = y;
      s[j] += y * y;
      p[j] += y * t[i + j];
    }
  NormDot r{lanes_total(s), lanes_total(p)};
  for (int64_t i = n8; i < n; ++i) {
    v[i] = sc * v[i] - step * (0.0 + c * x[i]);
    r.nn += v[i] * v[i];
    r.dt += v[i] * t[i];
  }
  return r;
}

LD_CLONES void scale(double* v, double s, int64_t n) {
  for (int64_t k = 0; k < n; ++k) v[k] *= s;
}

LD_CLONES double dot(const double* a, const double* b, int64_t n) {
  double s[kSumLanes];
  lanes_zero(s);
  const int64_t n8 = n - n % kSumLanes;
  for (int64_t i = 0; i < n8; i += kSumLanes)
    for (int j = 0; j < kSumLanes; ++j) s[j] += a[i + j] * b[i + j];
  double t = lanes_total(s);
  for (int64_t i = n8; i < n; ++i) t += a[i] * b[i];
  return t;
}

}  // namespace full_kernels
}  // namespace loradyn
