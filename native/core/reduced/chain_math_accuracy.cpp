#include "chain_math_accuracy.hpp"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "../rng/gaussian.hpp"
#include "chain_links.hpp"
#include "chain_math.hpp"

namespace loradyn {
namespace {

// |got - exact| in ulps of exact's binade; only normal results are measured.
double ulps(double got, long double exact) {
  if (!(std::fabs(exact) >= DBL_MIN)) return 0;
  int e;
  std::frexp(static_cast<double>(exact), &e);
  const long double ulp = std::ldexp(1.0L, e - 53);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - exact) / ulp);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

ChainMathAccuracy chain_math_accuracy(uint64_t n, uint64_t seed) {
  ChainMathAccuracy a;
  a.reference_digits = LDBL_MANT_DIG;
  // Arguments: uniform on [-1, 1], [-7, 7] (erf's three intervals and beyond), [-40, 40]
  // (the sigmoid's tails, erf' to underflow), [-745, 709] (exp's whole normal range), and
  // the interval edges with their neighbours.
  std::vector<double> x;
  for (double e : {0.0, 0.84375, 4.0, 6.0, 1e-300, 1e-8, 27.0}) {
    double v = e;
    for (int k = 0; k < 4; ++k) {
      x.push_back(v);
      x.push_back(-v);
      v = std::nextafter(v, INFINITY);
    }
  }
  const double span[4][2] = {{-1, 1}, {-7, 7}, {-40, 40}, {-745, 709}};
  for (uint64_t i = 0; i < n; ++i) {
    const Philox4 w = philox_block({seed, kStreamTest}, 1, 0, static_cast<uint32_t>(i));
    const double u = u32_to_open01(w.v[0]);
    const double* r = span[i % 4];
    x.push_back(r[0] + (r[1] - r[0]) * u);
  }
  a.samples = x.size();
  for (double v : x) {
    const long double X = v;
    a.exp_ulp = std::fmax(a.exp_ulp, ulps(chain_math::exp(v), std::exp(X)));
    if (std::fabs(v) > 40) continue;
    double s, ds;
    chain_math::erf_eval<true>(v, s, ds);
    a.erf_ulp = std::fmax(a.erf_ulp, ulps(s, std::erf(X)));
    a.libm_erf_ulp = std::fmax(a.libm_erf_ulp, ulps(std::erf(v), std::erf(X)));
    a.erf_deriv_ulp = std::fmax(a.erf_deriv_ulp, ulps(ds, 1.12837916709551257389615890312154517L * std::exp(-X * X)));
    chain_math::sigmoid_eval(v, s, ds);
    const long double S = 1.0L / (1.0L + std::exp(-X));
    const long double E = std::exp(-std::fabs(X));  // s' = e^-|x| / (1 + e^-|x|)^2, no cancellation
    a.sigmoid_ulp = std::fmax(a.sigmoid_ulp, ulps(s, S));
    a.sigmoid_deriv_ulp = std::fmax(a.sigmoid_deriv_ulp, ulps(ds, E / ((1.0L + E) * (1.0L + E))));
  }
  // The array forms against the scalar functions, bit for bit.
  const Activation erf = Activation::parse("erf"), sig = Activation::parse("sigmoid");
  const int m = static_cast<int>(x.size());
  std::vector<double> s(m), ds(m), y(m);
  for (const Activation* act : {&erf, &sig}) {
    const ChainLink l = ChainLink::student(*act);
    chain_student_values(l, x.data(), s.data(), ds.data(), m);
    chain_teacher_values(l, x.data(), y.data(), m);
    for (int i = 0; i < m; ++i) {
      double s1, ds1;
      l.eval(x[i], s1, ds1);
      if (!same_bits(s[i], s1) || !same_bits(ds[i], ds1) || !same_bits(y[i], s1)) a.arrays_match_scalar = false;
    }
  }
  return a;
}

}  // namespace loradyn
