#include "sgd_full.hpp"

#include <cmath>
#include <vector>

#include "../model/recorder.hpp"
#include "../rng/gaussian.hpp"
#include "full_state.hpp"

namespace loradyn {
namespace {

// Work (B * d coordinate updates) between two progress reports: a few milliseconds.
constexpr double kReportWork = 4e6;

class FullSgd {
 public:
  FullSgd(const RunConfig& cfg, uint64_t seed)
      : cfg_(cfg), seed_(seed), st_(init_full_state(cfg, seed)), rec_(cfg, seed) {
    const int K = st_.K, r = st_.r;
    d_ = st_.d;
    eta_ = effective_eta(cfg);
    a_ = committee_readout(cfg.model);
    sqrt_noise_ = std::sqrt(cfg.model.noise);
    scratch_ = cfg.model.pretrained == Pretrained::Scratch;
    x_.resize(d_);
    dV_.resize(r * d_);
    gU_.resize(K * r);
    pstar_.resize(K);
    p0_.resize(K);
    pv_.resize(r);
    lam_.resize(K);
    g_.resize(K);
    cv_.resize(r);
    m_.resize(r * K);
    M_.resize(K * K);
    Q_.resize(K * K);
  }

  RunRecord run(const RunControl& ctl) {
    const int64_t steps = cfg_.train.steps;
    record_point(0);
    rec_.observe(0, max_abs(m_.data(), st_.r * st_.K));
    const double work_per_step = static_cast<double>(cfg_.train.batch) * d_ * (st_.r + 1);
    double work = 0;
    int64_t unreported = 0;
    int64_t s = 0;
    for (; s < steps; ++s) {
      if (ctl.cancelled()) {
        rec_.result().cancelled = true;
        break;
      }
      step(s);
      const int64_t done = s + 1;
      if (!finite_state()) {
        rec_.result().diverged_step = done;
        record_point(done);
        s = done;
        break;
      }
      rec_.observe(done, max_abs(m_.data(), st_.r * st_.K));
      if (done == rec_.next_step()) record_point(done);
      work += work_per_step;
      ++unreported;
      if (work >= kReportWork) {
        ctl.report(unreported);
        unreported = 0;
        work = 0;
      }
    }
    ctl.report(unreported);
    RunRecord out = rec_.take();
    out.steps_done = s;
    if (cfg_.record.final_state) {
      out.final_u = st_.U;
      out.final_v = st_.V;
      out.teacher = st_.teacher;
      out.w0 = st_.w0;
    }
    return out;
  }

 private:
  void record_point(int64_t step) {
    full_order_parameters(st_, m_.data(), M_.data(), Q_.data());
    rec_.record(step, step * eta_, m_.data(), st_.U.data(), M_.data(), Q_.data());
  }

  bool finite_state() const {
    if (row_broken_) return false;
    for (double u : st_.U)
      if (!std::isfinite(u)) return false;
    for (double m : m_)
      if (!std::isfinite(m)) return false;
    return std::isfinite(last_loss_);
  }

  // One SGD update with the batch of step s; gradients at the old parameters.
  void step(int64_t s) {
    const int K = st_.K, r = st_.r;
    const int64_t d = d_, B = cfg_.train.batch;
    const auto& act = cfg_.model.activation;
    const auto& teacher = cfg_.model.teacher;
    std::fill(dV_.begin(), dV_.end(), 0.0);
    std::fill(gU_.begin(), gU_.end(), 0.0);
    double loss = 0;
    const DrawKey inputs{seed_, kStreamInputs};
    for (int64_t b = 0; b < B; ++b) {
      gaussian_fill(inputs, static_cast<uint64_t>(s), static_cast<uint32_t>(b), 0,
                    static_cast<uint32_t>(d), x_.data());
      // Projections on the teacher rows, w0 rows and LoRA rows.
      for (int j = 0; j < K; ++j) pstar_[j] = dot(&st_.teacher[j * d], x_.data(), d);
      for (int j = 0; j < K; ++j)
        p0_[j] = st_.w0_aligned ? cfg_.model.mu[j] * pstar_[j]
                                : (scratch_ ? 0.0 : dot(&st_.w0[j * d], x_.data(), d));
      for (int i = 0; i < r; ++i) pv_[i] = dot(&st_.V[i * d], x_.data(), d);
      double yhat = 0, y = 0;
      for (int j = 0; j < K; ++j) {
        double l = p0_[j];
        for (int i = 0; i < r; ++i) l += st_.U[j * r + i] * pv_[i];
        lam_[j] = l;
        const ActivationValue v = act.eval(l);
        yhat += v.s;
        g_[j] = v.ds;
        y += teacher.value(pstar_[j]);
      }
      yhat *= a_;
      y *= a_;
      if (sqrt_noise_ > 0)
        y += sqrt_noise_ * gaussian_at({seed_, kStreamLabelNoise}, static_cast<uint64_t>(s),
                                       static_cast<uint32_t>(b), 0);
      const double err = yhat - y;
      loss += 0.5 * err * err;
      for (int j = 0; j < K; ++j) g_[j] *= err * a_;
      // dL/dU_ji = g_j (v_i . x);  dL/dv_i = (sum_j U_ji g_j) x.
      for (int j = 0; j < K; ++j)
        for (int i = 0; i < r; ++i) gU_[j * r + i] += g_[j] * pv_[i];
      for (int i = 0; i < r; ++i) {
        double c = 0;
        for (int j = 0; j < K; ++j) c += st_.U[j * r + i] * g_[j];
        double* dv = &dV_[i * d];
        for (int64_t x = 0; x < d; ++x) dv[x] += c * x_[x];
      }
    }
    const double step_size = eta_ / static_cast<double>(B);
    last_loss_ = loss / static_cast<double>(B);
    rec_.add_batch_loss(last_loss_);
    if (!scratch_)
      for (int k = 0; k < K * r; ++k) st_.U[k] -= step_size * gU_[k];
    // V update fused with renormalisation and the new overlaps m_ij.
    for (int i = 0; i < r; ++i) {
      double* v = &st_.V[i * d];
      const double* dv = &dV_[i * d];
      double nn = 0;
      for (int64_t x = 0; x < d; ++x) {
        v[x] -= step_size * dv[x];
        nn += v[x] * v[x];
      }
      if (!std::isfinite(nn)) nn = rescale_huge(v, d);  // |v|^2 overflowed: keep the direction
      if (!(nn > 0) || !std::isfinite(nn)) row_broken_ = true;
      if (cfg_.model.spherical && !row_broken_) {
        const double inv = 1.0 / std::sqrt(nn);
        for (int64_t x = 0; x < d; ++x) v[x] *= inv;
      }
      for (int j = 0; j < K; ++j) m_[i * K + j] = dot(v, &st_.teacher[j * d], d);
    }
  }

  // Divides v by its largest |entry| and returns the new |v|^2 (inf or NaN if v holds them).
  static double rescale_huge(double* v, int64_t n) {
    double big = 0;
    for (int64_t x = 0; x < n; ++x) big = std::fmax(big, std::fabs(v[x]));
    if (!std::isfinite(big) || big == 0) return std::isfinite(big) ? 0.0 : big;
    double nn = 0;
    for (int64_t x = 0; x < n; ++x) {
      v[x] /= big;
      nn += v[x] * v[x];
    }
    return nn;
  }

  static double dot(const double* a, const double* b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
  }

  const RunConfig& cfg_;
  uint64_t seed_;
  FullState st_;
  Recorder rec_;
  int64_t d_;
  double eta_, a_, sqrt_noise_;
  bool scratch_;
  double last_loss_ = 0;
  bool row_broken_ = false;  // a row of V became zero, NaN or Inf
  std::vector<double> x_, dV_, gU_, pstar_, p0_, pv_, lam_, g_, cv_, m_, M_, Q_;
};

}  // namespace

RunRecord simulate_full(const RunConfig& cfg, uint64_t seed, const RunControl& ctl) {
  validate_config(cfg);
  FullSgd sim(cfg, seed);
  return sim.run(ctl);
}

}  // namespace loradyn
