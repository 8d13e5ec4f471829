// The functions whose Gaussian expectations the theory needs (s, s', s'' of the student,
// t and t' of the teacher), written as sums of atoms whose pairwise expectations have
// closed forms: a Hermite series (all polynomial links), the erf family (erf, erf', erf''),
// the relu family (relu, step, Dirac delta), and, where nothing closed is known (sigmoid,
// tanh, squares of non-polynomial links), a callable integrated by quadrature.
#pragma once
#include <memory>
#include <vector>

#include "../activations/activation.hpp"
#include "hermite_series.hpp"

namespace loradyn {

enum class AtomKind { Poly, Erf, Relu, Callable };

struct GaussAtom {
  AtomKind kind = AtomKind::Poly;
  double coef = 1.0;
  int order = 0;       // Erf / Relu: derivative order (Relu order 2 = Dirac delta at 0)
  HermiteSeries poly;  // Poly
  // Callable: derivative `order` of `act` (or of `link` when set); kink: non-smooth at 0.
  std::shared_ptr<const Activation> act;
  std::shared_ptr<const Link> link;
  bool kink = false;
  double eval(double z) const;  // not for the Dirac atom
  bool is_delta() const { return kind == AtomKind::Relu && order == 2; }
  bool kinked() const { return (kind == AtomKind::Relu && order < 2) || (kind == AtomKind::Callable && kink); }
};

struct GaussFn {
  std::vector<GaussAtom> atoms;  // at most one Poly atom
  bool empty() const { return atoms.empty(); }
};

// Derivative `order` (0, 1, 2) of an activation.
GaussFn gauss_fn(const Activation& a, int order);
// Derivative `order` (0, 1) of a teacher link (squared or not).
GaussFn gauss_fn(const Link& l, int order);
// The Hermite series of a polynomial activation, or false if it is not a polynomial.
bool activation_hermite_series(const Activation& a, HermiteSeries* out);

}  // namespace loradyn
