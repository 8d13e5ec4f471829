// The general chain's two halves as plain functions on arrays (row-major, natural layouts), shared
// by the CPU's generic loop (general_step.cpp) and the CUDA kernel (cuda/sgd_reduced_general.cu),
// so that both run the same operations in the same order (README.md, "One step"):
//   general_add_sample:  one sample's forward pass and its terms of the batch sums;
//   general_move_frame:  the move of the frame from the batch sums (U, then V and its new axes).
// Sizes are ints, or std::integral_constant where the caller knows them at compile time (the
// loops then unroll; the operations and their order are the same).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../rng/philox.hpp"  // LD_HD
#include "gamma.hpp"
#include "small_linalg.hpp"

namespace loradyn {

// The batch sums of one step: gU (K x r), sv (r x q), cc (r x r; the lower triangle while
// accumulating, general_sums_finish mirrors it), and the sum of the losses.
struct GeneralSumsRef {
  double* gU;
  double* sv;
  double* cc;
  double loss;
};

// Adds sample xi (q frame coordinates, then its label-noise Gaussian when sqrt_noise > 0).
// Scratch: p0 (K), pv (r), g (K), c (r). student(z, s, ds) and teacher(z) evaluate the links.
// Sizes are ints or std::integral_constant (the one-sample path of general_step.cpp).
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class KD, class RD, class FD, class QD, class Student, class Teacher>
LD_HD void general_add_sample(const double* xi, KD K, RD r, FD f, QD q, const double* w0, bool w0_zero, const double* V,
                              const double* U, double a, double sqrt_noise, const Student& student,
                              const Teacher& teacher, double* p0, double* pv, double* g, double* c,
                              GeneralSumsRef& sums) {
  // Projections: teacher rows are the first K axes; w0 rows live in F; V rows in F + E.
  for (int j = 0; j < K; ++j) {
    double p = 0;
    if (!w0_zero)
      for (int e = 0; e < f; ++e) p += w0[j * f + e] * xi[e];
    p0[j] = p;
  }
  for (int i = 0; i < r; ++i) {
    double p = 0;
    for (int k = 0; k < q; ++k) p += V[i * q + k] * xi[k];
    pv[i] = p;
  }
  double yhat = 0, y = 0;
  for (int j = 0; j < K; ++j) {
    double l = p0[j];
    for (int i = 0; i < r; ++i) l += U[j * r + i] * pv[i];
    double sj;
    student(l, sj, g[j]);
    yhat += sj;
    y += teacher(xi[j]);
  }
  yhat *= a;
  y *= a;
  if (sqrt_noise > 0) y += sqrt_noise * xi[q];
  const double err = yhat - y;
  sums.loss += 0.5 * err * err;
  for (int j = 0; j < K; ++j) g[j] *= err * a;
  for (int j = 0; j < K; ++j)
    for (int i = 0; i < r; ++i) sums.gU[j * r + i] += g[j] * pv[i];
  for (int i = 0; i < r; ++i) {
    double ci = 0;
    for (int j = 0; j < K; ++j) ci += U[j * r + i] * g[j];
    c[i] = ci;
    for (int k = 0; k < q; ++k) sums.sv[i * q + k] += ci * xi[k];
  }
  for (int i = 0; i < r; ++i)
    for (int k = 0; k <= i; ++k) sums.cc[i * r + k] += c[i] * c[k];
}

// cc's upper triangle from its lower one, once the batch is summed.
LD_HD void general_sums_finish(double* cc, int r) {
  for (int i = 0; i < r; ++i)
    for (int k = 0; k < i; ++k) cc[k * r + i] = cc[i * r + k];
}

// What the frame move needs besides the state and the sums.
struct GeneralMoveParams {
  uint64_t seed;
  double step_size;  // eta / B
  double dof;        // d - q: the Wishart's degrees of freedom
  bool scratch, spherical;
};

// Scratch of the frame move: Lc, T, Z, Lnew (r x r), P (r x 2r), lq_work ((r + 1) x 2r).
struct GeneralMoveScratch {
  double *Lc, *T, *Z, *P, *Lnew, *lq_work;
};

// The rows of bartlett_factor's T (r x r, row-major) that meet a nonzero column of Lc, with
// bartlett_factor's draws (row l: the chi-square of sample l of `diag`, the Gaussians l (l - 1) / 2
// .. l (l + 1) / 2 - 1 of `offdiag`); the other rows are zero and draw nothing. Returns top,
// 1 + the last row drawn (0: none). Lc comes from cholesky_psd: column l is nonzero exactly when
// Lc_ll > 0.
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class RD>
LD_HD int bartlett_rows_used(const GeneralMoveParams& pm, uint64_t s, RD r, const double* Lc, double* T) {
  const DrawKey diag{pm.seed, kStreamReducedGamma}, offdiag{pm.seed, kStreamReducedWishart};
  int top = 0;
  for (int l = 0; l < r; ++l) {
    double* row = &T[l * r];
    for (int k = 0; k < r; ++k) row[k] = 0.0;
    if (!(Lc[l * r + l] > 0.0)) continue;
    if (l > 0) gaussian_span(offdiag, s, static_cast<uint32_t>(l * (l - 1) / 2), static_cast<uint32_t>(l), row);
    row[l] = std::sqrt(chi_square(diag, s, static_cast<uint32_t>(l), pm.dof - l));
    top = l + 1;
  }
  return top;
}

// New rows from the parts Z (r x nz, row-major) that left the frame: F part in place, the
// (E, new axes) part in P (r x m, m = r + nz); then renormalise and re-express P on an
// r-dimensional orthonormal frame (only inner products matter).
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class RD, class FD, class NZ, class MD>
LD_HD void general_move_rows(const GeneralMoveParams& pm, RD r, FD f, NZ nz, MD m, double* V, const double* sv,
                             const GeneralMoveScratch& w) {
  const int q = f + r;
  const double step_size = pm.step_size;
  for (int i = 0; i < r; ++i) {
    for (int k = 0; k < nz; ++k) {
      double z = 0;
      for (int l = k; l <= i; ++l) z += w.Lc[i * r + l] * w.T[l * r + k];
      w.Z[i * nz + k] = z;
    }
  }
  for (int i = 0; i < r; ++i) {
    double* v = &V[i * q];
    const double* svi = &sv[i * q];
    double nn = 0;
    for (int e = 0; e < f; ++e) {
      v[e] -= step_size * svi[e];
      nn += v[e] * v[e];
    }
    double* p = &w.P[i * m];
    for (int k = 0; k < r; ++k) p[k] = v[f + k] - step_size * svi[f + k];
    for (int k = 0; k < nz; ++k) p[r + k] = -step_size * w.Z[i * nz + k];
    for (int k = 0; k < m; ++k) nn += p[k] * p[k];
    if (pm.spherical) {
      const double inv = 1.0 / std::sqrt(nn);
      for (int e = 0; e < f; ++e) v[e] *= inv;
      for (int k = 0; k < m; ++k) p[k] *= inv;
    }
  }
  row_lq(w.P, r, m, w.Lnew, w.lq_work);
  for (int i = 0; i < r; ++i)
    for (int k = 0; k < r; ++k) V[i * q + f + k] = w.Lnew[i * r + k];
}

// general_move_rows with nz known at compile time (nz = N, N + 1, .., R) where r is.
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <int N, int R, class FD>
LD_HD void general_move_rows_fixed(const GeneralMoveParams& pm, std::integral_constant<int, R> r, FD f, int nz,
                                   double* V, const double* sv, const GeneralMoveScratch& w) {
  if constexpr (N < R) {
    if (nz != N) return general_move_rows_fixed<N + 1>(pm, r, f, nz, V, sv, w);
  }
  general_move_rows(pm, r, f, std::integral_constant<int, N>{}, std::integral_constant<int, R + N>{}, V, sv, w);
}
template <class FD>
LD_HD void general_move_rows_top(const GeneralMoveParams& pm, int r, FD f, int nz, double* V, const double* sv,
                                 const GeneralMoveScratch& w) {
  general_move_rows(pm, r, f, nz, r + nz, V, sv, w);
}
template <int R, class FD>
LD_HD void general_move_rows_top(const GeneralMoveParams& pm, std::integral_constant<int, R> r, FD f, int nz, double* V,
                                 const double* sv, const GeneralMoveScratch& w) {
  general_move_rows_fixed<0>(pm, r, f, nz, V, sv, w);
}

// Moves U (K x r) and V (r x q, q = f + r) by one step s from the finished sums gU, sv, cc.
//
// The inputs' parts outside the frame enter as Z_i = sum_b c_bi x_b^perp, r Gaussian vectors of
// R^(d-q) with covariance (c^T c) (x) I: Z = Lc Y with Lc Lc^T = c^T c (cholesky_psd) and Y an
// r x (d - q) matrix of iid N(0, 1); Y = T Omega (LQ; T lower-triangular with T T^T ~ Wishart_r(d - q),
// Bartlett's factor, Omega orthonormal rows, Haar and independent of T), so Z has coordinates
// Lc T on r new orthonormal axes (README.md, "One step").
//
// Fewer draws, the same numbers. c = G U (G the B x K matrix of g_bj), so c^T c has rank rho <=
// min(B, K, r): at B = 1 it is c c^T, with K = 1 it is |g|^2 u u^T at any B. cholesky_psd then leaves
// r - rho columns of Lc exactly zero (a pivot at or below kRankTol of the largest diagonal: exact
// arithmetic gives 0, rounding O(B eps) of it). Z_ik = sum_{l = k..i} Lc_il T_lk, so row l of T
// enters Z only through column l of Lc: where that column is zero, row l is multiplied by zeros,
// and is not drawn (bartlett_rows_used). Its draws are independent of the rows that are drawn
// (their own Philox counters), so leaving them out changes neither the law nor any number: the
// rows used are drawn from the same counters as before, and Z's columns from `top` (1 + the last
// nonzero column of Lc) on are exactly zero, so they are left out of P and of its LQ, where they
// only added zeros (products and squares of +-0 leave every sum as it was: sums start at +0, and
// x + (+-0) == x for x != 0, +0 + (+-0) == +0). So the bits are those of the full Wishart_r draw
// for every B, K and r. At B = 1 (and with K = 1) that is one chi-square and a frame that grows
// by one direction before the LQ, where the full draw took r chi-squares, r (r - 1) / 2
// Gaussians and r directions.
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class KD, class RD, class FD>
LD_HD void general_move_frame(const GeneralMoveParams& pm, int64_t s, KD K, RD r, FD f, double* U, double* V,
                              const double* gU, const double* sv, const double* cc, const GeneralMoveScratch& w) {
  const double step_size = pm.step_size;
  if (!pm.scratch)
    for (int k = 0; k < K * r; ++k) U[k] -= step_size * gU[k];
  cholesky_psd(cc, r, w.Lc);
  const int top = bartlett_rows_used(pm, static_cast<uint64_t>(s), r, w.Lc, w.T);
  general_move_rows_top(pm, r, f, top, V, sv, w);
}

// The recorded overlaps of a state: m (r x K, m_ij = V_ij), M = W w*^T and Q = W W^T (K x K) with
// W_j = w0_j + sum_i U_ji v_i (K x q, scratch W).
LD_HD void general_overlaps(int K, int r, int f, int q, const double* w0, const double* V, const double* U, double* m,
                            double* M, double* Q, double* W) {
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < K; ++j) m[i * K + j] = V[i * q + j];
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < q; ++k) {
      double wv = k < f ? w0[j * f + k] : 0.0;
      for (int i = 0; i < r; ++i) wv += U[j * r + i] * V[i * q + k];
      W[j * q + k] = wv;
    }
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < K; ++k) {
      M[j * K + k] = W[j * q + k];
      double qq = 0;
      for (int x = 0; x < q; ++x) qq += W[j * q + x] * W[k * q + x];
      Q[j * K + k] = qq;
    }
}

}  // namespace loradyn
