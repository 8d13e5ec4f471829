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
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class Student, class Teacher>
LD_HD void general_add_sample(const double* xi, int K, int r, int f, int q, const double* w0, bool w0_zero,
                              const double* V, const double* U, double a, double sqrt_noise, const Student& student,
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

// Moves U (K x r) and V (r x q, q = f + r) by one step s from the finished sums gU, sv, cc.
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class KD, class RD, class FD>
LD_HD void general_move_frame(const GeneralMoveParams& pm, int64_t s, KD K, RD r, FD f, double* U, double* V,
                              const double* gU, const double* sv, const double* cc, const GeneralMoveScratch& w) {
  const int q = f + r;
  const double step_size = pm.step_size;
  if (!pm.scratch)
    for (int k = 0; k < K * r; ++k) U[k] -= step_size * gU[k];
  // The inputs' parts outside the frame enter as Z_i = sum_b c_bi x_b^perp, r Gaussian
  // vectors of R^(d-q) with covariance (c^T c) (x) I: coordinates Lc T on r new axes.
  cholesky_psd(cc, r, w.Lc);
  bartlett_factor({pm.seed, kStreamReducedGamma}, {pm.seed, kStreamReducedWishart}, static_cast<uint64_t>(s), r, pm.dof,
                  w.T);
  for (int i = 0; i < r; ++i)
    for (int k = 0; k < r; ++k) {
      double z = 0;
      for (int l = k; l <= i; ++l) z += w.Lc[i * r + l] * w.T[l * r + k];
      w.Z[i * r + k] = z;
    }
  // New rows: F part in place, the (E, new axes) part in P (r x 2r); then renormalise
  // and re-express P on an r-dimensional orthonormal frame (only inner products matter).
  for (int i = 0; i < r; ++i) {
    double* v = &V[i * q];
    const double* svi = &sv[i * q];
    double nn = 0;
    for (int e = 0; e < f; ++e) {
      v[e] -= step_size * svi[e];
      nn += v[e] * v[e];
    }
    double* p = &w.P[i * 2 * r];
    for (int k = 0; k < r; ++k) {
      p[k] = v[f + k] - step_size * svi[f + k];
      p[r + k] = -step_size * w.Z[i * r + k];
    }
    for (int k = 0; k < 2 * r; ++k) nn += p[k] * p[k];
    if (pm.spherical) {
      const double inv = 1.0 / std::sqrt(nn);
      for (int e = 0; e < f; ++e) v[e] *= inv;
      for (int k = 0; k < 2 * r; ++k) p[k] *= inv;
    }
  }
  row_lq(w.P, r, twice(r), w.Lnew, w.lq_work);
  for (int i = 0; i < r; ++i)
    for (int k = 0; k < r; ++k) V[i * q + f + k] = w.Lnew[i * r + k];
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
