// Small dense kernels for row-major matrices. Every inner loop is an axpy over a contiguous
// row (no floating-point reductions), so g++ -O3 vectorises it without -ffast-math, and the
// summation order is fixed: results do not depend on threads or on the vector width.
#pragma once
#include <cstring>

namespace loradyn {
namespace vit {

// C[M x N] += A[M x K] * B[K x N]. Four rows of C share each row of B.
template <class R>
void gemm_nn(int M, int N, int K, const R* A, int lda, const R* B, int ldb, R* C, int ldc) {
  int i = 0;
  for (; i + 4 <= M; i += 4) {
    R* __restrict c0 = C + (size_t)i * ldc;
    R* __restrict c1 = c0 + ldc;
    R* __restrict c2 = c1 + ldc;
    R* __restrict c3 = c2 + ldc;
    const R* a = A + (size_t)i * lda;
    for (int k = 0; k < K; ++k) {
      const R a0 = a[k], a1 = a[lda + k], a2 = a[2 * lda + k], a3 = a[3 * lda + k];
      const R* __restrict b = B + (size_t)k * ldb;
      for (int j = 0; j < N; ++j) {
        const R bj = b[j];
        c0[j] += a0 * bj;
        c1[j] += a1 * bj;
        c2[j] += a2 * bj;
        c3[j] += a3 * bj;
      }
    }
  }
  for (; i < M; ++i) {
    R* __restrict c = C + (size_t)i * ldc;
    const R* a = A + (size_t)i * lda;
    for (int k = 0; k < K; ++k) {
      const R ak = a[k];
      const R* __restrict b = B + (size_t)k * ldb;
      for (int j = 0; j < N; ++j) c[j] += ak * b[j];
    }
  }
}

// C[K x N] += A[M x K]^T * B[M x N] (weight gradients: X^T dY). Four rows of A/B per pass
// over C, always added in the same order.
template <class R>
void gemm_tn(int M, int N, int K, const R* A, int lda, const R* B, int ldb, R* C, int ldc) {
  int m = 0;
  for (; m + 4 <= M; m += 4) {
    const R* __restrict b0 = B + (size_t)m * ldb;
    const R* __restrict b1 = b0 + ldb;
    const R* __restrict b2 = b1 + ldb;
    const R* __restrict b3 = b2 + ldb;
    const R* a = A + (size_t)m * lda;
    for (int k = 0; k < K; ++k) {
      const R a0 = a[k], a1 = a[lda + k], a2 = a[2 * lda + k], a3 = a[3 * lda + k];
      R* __restrict c = C + (size_t)k * ldc;
      for (int j = 0; j < N; ++j) c[j] += ((a0 * b0[j] + a1 * b1[j]) + (a2 * b2[j] + a3 * b3[j]));
    }
  }
  for (; m < M; ++m) {
    const R* __restrict b = B + (size_t)m * ldb;
    const R* a = A + (size_t)m * lda;
    for (int k = 0; k < K; ++k) {
      const R ak = a[k];
      R* __restrict c = C + (size_t)k * ldc;
      for (int j = 0; j < N; ++j) c[j] += ak * b[j];
    }
  }
}

// Float32 kernels with register tiles and AVX2/baseline clones (gemm_f32.cpp); same contracts.
void gemm_nn_f32(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
void gemm_tn_f32(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);

template <>
inline void gemm_nn<float>(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  gemm_nn_f32(M, N, K, A, lda, B, ldb, C, ldc);
}
template <>
inline void gemm_tn<float>(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  gemm_tn_f32(M, N, K, A, lda, B, ldb, C, ldc);
}

// out[cols x rows] = in[rows x cols]^T
template <class R>
void transpose(int rows, int cols, const R* in, R* out) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) out[(size_t)j * rows + i] = in[(size_t)i * cols + j];
}

// y[j] += sum over rows of X[i, j] (bias gradients)
template <class R>
void add_column_sums(int rows, int cols, const R* X, R* y) {
  for (int i = 0; i < rows; ++i) {
    const R* __restrict x = X + (size_t)i * cols;
    R* __restrict yy = y;
    for (int j = 0; j < cols; ++j) yy[j] += x[j];
  }
}

}  // namespace vit
}  // namespace loradyn
