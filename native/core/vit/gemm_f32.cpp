// Float32 GEMM kernels with register tiles: a 4 x 16 block of C stays in registers while the
// shared dimension streams past. Compiled twice (AVX2 and baseline x86-64) with GCC's
// target_clones and picked at load time. Each C entry is a plain running sum in a fixed order
// (no FMA: the build uses -ffp-contract=off), so both clones give bitwise identical results.
#include "gemm.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LORADYN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LORADYN_CLONES
#endif

namespace loradyn {
namespace vit {

namespace {
constexpr int kTileR = 4, kTileC = 16;
}

LORADYN_CLONES
void gemm_nn_f32(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  const int Nt = N - N % kTileC;
  int i = 0;
  for (; i + kTileR <= M; i += kTileR) {
    const float* a = A + (size_t)i * lda;
    for (int j0 = 0; j0 < Nt; j0 += kTileC) {
      float acc[kTileR][kTileC];
      for (int r = 0; r < kTileR; ++r)
        for (int jj = 0; jj < kTileC; ++jj) acc[r][jj] = C[(size_t)(i + r) * ldc + j0 + jj];
      for (int k = 0; k < K; ++k) {
        const float* b = B + (size_t)k * ldb + j0;
        const float a0 = a[k], a1 = a[lda + k], a2 = a[2 * lda + k], a3 = a[3 * lda + k];
        for (int jj = 0; jj < kTileC; ++jj) {
          acc[0][jj] += a0 * b[jj];
          acc[1][jj] += a1 * b[jj];
          acc[2][jj] += a2 * b[jj];
          acc[3][jj] += a3 * b[jj];
        }
      }
      for (int r = 0; r < kTileR; ++r)
        for (int jj = 0; jj < kTileC; ++jj) C[(size_t)(i + r) * ldc + j0 + jj] = acc[r][jj];
    }
    if (Nt < N)
      for (int r = 0; r < kTileR; ++r)
        for (int k = 0; k < K; ++k) {
          const float ak = a[(size_t)r * lda + k];
          const float* b = B + (size_t)k * ldb;
          float* c = C + (size_t)(i + r) * ldc;
          for (int j = Nt; j < N; ++j) c[j] += ak * b[j];
        }
  }
  for (; i < M; ++i) {
    float* __restrict c = C + (size_t)i * ldc;
    const float* a = A + (size_t)i * lda;
    for (int k = 0; k < K; ++k) {
      const float ak = a[k];
      const float* __restrict b = B + (size_t)k * ldb;
      for (int j = 0; j < N; ++j) c[j] += ak * b[j];
    }
  }
}

LORADYN_CLONES
void gemm_tn_f32(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  const int Nt = N - N % kTileC;
  int k0 = 0;
  for (; k0 + kTileR <= K; k0 += kTileR) {
    for (int j0 = 0; j0 < Nt; j0 += kTileC) {
      float acc[kTileR][kTileC];
      for (int r = 0; r < kTileR; ++r)
        for (int jj = 0; jj < kTileC; ++jj) acc[r][jj] = C[(size_t)(k0 + r) * ldc + j0 + jj];
      for (int m = 0; m < M; ++m) {
        const float* a = A + (size_t)m * lda + k0;
        const float* b = B + (size_t)m * ldb + j0;
        const float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        for (int jj = 0; jj < kTileC; ++jj) {
          acc[0][jj] += a0 * b[jj];
          acc[1][jj] += a1 * b[jj];
          acc[2][jj] += a2 * b[jj];
          acc[3][jj] += a3 * b[jj];
        }
      }
      for (int r = 0; r < kTileR; ++r)
        for (int jj = 0; jj < kTileC; ++jj) C[(size_t)(k0 + r) * ldc + j0 + jj] = acc[r][jj];
    }
    if (Nt < N)
      for (int r = 0; r < kTileR; ++r) {
        float* c = C + (size_t)(k0 + r) * ldc;
        for (int m = 0; m < M; ++m) {
          const float ak = A[(size_t)m * lda + k0 + r];
          const float* b = B + (size_t)m * ldb;
          for (int j = Nt; j < N; ++j) c[j] += ak * b[j];
        }
      }
  }
  for (; k0 < K; ++k0) {
    float* __restrict c = C + (size_t)k0 * ldc;
    for (int m = 0; m < M; ++m) {
      const float ak = A[(size_t)m * lda + k0];
      const float* __restrict b = B + (size_t)m * ldb;
      for (int j = 0; j < N; ++j) c[j] += ak * b[j];
    }
  }
}

}  // namespace vit
}  // namespace loradyn
