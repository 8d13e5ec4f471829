// The student activation and the teacher link as the reduced chain evaluates them. A link of
// one base term (c * linear, relu, erf, sigmoid, tanh, square, He_k) gets its own evaluator,
// which the batch kernels run over whole arrays (one call per block of samples, so the loop
// around it is the compiler's to vectorise); anything else goes through Activation::eval.
// Each returns 0 + c * s and 0 + c * s' as Activation::eval does; s and s' are computed as in
// activation.cpp, except erf and the sigmoid, which come from chain_math.hpp (branch-free, so
// they vectorise; within a few ulps of the C library's).
#pragma once
#include <cmath>

#include "../activations/activation.hpp"
#include "chain_math.hpp"

#if defined(__GNUC__)
#define LD_CHAIN_INLINE inline __attribute__((always_inline))
#else
#define LD_CHAIN_INLINE inline
#endif

// The base terms also compile for the device (cuda/sgd_reduced_general.cu evaluates the same
// formulas; erf and the sigmoid are chain_math.hpp's, host-device already).
#if defined(__CUDACC__)
#define LD_CHAIN_BASE __host__ __device__ __forceinline__
#else
#define LD_CHAIN_BASE LD_CHAIN_INLINE
#endif

namespace loradyn {

enum class ChainLinkKind { Linear, Relu, Erf, Sigmoid, Tanh, Square, Hermite, General };

struct ChainLink {
  ChainLinkKind kind = ChainLinkKind::General;
  double coef = 1.0;
  int k = 0;                        // Hermite order
  const Activation* act = nullptr;  // General
  bool squared = false;             // teacher only: the label is the link's square

  static ChainLink student(const Activation& a);
  static ChainLink teacher(const Link& l);

  // s(z) and s'(z).
  LD_CHAIN_INLINE void eval(double z, double& s, double& ds) const {
    double b, db;
    switch (kind) {
      case ChainLinkKind::Linear:
        base_linear(z, b, db);
        break;
      case ChainLinkKind::Relu:
        base_relu(z, b, db);
        break;
      case ChainLinkKind::Erf:
        base_erf(z, b, db);
        break;
      case ChainLinkKind::Sigmoid:
        base_sigmoid(z, b, db);
        break;
      case ChainLinkKind::Tanh:
        base_tanh(z, b, db);
        break;
      case ChainLinkKind::Square:
        base_square(z, b, db);
        break;
      case ChainLinkKind::Hermite:
        base_hermite(k, z, b, db);
        break;
      default: {
        const ActivationValue v = act->eval(z);
        s = v.s;
        ds = v.ds;
        return;
      }
    }
    s = 0.0 + coef * b;
    ds = 0.0 + coef * db;
  }

  // The teacher's value: s(z), squared when the link says so.
  LD_CHAIN_INLINE double value(double z) const {
    double s, ds;
    eval(z, s, ds);
    return squared ? s * s : s;
  }

  // The base terms.
  static LD_CHAIN_BASE void base_linear(double z, double& s, double& ds) {
    s = z;
    ds = 1.0;
  }
  static LD_CHAIN_BASE void base_relu(double z, double& s, double& ds) {
    s = z > 0 ? z : 0.0;
    ds = z > 0 ? 1.0 : 0.0;
  }
  static LD_CHAIN_BASE void base_erf(double z, double& s, double& ds) { chain_math::erf_eval<true>(z, s, ds); }
  static LD_CHAIN_BASE void base_sigmoid(double z, double& s, double& ds) { chain_math::sigmoid_eval(z, s, ds); }
  static LD_CHAIN_BASE void base_tanh(double z, double& s, double& ds) {
    s = std::tanh(z);
    ds = 1 - s * s;
  }
  static LD_CHAIN_BASE void base_square(double z, double& s, double& ds) {
    s = z * z;
    ds = 2 * z;
  }
  // He_k and k He_{k-1} by the three-term recurrence of hermite_values().
  static LD_CHAIN_BASE void base_hermite(int k, double z, double& s, double& ds) {
    double prev = 1.0, cur = z;  // He_0, He_1
    for (int n = 1; n < k; ++n) {
      const double next = z * cur - n * prev;
      prev = cur;
      cur = next;
    }
    s = cur;
    ds = k * prev;
  }
};

// Array forms for the batch kernels (compiled once per instruction set): s[i], ds[i] = the
// student at z[i]; y[i] = the teacher's value at z[i].
void chain_student_values(const ChainLink& l, const double* z, double* s, double* ds, int n);
void chain_teacher_values(const ChainLink& l, const double* z, double* y, int n);

}  // namespace loradyn
