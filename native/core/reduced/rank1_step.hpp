// The rank-1, K = 1 step of the exact reduced chain (state m, l, u; l = |v outside w*|), shared by
// the CPU's fast loop (sgd_reduced.cpp) and the CUDA kernel (cuda/sgd_reduced_kernel.cu), so that
// both run the same operations in the same order. The callers draw the frame coordinates and the
// chi-square; the student and teacher are whatever callables each side evaluates them with.
#pragma once
#include <cmath>

#include "../rng/philox.hpp"  // LD_HD

namespace loradyn {

// Sums over one step's batch.
struct Rank1Sums {
  double gU = 0, s0 = 0, s1 = 0, cc = 0, loss = 0;
};

// Adds sample b: (x0, x1) are its frame coordinates and x2 its label-noise Gaussian (read only
// when noisy).
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class Student, class Teacher>
LD_HD void rank1_add_sample(Rank1Sums& acc, double m, double l, double mu0, double u, double x0, double x1, bool noisy,
                            double sqrt_noise, double x2, const Student& student, const Teacher& teacher) {
  const double pv = m * x0 + l * x1;
  const double lam = mu0 * x0 + u * pv;
  double sv, ds;
  student(lam, sv, ds);
  double y = teacher(x0);
  if (noisy) y += sqrt_noise * x2;
  const double err = sv - y;
  acc.loss += 0.5 * err * err;
  const double g = ds * err;
  acc.gU += g * pv;
  const double c = u * g;
  acc.s0 += c * x0;
  acc.s1 += c * x1;
  acc.cc += c * c;
}

// The new (m, l) from the batch sums; z = sqrt(cc chi2(d - 2)) is |Z|, the general loop's Lc T for
// r = 1 (one square root fewer).
LD_HD void rank1_move(double& m, double& l, const Rank1Sums& acc, double z, double step_size, bool spherical) {
  double mn = m - step_size * acc.s0;
  double p0 = l - step_size * acc.s1;
  double p1 = -step_size * z;
  if (spherical) {
    const double inv = 1.0 / std::sqrt((mn * mn + p0 * p0) + p1 * p1);
    mn *= inv;
    p0 *= inv;
    p1 *= inv;
  }
  m = mn;
  l = std::sqrt(p0 * p0 + p1 * p1);
}

}  // namespace loradyn
