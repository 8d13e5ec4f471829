// Measures the Box–Muller transforms against 80-bit long double: the largest error, in ulps of
// the exact result, of the log, of cos/sin of the turn, and of the Gaussians themselves; for the
// double transform (box_muller_math.hpp, double ulps) and the single-precision one of the
// inputs of engine "full" (box_muller_f32.hpp, float ulps). The exact values are those of the
// 32-bit words themselves: u = (w + 0.5) / 2^32, theta = 2 pi (w' + 0.5) / 2^32.
#pragma once
#include <cstdint>

namespace loradyn {

struct BoxMullerAccuracy {
  double log_ulp = 0, cos_ulp = 0, sin_ulp = 0, gaussian_ulp = 0;
  double libm_log_ulp = 0;  // std::log on the same inputs, for scale
  double f32_log_ulp = 0, f32_cos_ulp = 0, f32_sin_ulp = 0, f32_gaussian_ulp = 0;  // float ulps
  int reference_digits = 0;  // mantissa bits of the long double reference
  uint64_t samples = 0;
};

// `n` random 32-bit words (Philox, stream kStreamTest) plus the extreme and quadrant-edge
// words.
BoxMullerAccuracy box_muller_accuracy(uint64_t n, uint64_t seed);

}  // namespace loradyn
