#include "population_loss.hpp"

#include "../gauss/gauss_hermite.hpp"

namespace loradyn {
namespace {
// 2-D rule size: exact for polynomial links up to degree 95 in each variable; relu's kink
// limits it to about 1e-6 relative, which the theory engine replaces by closed forms.
constexpr int kQuadPoints = 96;
}  // namespace

double population_loss_1(const Activation& s, const Link& teacher, double M, double Q,
                         double noise) {
  const double e = gauss2_expect(
      [&](double lstar, double lam) {
        const double r = s.value(lam) - teacher.value(lstar);
        return r * r;
      },
      1.0, M, Q, kQuadPoints);
  return 0.5 * e + 0.5 * noise;
}

double population_loss_k(const Activation& s, const Link& teacher, int K, const double* M,
                         const double* Q, double a, double noise) {
  if (K == 1) return population_loss_1(s, teacher, M[0], Q[0], noise);
  auto ss = [&](double x, double y) { return s.value(x) * s.value(y); };
  auto st = [&](double x, double y) { return s.value(x) * teacher.value(y); };
  auto tt = [&](double x, double y) { return teacher.value(x) * teacher.value(y); };
  double acc = 0;
  for (int j = 0; j < K; ++j)
    for (int l = 0; l < K; ++l)
      acc += 0.5 * gauss2_expect(ss, Q[j * K + j], Q[j * K + l], Q[l * K + l], kQuadPoints);
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < K; ++k)
      acc -= gauss2_expect(st, Q[j * K + j], M[j * K + k], 1.0, kQuadPoints);
  const double same = gauss2_expect(tt, 1.0, 1.0, 1.0, kQuadPoints);
  const double cross = gauss2_expect(tt, 1.0, 0.0, 1.0, kQuadPoints);
  acc += 0.5 * (K * same + K * (K - 1) * cross);
  return a * a * acc + 0.5 * noise;
}

}  // namespace loradyn
