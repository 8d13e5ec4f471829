#include "gauss_fn.hpp"

#include <cmath>
#include <stdexcept>

namespace loradyn {
namespace {

HermiteSeries term_series(const ActivationTerm& t) {
  switch (t.kind) {
    case BaseKind::Linear:
      return {0.0, 1.0};
    case BaseKind::Square:
      return {1.0, 0.0, 1.0};  // z^2 = He_2 + He_0
    case BaseKind::Hermite: {
      HermiteSeries s(t.k + 1, 0.0);
      s[t.k] = 1.0;
      return s;
    }
    case BaseKind::HermiteSeries:
      return t.coeffs;
    default:
      return {};
  }
}

bool is_poly(BaseKind k) {
  return k == BaseKind::Linear || k == BaseKind::Square || k == BaseKind::Hermite || k == BaseKind::HermiteSeries;
}

}  // namespace

double GaussAtom::eval(double z) const {
  switch (kind) {
    case AtomKind::Poly: {
      // Clenshaw-free: the recurrence is short for the orders used here.
      double h0 = 1, h1 = z, acc = poly.empty() ? 0 : poly[0];
      if (poly.size() > 1) acc += poly[1] * z;
      for (size_t k = 1; k + 1 < poly.size(); ++k) {
        const double h2 = z * h1 - static_cast<double>(k) * h0;
        acc += poly[k + 1] * h2;
        h0 = h1;
        h1 = h2;
      }
      return coef * acc;
    }
    case AtomKind::Erf: {
      const double g = 1.1283791670955126 * std::exp(-z * z);
      return coef * (order == 0 ? std::erf(z) : order == 1 ? g : -2 * z * g);
    }
    case AtomKind::Relu:
      if (order == 0) return coef * (z > 0 ? z : 0.0);
      if (order == 1) return coef * (z > 0 ? 1.0 : z < 0 ? 0.0 : 0.5);
      throw std::logic_error("the Dirac atom has no pointwise value");
    case AtomKind::Callable: {
      const ActivationValue v = link ? link->eval(z) : act->eval(z);
      return coef * (order == 0 ? v.s : order == 1 ? v.ds : v.d2s);
    }
  }
  return 0;
}

bool activation_hermite_series(const Activation& a, HermiteSeries* out) {
  HermiteSeries s{0.0};
  for (const auto& t : a.terms()) {
    if (!is_poly(t.kind)) return false;
    hermite_axpy(t.coef, term_series(t), s);
  }
  *out = s;
  return true;
}

GaussFn gauss_fn(const Activation& a, int order) {
  if (order < 0 || order > 2) throw std::invalid_argument("derivative order must be 0, 1 or 2");
  GaussFn f;
  HermiteSeries poly{0.0};
  bool has_poly = false;
  for (const auto& t : a.terms()) {
    if (is_poly(t.kind)) {
      HermiteSeries s = term_series(t);
      for (int i = 0; i < order; ++i) s = hermite_derivative(s);
      hermite_axpy(t.coef, s, poly);
      has_poly = true;
      continue;
    }
    GaussAtom at;
    at.coef = t.coef;
    at.order = order;
    if (t.kind == BaseKind::Erf) {
      at.kind = AtomKind::Erf;
    } else if (t.kind == BaseKind::Relu) {
      at.kind = AtomKind::Relu;
    } else {  // sigmoid, tanh: no closed forms
      at.kind = AtomKind::Callable;
      // A one-term activation holding just this term, evaluated by the shared code.
      at.act = std::make_shared<const Activation>(Activation::parse(t.kind == BaseKind::Sigmoid ? "sigmoid" : "tanh"));
    }
    f.atoms.push_back(std::move(at));
  }
  if (has_poly) {
    GaussAtom p;
    p.kind = AtomKind::Poly;
    p.poly = poly;
    f.atoms.insert(f.atoms.begin(), std::move(p));
  }
  return f;
}

GaussFn gauss_fn(const Link& l, int order) {
  if (!l.squared) return gauss_fn(l.act, order);
  if (order < 0 || order > 1) throw std::invalid_argument("teacher derivative order must be 0 or 1");
  HermiteSeries p;
  GaussFn f;
  if (activation_hermite_series(l.act, &p)) {
    // (p^2)' = 2 p p'
    GaussAtom a;
    a.kind = AtomKind::Poly;
    a.poly = order == 0 ? hermite_product(p, p) : hermite_product(p, hermite_derivative(p));
    if (order == 1)
      for (auto& c : a.poly) c *= 2;
    f.atoms.push_back(std::move(a));
    return f;
  }
  GaussAtom a;
  a.kind = AtomKind::Callable;
  a.order = order;
  a.link = std::make_shared<const Link>(l);
  a.kink = l.act.has_kind(BaseKind::Relu);
  f.atoms.push_back(std::move(a));
  return f;
}

}  // namespace loradyn
