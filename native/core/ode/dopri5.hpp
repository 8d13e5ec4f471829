// Dormand–Prince 5(4) with error control and 4th-order dense output (Hairer, Norsett &
// Wanner, "Solving ODEs I", DOPRI5 and CONTD5). Header-only so the right-hand side inlines.
#pragma once
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace loradyn {

struct Dopri5Options {
  double rtol = 1e-10;
  double atol = 1e-14;
  double h0 = 1e-3;
  long max_steps = 20000000;
};

class Dopri5 {
 public:
  explicit Dopri5(int n, Dopri5Options o = {}) : n_(n), o_(o) {
    for (auto* v : {&y_, &y1_, &k1_, &k2_, &k3_, &k4_, &k5_, &k6_, &k7_, &tmp_, &r1_, &r2_, &r3_, &r4_, &r5_})
      v->assign(n, 0.0);
  }

  // Integrates y' = f(t, y) from t0 to t1. After each accepted step [t, t + h] calls
  // on_step(t, t + h, *this); dense(theta_t, out) is valid inside it. on_step returns false to
  // stop early.
  template <class F, class OnStep>
  double integrate(F&& f, double t0, double t1, std::vector<double>& y, OnStep&& on_step) {
    y_ = y;
    double t = t0, h = std::min(o_.h0, t1 - t0);
    f(t, y_.data(), k1_.data());
    long steps = 0;
    bool reject = false;
    while (t < t1) {
      if (++steps > o_.max_steps) throw std::runtime_error("ODE integrator exceeded its step limit");
      if (t + h > t1) h = t1 - t;
      stage(f, t, h);
      double err = 0;
      for (int i = 0; i < n_; ++i) {
        const double sc = o_.atol + o_.rtol * std::max(std::fabs(y_[i]), std::fabs(y1_[i]));
        const double e = h * (e1 * k1_[i] + e3 * k3_[i] + e4 * k4_[i] + e5 * k5_[i] + e6 * k6_[i] + e7 * k7_[i]) / sc;
        err += e * e;
      }
      err = std::sqrt(err / n_);
      if (!std::isfinite(err)) {
        // Non-finite trial: shrink hard; give up only when h underflows.
        h *= 0.1;
        if (h < 1e-300 || !std::isfinite(h)) throw std::runtime_error("ODE state became non-finite");
        reject = true;
        continue;
      }
      if (err <= 1.0) {
        // Dense-output coefficients for [t, t + h].
        for (int i = 0; i < n_; ++i) {
          const double dy = y1_[i] - y_[i], bspl = h * k1_[i] - dy;
          r1_[i] = y_[i];
          r2_[i] = dy;
          r3_[i] = bspl;
          r4_[i] = dy - h * k7_[i] - bspl;
          r5_[i] = h * (d1 * k1_[i] + d3 * k3_[i] + d4 * k4_[i] + d5 * k5_[i] + d6 * k6_[i] + d7 * k7_[i]);
        }
        t_old_ = t;
        h_old_ = h;
        t += h;
        y_.swap(y1_);
        k1_.swap(k7_);  // FSAL
        double fac = err == 0 ? 5.0 : 0.9 * std::pow(err, -0.2);
        fac = std::clamp(fac, 0.2, 5.0);
        if (reject) fac = std::min(fac, 1.0);
        reject = false;
        const bool go_on = on_step(t_old_, t, *this);
        h *= fac;
        if (!go_on) break;
      } else {
        h *= std::max(0.2, 0.9 * std::pow(err, -0.2));
        reject = true;
      }
    }
    y = y_;
    steps_ = steps;
    return t;
  }

  // State at time s in the last accepted step.
  void dense(double s, double* out) const {
    const double th = (s - t_old_) / h_old_, th1 = 1 - th;
    for (int i = 0; i < n_; ++i) out[i] = r1_[i] + th * (r2_[i] + th1 * (r3_[i] + th * (r4_[i] + th1 * r5_[i])));
  }
  const std::vector<double>& state() const { return y_; }
  long steps() const { return steps_; }

 private:
  template <class F>
  void stage(F& f, double t, double h) {
    const int n = n_;
    for (int i = 0; i < n; ++i) tmp_[i] = y_[i] + h * a21 * k1_[i];
    f(t + c2 * h, tmp_.data(), k2_.data());
    for (int i = 0; i < n; ++i) tmp_[i] = y_[i] + h * (a31 * k1_[i] + a32 * k2_[i]);
    f(t + c3 * h, tmp_.data(), k3_.data());
    for (int i = 0; i < n; ++i) tmp_[i] = y_[i] + h * (a41 * k1_[i] + a42 * k2_[i] + a43 * k3_[i]);
    f(t + c4 * h, tmp_.data(), k4_.data());
    for (int i = 0; i < n; ++i) tmp_[i] = y_[i] + h * (a51 * k1_[i] + a52 * k2_[i] + a53 * k3_[i] + a54 * k4_[i]);
    f(t + c5 * h, tmp_.data(), k5_.data());
    for (int i = 0; i < n; ++i)
      tmp_[i] = y_[i] + h * (a61 * k1_[i] + a62 * k2_[i] + a63 * k3_[i] + a64 * k4_[i] + a65 * k5_[i]);
    f(t + h, tmp_.data(), k6_.data());
    for (int i = 0; i < n; ++i)
      y1_[i] = y_[i] + h * (a71 * k1_[i] + a73 * k3_[i] + a74 * k4_[i] + a75 * k5_[i] + a76 * k6_[i]);
    f(t + h, y1_.data(), k7_.data());
  }

  static constexpr double c2 = 0.2, c3 = 0.3, c4 = 0.8, c5 = 8.0 / 9.0;
  static constexpr double a21 = 0.2, a31 = 3.0 / 40, a32 = 9.0 / 40, a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9,
                          a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729,
                          a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                          a65 = -5103.0 / 18656, a71 = 35.0 / 384, a73 = 500.0 / 1113, a74 = 125.0 / 192,
                          a75 = -2187.0 / 6784, a76 = 11.0 / 84;
  static constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                          e6 = 22.0 / 525, e7 = -1.0 / 40;
  static constexpr double d1 = -12715105075.0 / 11282082432.0, d3 = 87487479700.0 / 32700410799.0,
                          d4 = -10690763975.0 / 1880347072.0, d5 = 701980252875.0 / 199316789632.0,
                          d6 = -1453857185.0 / 822651844.0, d7 = 69997945.0 / 29380423.0;

  int n_;
  Dopri5Options o_;
  std::vector<double> y_, y1_, k1_, k2_, k3_, k4_, k5_, k6_, k7_, tmp_, r1_, r2_, r3_, r4_, r5_;
  double t_old_ = 0, h_old_ = 1;
  long steps_ = 0;
};

}  // namespace loradyn
