#include "batch_kernels.hpp"

#include <cstring>

#include "isa_clones.hpp"

// The vector helpers below are always inlined: their ABI never shows.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace loradyn {
namespace {

#define LD_KERNEL_INLINE inline __attribute__((always_inline))
#define LD_KERNEL_LAMBDA __attribute__((always_inline))

// N doubles in one GCC/Clang vector (the compiler splits it into what the clone's instruction
// set has); N = 1 is a plain double. Lanes are combined only element-wise.
template <int N>
struct VecOf {
  typedef double type __attribute__((vector_size(N * sizeof(double))));
};
template <>
struct VecOf<1> {
  using type = double;
};
template <int N>
using Vec = typename VecOf<N>::type;

template <int N>
LD_KERNEL_INLINE Vec<N> load(const double* p) {
  Vec<N> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <int N>
LD_KERNEL_INLINE void store(double* p, const Vec<N>& v) {
  std::memcpy(p, &v, sizeof v);
}
template <int N>
LD_KERNEL_INLINE double lane(const Vec<N>& v, int i) {
  if constexpr (N == 1) {
    (void)i;
    return v;
  } else {
    return v[i];
  }
}

template <int K, int R, bool Diag>
struct Shape {
  static constexpr int F = Diag ? K : 2 * K, Q = F + R;
  static constexpr int KP = batch_pad(K), RP = batch_pad(R), QP = batch_pad(Q);
  static_assert(KP == K && RP == R, "rows of lam and pv are stored unpadded");
  static_assert(QP <= kBatchMaxQP && QP <= kBatchSlack, "xs rows are read as whole vectors");
};

template <int K, int R, bool Diag>
LD_KERNEL_INLINE void forward(const BatchFrame& fr, const BatchBlock& blk) {
  using S = Shape<K, R, Diag>;
  Vec<R> VT[S::Q];
  for (int k = 0; k < S::Q; ++k) VT[k] = load<R>(fr.VT + k * R);
  Vec<K> UT[R];
  for (int i = 0; i < R; ++i) UT[i] = load<K>(fr.UT + i * K);
  Vec<K> w0T[S::F];
  for (int e = 0; e < S::F; ++e) w0T[e] = load<K>(fr.w0T + e * K);
  const Vec<K> mu = load<K>(fr.mu);
  const int nq = blk.nq;
  for (int b = 0; b < blk.nb; ++b) {
    const double* xi = blk.xs + static_cast<int64_t>(b) * nq;
    // pv_i = sum_k V_ik xi_k, k = 0, 1, ... from 0 (the generic loop's order).
    Vec<R> p{};
    for (int k = 0; k < S::Q; ++k) p += VT[k] * xi[k];
    const Vec<K> xk = load<K>(xi);
    Vec<K> l;
    if constexpr (Diag) {
      l = 0.0 + mu * xk;  // = the generic loop's sum over e of w0_je xi_e, all but one term 0
    } else {
      l = Vec<K>{};
      for (int e = 0; e < S::F; ++e) l += w0T[e] * xi[e];
    }
    for (int i = 0; i < R; ++i) l += UT[i] * lane<R>(p, i);
    store<K>(blk.lam + b * K, l);
    store<K>(blk.targ + b * K, xk);
    store<R>(blk.pv + b * R, p);
  }
}

template <int K, int R, bool Diag>
LD_KERNEL_INLINE void accumulate(const BatchFrame& fr, const BatchBlock& blk, double a, double sqrt_noise,
                                 BatchSums& sums) {
  using S = Shape<K, R, Diag>;
  constexpr int QP = S::QP;
  const int nb = blk.nb, nq = blk.nq;
  // 1. Per sample, independent across samples (the compiler's loop over b is vectorised):
  //    the error, the loss term, g = s' err a and c = U^T g, each as the generic loop forms it.
  double Ur[K][R];
  for (int j = 0; j < K; ++j)
    for (int i = 0; i < R; ++i) Ur[j][i] = fr.Ur[j * R + i];
  double* __restrict lt = blk.lt;
  double* __restrict g = blk.g;
  double* __restrict c = blk.c;
  const double* __restrict sv_ = blk.s;
  const double* __restrict ds = blk.ds;
  const double* __restrict yv = blk.y;
  const auto per_sample = [&](int b, double noise) LD_KERNEL_LAMBDA {
    double yhat = 0, y = 0;
    for (int j = 0; j < K; ++j) yhat += sv_[b * K + j];
    for (int j = 0; j < K; ++j) y += yv[b * K + j];
    yhat *= a;
    y *= a;
    y += noise;
    const double err = yhat - y;
    lt[b] = 0.5 * err * err;
    const double ea = err * a;
    double gj[K];
    for (int j = 0; j < K; ++j) g[b * K + j] = gj[j] = ds[b * K + j] * ea;
    for (int i = 0; i < R; ++i) {
      double ci = 0;
      for (int j = 0; j < K; ++j) ci += Ur[j][i] * gj[j];
      c[b * R + i] = ci;
    }
  };
  if (sqrt_noise > 0) {
    for (int b = 0; b < nb; ++b) per_sample(b, sqrt_noise * blk.xs[static_cast<int64_t>(b) * nq + S::Q]);
  } else {
    // y + 0.0 == y: the same bits as the generic loop, which adds no noise term.
    for (int b = 0; b < nb; ++b) per_sample(b, 0.0);
  }
  // 2. The sums, sample after sample (the generic loop's order), vectors across r and q.
  Vec<R> gU[K], cc[R];
  Vec<QP> sv[R];
  for (int j = 0; j < K; ++j) gU[j] = load<R>(sums.gU + j * R);
  for (int i = 0; i < R; ++i) {
    sv[i] = load<QP>(sums.sv + i * QP);
    cc[i] = load<R>(sums.cc + i * R);
  }
  double loss = sums.loss;
  for (int b = 0; b < nb; ++b) {
    loss += lt[b];
    const Vec<R> p = load<R>(blk.pv + b * R);
    for (int j = 0; j < K; ++j) gU[j] += g[b * K + j] * p;
    const Vec<R> cb = load<R>(c + b * R);
    // Lanes q .. QP - 1 of x are the next numbers in xs: they only reach sv's padding.
    const Vec<QP> x = load<QP>(blk.xs + static_cast<int64_t>(b) * nq);
    for (int i = 0; i < R; ++i) {
      sv[i] += c[b * R + i] * x;
      cc[i] += c[b * R + i] * cb;
    }
  }
  sums.loss = loss;
  for (int j = 0; j < K; ++j) store<R>(sums.gU + j * R, gU[j]);
  for (int i = 0; i < R; ++i) {
    store<QP>(sums.sv + i * QP, sv[i]);
    store<R>(sums.cc + i * R, cc[i]);
  }
}

constexpr bool same(const BatchShape& sh, int K, int R, bool diag) {
  return sh.K == K && sh.R == R && sh.diag == diag && sh.F == (diag ? K : 2 * K);
}

}  // namespace

BatchShape batch_shape_of(const ReducedState& st) {
  BatchShape sh;
  sh.K = st.K;
  sh.R = st.r;
  sh.F = st.f;
  sh.diag = st.f == st.K;
  for (int j = 0; j < st.K && sh.diag; ++j)
    for (int e = 0; e < st.f; ++e)
      if (e != j && st.w0[j * st.f + e] != 0.0) sh.diag = false;
  return sh;
}

bool batch_shape_supported(const BatchShape& sh) {
#define LD_MATCH(K, R, D) \
  if (same(sh, K, R, D)) return true;
  LD_BATCH_SHAPES(LD_MATCH)
#undef LD_MATCH
  return false;
}

void batch_frame_fill(const BatchShape& sh, const ReducedState& st, BatchFrame& fr) {
  // Supported shapes have K and r rows of whole vectors: no padding to clear.
  const int K = sh.K, R = sh.R, F = sh.F, q = st.q;
  for (int k = 0; k < q; ++k)
    for (int i = 0; i < R; ++i) fr.VT[k * R + i] = st.V[i * q + k];
  for (int j = 0; j < K; ++j)
    for (int i = 0; i < R; ++i) {
      fr.UT[i * K + j] = st.U[j * R + i];
      fr.Ur[j * R + i] = st.U[j * R + i];
    }
  for (int j = 0; j < K; ++j) {
    for (int e = 0; e < F; ++e) fr.w0T[e * K + j] = st.w0[j * F + e];
    fr.mu[j] = sh.diag ? st.w0[j * F + j] : 0.0;
  }
}

LD_CLONES void batch_forward(const BatchShape& sh, const BatchFrame& fr, const BatchBlock& blk) {
#define LD_CALL(K, R, D)       \
  if (same(sh, K, R, D)) {     \
    forward<K, R, D>(fr, blk); \
    return;                    \
  }
  LD_BATCH_SHAPES(LD_CALL)
#undef LD_CALL
}

LD_CLONES void batch_accumulate(const BatchShape& sh, const BatchFrame& fr, const BatchBlock& blk, double a,
                                double sqrt_noise, BatchSums& sums) {
#define LD_CALL(K, R, D)                               \
  if (same(sh, K, R, D)) {                             \
    accumulate<K, R, D>(fr, blk, a, sqrt_noise, sums); \
    return;                                            \
  }
  LD_BATCH_SHAPES(LD_CALL)
#undef LD_CALL
}

}  // namespace loradyn
