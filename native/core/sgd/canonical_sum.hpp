// The one summation order of the full-d simulator. Every dot product over d coordinates is
// accumulated in 32 interleaved partial sums (coordinate i goes to lane i mod 32: four
// independent AVX-512 accumulators, so the adds do not wait on each other), combined by a
// fixed pairwise tree, and the last d mod 32 coordinates are added in order. The fast step (SIMD
// lanes, blocks of coordinates) and the reference step (plain loops) both follow it, so they
// produce the same bits, and so does any vector width. Each term is added with one fused
// multiply-add (IEEE fma: one rounding, the same on every path), which halves the vector
// operations of the step's passes over memory.
#pragma once
#include <cmath>
#include <cstdint>

namespace loradyn {

constexpr int kSumLanes = 32;

inline void lanes_zero(double* acc) {
  for (int j = 0; j < kSumLanes; ++j) acc[j] = 0.0;
}

// Pairwise: lane j absorbs lane j + w for w = 16, 8, 4, 2, 1.
inline double lanes_total(const double* acc) {
  double t[kSumLanes];
  for (int j = 0; j < kSumLanes; ++j) t[j] = acc[j];
  for (int w = kSumLanes / 2; w >= 1; w /= 2)
    for (int j = 0; j < w; ++j) t[j] = t[j] + t[j + w];
  return t[0];
}

// Straightforward form, used by the reference step: the sum of a[i] * b[i], i < n.
inline double canonical_dot(const double* a, const double* b, int64_t n) {
  double acc[kSumLanes];
  lanes_zero(acc);
  const int64_t n8 = n - n % kSumLanes;
  for (int64_t i = 0; i < n8; ++i) acc[i % kSumLanes] = std::fma(a[i], b[i], acc[i % kSumLanes]);
  double t = lanes_total(acc);
  for (int64_t i = n8; i < n; ++i) t = std::fma(a[i], b[i], t);
  return t;
}

}  // namespace loradyn
