// Tiny dense linear algebra for the reduced chain (matrices of a few rows, row-major).
// Rank-deficient inputs are expected (aligned w0 is parallel to a teacher row, rows of V
// can align), so both factorisations turn a vanishing pivot into a zero column instead of
// dividing by it. Sizes are ints, or std::integral_constant where the caller knows them at
// compile time (the loops then unroll; the operations and their order are the same).
#pragma once
#include <cmath>
#include <type_traits>

#include "../rng/philox.hpp"  // LD_HD

namespace loradyn {

// 2n, known at compile time when n is.
template <int N>
constexpr std::integral_constant<int, 2 * N> twice(std::integral_constant<int, N>) {
  return {};
}
constexpr int twice(int n) { return 2 * n; }

// Relative size under which a residual counts as zero: a few ulps of accumulated rounding.
constexpr double kRankTol = 1e-13;

// Rows P (n x m) = L E with L lower-triangular (n x n) and E orthonormal rows, by modified
// Gram–Schmidt on the rows. Writes L only (E is never needed: the chain keeps coordinates).
// `work` holds (n + 1) * m doubles. A row whose residual is below kRankTol times its norm adds no
// direction (its L column stays zero).
template <class N, class M>
LD_HD void row_lq(const double* P, N n, M m, double* L, double* work) {
  double* E = work;  // orthonormal rows found so far, packed
  double* res = work + n * m;
  int found = 0;
  for (int i = 0; i < n * n; ++i) L[i] = 0.0;
  for (int i = 0; i < n; ++i) {
    double norm0 = 0.0;
    for (int k = 0; k < m; ++k) {
      res[k] = P[i * m + k];
      norm0 += res[k] * res[k];
    }
    // Column index of L equals the index of the orthonormal row (found ones only).
    for (int e = 0; e < found; ++e) {
      double c = 0.0;
      for (int k = 0; k < m; ++k) c += res[k] * E[e * m + k];
      for (int k = 0; k < m; ++k) res[k] -= c * E[e * m + k];
      L[i * n + e] = c;
    }
    double nn = 0.0;
    for (int k = 0; k < m; ++k) nn += res[k] * res[k];
    const double norm = std::sqrt(nn);
    if (found < n && norm > kRankTol * std::sqrt(norm0) && norm > 0.0) {
      for (int k = 0; k < m; ++k) E[found * m + k] = res[k] / norm;
      L[i * n + found] = norm;
      ++found;
    }
  }
}

// Lower-triangular L with L L^T = G for a symmetric PSD G (n x n); a pivot at or below
// kRankTol times the largest diagonal gives a zero column.
template <class N>
LD_HD void cholesky_psd(const double* G, N n, double* L) {
  double scale = 0.0;
  // std::fmax's result (a NaN diagonal is skipped; scale is never NaN) without its library call.
  for (int i = 0; i < n; ++i) scale = G[i * n + i] > scale ? G[i * n + i] : scale;
  for (int i = 0; i < n * n; ++i) L[i] = 0.0;
  for (int j = 0; j < n; ++j) {
    double s = G[j * n + j];
    for (int k = 0; k < j; ++k) s -= L[j * n + k] * L[j * n + k];
    if (!(s > kRankTol * scale)) continue;
    const double ljj = std::sqrt(s);
    L[j * n + j] = ljj;
    for (int i = j + 1; i < n; ++i) {
      double t = G[i * n + j];
      for (int k = 0; k < j; ++k) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / ljj;
    }
  }
}

}  // namespace loradyn
