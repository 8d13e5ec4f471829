// Measures chain_math.hpp's exp, erf and sigmoid against 80-bit long double (expl, erfl): the
// largest error in ulps of the exact result over random arguments covering every interval and
// the edges a run can reach, the C library's erf on the same arguments for scale, and whether
// the batch kernels' array forms (chain_links.hpp, compiled per instruction set) return the
// scalar functions' bits.
#pragma once
#include <cstdint>

namespace loradyn {

struct ChainMathAccuracy {
  double exp_ulp = 0, erf_ulp = 0, erf_deriv_ulp = 0, sigmoid_ulp = 0, sigmoid_deriv_ulp = 0;
  double libm_erf_ulp = 0;
  bool arrays_match_scalar = true;
  int reference_digits = 0;  // mantissa bits of the long double reference
  uint64_t samples = 0;
};

ChainMathAccuracy chain_math_accuracy(uint64_t n, uint64_t seed);

}  // namespace loradyn
