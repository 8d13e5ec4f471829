#include "chain_links.hpp"

#include "isa_clones.hpp"

namespace loradyn {

ChainLink ChainLink::student(const Activation& a) {
  ChainLink l;
  l.act = &a;
  if (a.terms().size() != 1) return l;
  const ActivationTerm& t = a.terms()[0];
  l.coef = t.coef;
  switch (t.kind) {
    case BaseKind::Linear:
      l.kind = ChainLinkKind::Linear;
      break;
    case BaseKind::Relu:
      l.kind = ChainLinkKind::Relu;
      break;
    case BaseKind::Erf:
      l.kind = ChainLinkKind::Erf;
      break;
    case BaseKind::Sigmoid:
      l.kind = ChainLinkKind::Sigmoid;
      break;
    case BaseKind::Tanh:
      l.kind = ChainLinkKind::Tanh;
      break;
    case BaseKind::Square:
      l.kind = ChainLinkKind::Square;
      break;
    case BaseKind::Hermite:
      l.kind = ChainLinkKind::Hermite;
      l.k = t.k;
      break;
    default:
      l.kind = ChainLinkKind::General;
      break;
  }
  return l;
}

ChainLink ChainLink::teacher(const Link& t) {
  ChainLink l = student(t.act);
  l.squared = t.squared;
  return l;
}

namespace {

// One loop per kind, so that the loop body is straight-line code for the vectoriser.
template <class Base>
inline __attribute__((always_inline)) void student_loop(double c, const double* z, double* s, double* ds, int n,
                                                        Base base) {
  for (int i = 0; i < n; ++i) {
    double b, db;
    base(z[i], b, db);
    s[i] = 0.0 + c * b;
    ds[i] = 0.0 + c * db;
  }
}

template <class Base>
inline __attribute__((always_inline)) void teacher_loop(double c, bool squared, const double* z, double* y, int n,
                                                        Base base) {
  for (int i = 0; i < n; ++i) {
    double b, db;
    base(z[i], b, db);
    const double s = 0.0 + c * b;
    y[i] = squared ? s * s : s;
  }
}

}  // namespace

LD_CLONES void chain_student_values(const ChainLink& l, const double* z, double* s, double* ds, int n) {
  const double c = l.coef;
  switch (l.kind) {
    case ChainLinkKind::Linear:
      return student_loop(c, z, s, ds, n, ChainLink::base_linear);
    case ChainLinkKind::Relu:
      return student_loop(c, z, s, ds, n, ChainLink::base_relu);
    case ChainLinkKind::Erf:
      return student_loop(c, z, s, ds, n, ChainLink::base_erf);
    case ChainLinkKind::Sigmoid:
      return student_loop(c, z, s, ds, n, ChainLink::base_sigmoid);
    case ChainLinkKind::Tanh:
      return student_loop(c, z, s, ds, n, ChainLink::base_tanh);
    case ChainLinkKind::Square:
      return student_loop(c, z, s, ds, n, ChainLink::base_square);
    case ChainLinkKind::Hermite: {
      const int k = l.k;
      return student_loop(c, z, s, ds, n,
                          [k](double x, double& b, double& db) { ChainLink::base_hermite(k, x, b, db); });
    }
    default:
      for (int i = 0; i < n; ++i) l.eval(z[i], s[i], ds[i]);
  }
}

LD_CLONES void chain_teacher_values(const ChainLink& l, const double* z, double* y, int n) {
  const double c = l.coef;
  const bool sq = l.squared;
  switch (l.kind) {
    case ChainLinkKind::Linear:
      return teacher_loop(c, sq, z, y, n, ChainLink::base_linear);
    case ChainLinkKind::Relu:
      return teacher_loop(c, sq, z, y, n, ChainLink::base_relu);
    case ChainLinkKind::Erf:
      return teacher_loop(c, sq, z, y, n, ChainLink::base_erf);
    case ChainLinkKind::Sigmoid:
      return teacher_loop(c, sq, z, y, n, ChainLink::base_sigmoid);
    case ChainLinkKind::Tanh:
      return teacher_loop(c, sq, z, y, n, ChainLink::base_tanh);
    case ChainLinkKind::Square:
      return teacher_loop(c, sq, z, y, n, ChainLink::base_square);
    case ChainLinkKind::Hermite: {
      const int k = l.k;
      return teacher_loop(c, sq, z, y, n,
                          [k](double x, double& b, double& db) { ChainLink::base_hermite(k, x, b, db); });
    }
    default:
      for (int i = 0; i < n; ++i) y[i] = l.value(z[i]);
  }
}

}  // namespace loradyn
