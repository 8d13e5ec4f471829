// Measures box_muller_math.hpp against 80-bit long double: the largest error, in ulps of the
// exact result, of log_unit, of cos/sin of the turn, and of the Gaussians themselves.
#pragma once
#include <cstdint>

namespace loradyn {

struct BoxMullerAccuracy {
  double log_ulp = 0, cos_ulp = 0, sin_ulp = 0, gaussian_ulp = 0;
  double libm_log_ulp = 0;  // std::log on the same inputs, for scale
  int reference_digits = 0; // mantissa bits of the long double reference
  uint64_t samples = 0;
};

// `n` random 32-bit words (Philox, stream kStreamTest) plus the extreme and quadrant-edge
// words.
BoxMullerAccuracy box_muller_accuracy(uint64_t n, uint64_t seed);

}  // namespace loradyn
