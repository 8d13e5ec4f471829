// Activations s(z) with s'(z) and s''(z): the links of student and teacher.
// An activation is a weighted sum of base terms ("he3+0.5*he5", "erf+relu"), or a link
// given by its probabilists' Hermite coefficients.
#pragma once
#include <string>
#include <vector>

namespace loradyn {

enum class BaseKind { Linear, Relu, Erf, Sigmoid, Tanh, Square, Hermite, HermiteSeries };

struct ActivationTerm {
  double coef = 1.0;
  BaseKind kind = BaseKind::Linear;
  int k = 0;                   // order, for BaseKind::Hermite
  std::vector<double> coeffs;  // c_0.., for BaseKind::HermiteSeries
};

struct ActivationValue {
  double s = 0, ds = 0, d2s = 0;  // d2s excludes Dirac terms (see dirac_weight)
};

class Activation {
 public:
  Activation() = default;
  // Parses "linear", "relu", "erf", "sigmoid", "tanh", "square", "he<k>", and sums of
  // optionally weighted terms such as "he3+he5" or "2*he3+0.5*erf". Throws
  // std::invalid_argument naming what was wrong.
  static Activation parse(const std::string& spec);
  // A link s(z) = sum_k c_k He_k(z).
  static Activation from_hermite(const std::vector<double>& coeffs);

  ActivationValue eval(double z) const;
  double value(double z) const;
  double deriv(double z) const;

  // Weight of the Dirac delta at 0 in s'' (relu terms: s'' = delta(z)).
  double dirac_weight() const;
  // Highest Hermite order among He_k terms and Hermite series (0 if none): sets the
  // paper's learning-rate rescale eta / (k! k).
  int max_hermite_order() const;
  // Polynomial degree if s is a polynomial, -1 otherwise.
  int polynomial_degree() const;
  bool is_smooth() const { return dirac_weight() == 0.0 && !has_kind(BaseKind::Relu); }
  bool has_kind(BaseKind k) const;

  const std::vector<ActivationTerm>& terms() const { return terms_; }
  const std::string& name() const { return name_; }

 private:
  std::vector<ActivationTerm> terms_;
  std::string name_;
};

// A teacher link: an activation, or the square of one (the paper's label change y -> y^2).
struct Link {
  Activation act;
  bool squared = false;
  ActivationValue eval(double z) const;
  double value(double z) const;
};

// Probabilists' Hermite He_0..He_n at z by the three-term recurrence; out has n+1 slots.
void hermite_values(int n, double z, double* out);
// The learning-rate divisor k! * k of the paper's Hermite rescale (1 when k == 0).
double hermite_rescale_divisor(int k);

}  // namespace loradyn
