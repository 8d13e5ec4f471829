// Activations on the device: the CPU's Activation (a list of weighted terms) flattened into a
// fixed-size POD passed by value to kernels, with the same formulas as
// native/core/activations/activation.cpp (s, s'), so both backends evaluate the same function.
#pragma once
#include <stdexcept>

#include "../core/activations/activation.hpp"
#include "../core/engine/cuda_limits.hpp"  // kDevMaxTerms, kDevMaxCoeffs
#include "../core/rng/philox.hpp"          // LD_HD

namespace loradyn {

struct DevTerm {
  int kind;  // BaseKind
  int k;     // Hermite order; for a series: number of coefficients
  int off;   // first coefficient in DevActivation::coeffs (series)
  double coef;
};

struct DevActivation {
  int nterms;
  int squared;  // teacher link y = s(z)^2
  DevTerm terms[kDevMaxTerms];
  double coeffs[kDevMaxCoeffs];
};

// Host: flattens an Activation; throws std::invalid_argument if it does not fit.
inline DevActivation to_device_activation(const Activation& a, bool squared) {
  DevActivation d{};
  d.squared = squared ? 1 : 0;
  const auto& terms = a.terms();
  if (static_cast<int>(terms.size()) > kDevMaxTerms)
    throw std::invalid_argument("backend 'cuda' supports activations of at most 8 terms");
  int off = 0;
  for (const auto& t : terms) {
    DevTerm& o = d.terms[d.nterms++];
    o.kind = static_cast<int>(t.kind);
    o.k = t.k;
    o.coef = t.coef;
    o.off = off;
    if (t.kind == BaseKind::HermiteSeries) {
      o.k = static_cast<int>(t.coeffs.size());
      if (off + o.k > kDevMaxCoeffs)
        throw std::invalid_argument("backend 'cuda' supports Hermite series of at most 72 coefficients");
      for (double c : t.coeffs) d.coeffs[off++] = c;
    }
  }
  return d;
}

// s(z) and s'(z) of one activation (the squared flag is applied by dev_link_value).
LD_HD void dev_activation_eval(const DevActivation& a, double z, double& s, double& ds) {
  s = 0;
  ds = 0;
  for (int n = 0; n < a.nterms; ++n) {
    const DevTerm& t = a.terms[n];
    double v = 0, dv = 0;
    switch (static_cast<BaseKind>(t.kind)) {
      case BaseKind::Linear:
        v = z;
        dv = 1;
        break;
      case BaseKind::Relu:
        v = z > 0 ? z : 0.0;
        dv = z > 0 ? 1.0 : 0.0;
        break;
      case BaseKind::Erf:
        v = erf(z);
        dv = 1.1283791670955126 * exp(-z * z);
        break;
      case BaseKind::Sigmoid: {
        const double e = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
        v = e;
        dv = e * (1 - e);
        break;
      }
      case BaseKind::Tanh:
        v = tanh(z);
        dv = 1 - v * v;
        break;
      case BaseKind::Square:
        v = z * z;
        dv = 2 * z;
        break;
      case BaseKind::Hermite: {
        // He_{n+1} = z He_n - n He_{n-1}, rolled forward to He_k; s' = k He_{k-1}.
        double hm1 = 1.0, h = z;  // He_0, He_1
        for (int i = 1; i < t.k; ++i) {
          const double hn = z * h - i * hm1;
          hm1 = h;
          h = hn;
        }
        v = h;
        dv = t.k * hm1;
        break;
      }
      case BaseKind::HermiteSeries: {
        const double* c = &a.coeffs[t.off];
        const int deg = t.k - 1;
        double hm1 = 0.0, h = 1.0;  // He_{-1} (unused), He_0
        v = c[0];
        for (int i = 0; i < deg; ++i) {
          const double hn = i == 0 ? z : z * h - i * hm1;  // He_{i+1}
          dv += c[i + 1] * (i + 1) * h;                    // c_{i+1} (i+1) He_i
          hm1 = h;
          h = hn;
          v += c[i + 1] * h;
        }
        break;
      }
    }
    s += t.coef * v;
    ds += t.coef * dv;
  }
}

LD_HD double dev_link_value(const DevActivation& a, double z) {
  double s, ds;
  dev_activation_eval(a, z, s, ds);
  return a.squared ? s * s : s;
}

}  // namespace loradyn
