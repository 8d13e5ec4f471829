#include "sgd_reduced.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "../model/recorder.hpp"
#include "../rng/gaussian.hpp"
#include "../rng/gaussian_simd.hpp"
#include "../util/aligned_vector.hpp"
#include "gamma.hpp"
#include "general_ops.hpp"
#include "general_step.hpp"
#include "rank1_step.hpp"
#include "reduced_state.hpp"

namespace loradyn {
namespace {

// All frame coordinates of one step's batch: x_b's coordinate k (k = q: its label noise) is
// coordinate b*nq + k of (kStreamReduced, step s, sample 0) -- the numbers gaussian_fill
// gives, drawn a Philox block (four Gaussians) at a time, so B = 500, q = 2 costs 250 blocks.
// `out` has room for n rounded up to a multiple of 4.
// Samples (and batch coordinates) between two polls of the cancel flag inside a step: a
// step of a huge batch takes seconds, and an abort must be seen within milliseconds.
constexpr int64_t kPollSamples = int64_t{1} << 16;

// Returns false, leaving `out` incomplete, when `cancel` is set between two chunks.
inline bool draw_batch(const DrawKey& key, uint64_t s, int64_t n, double* out, const std::atomic<bool>* cancel) {
  // Large batches: the vectorised filler (bit-identical to gaussian_fill, from any start that is
  // a multiple of 4), in chunks.
  if (n >= 64) {
    for (int64_t c0 = 0; c0 < n; c0 += 4 * kPollSamples) {
      if (c0 > 0 && cancel != nullptr && cancel->load(std::memory_order_relaxed)) return false;
      const int64_t len = std::min(n - c0, 4 * kPollSamples);
      gaussian_fill_fast(key, s, 0, static_cast<uint32_t>(c0), static_cast<uint32_t>(len), out + c0);
    }
    return true;
  }
  for (int64_t c = 0; c < n; c += 4) {
    const Philox4 w = philox_block(key, s, 0, static_cast<uint32_t>(c >> 2));
    box_muller(w.v[0], w.v[1], out[c], out[c + 1]);
    if (n - c > 2) box_muller(w.v[2], w.v[3], out[c + 2], out[c + 3]);
  }
  return true;
}

// A student or teacher link that is exactly c*z: lets the rank-1 loop skip the general
// activation evaluator for the linear model.
bool pure_linear(const Activation& a, double& coef) {
  if (a.terms().size() != 1 || a.terms()[0].kind != BaseKind::Linear) return false;
  coef = a.terms()[0].coef;
  return true;
}

// A link that is exactly c He_k(z) (k <= 8): the from-scratch Hermite runs of the scaling
// study spend their time here, so the recurrence is inlined.
bool pure_hermite(const Activation& a, double& coef, int& k) {
  if (a.terms().size() != 1 || a.terms()[0].kind != BaseKind::Hermite) return false;
  coef = a.terms()[0].coef;
  k = a.terms()[0].k;
  return k >= 1 && k <= 8;
}
inline void hermite_pair(int k, double z, double& hk, double& hk1) {
  double prev = 1.0, cur = z;  // He_0, He_1
  for (int n = 1; n < k; ++n) {
    const double next = z * cur - n * prev;
    prev = cur;
    cur = next;
  }
  hk = cur;
  hk1 = prev;
}
struct HermiteStudent {
  double c;
  int k;
  void operator()(double z, double& s, double& ds) const {
    double hk, hk1;
    hermite_pair(k, z, hk, hk1);
    s = c * hk;
    ds = c * k * hk1;
  }
};
struct HermiteTeacher {
  double c;
  int k;
  double operator()(double z) const {
    double hk, hk1;
    hermite_pair(k, z, hk, hk1);
    return c * hk;
  }
};

struct GeneralStudent {
  const Activation* act;
  void operator()(double z, double& s, double& ds) const {
    const ActivationValue v = act->eval(z);
    s = v.s;
    ds = v.ds;
  }
};
struct LinearStudent {
  double c;
  void operator()(double z, double& s, double& ds) const {
    s = c * z;
    ds = c;
  }
};
struct GeneralTeacher {
  const Link* link;
  double operator()(double z) const { return link->value(z); }
};
struct LinearTeacher {
  double c;
  double operator()(double z) const { return c * z; }
};

class ReducedSgd {
 public:
  ReducedSgd(const RunConfig& cfg, uint64_t seed, ReducedLoops loops)
      : cfg_(cfg),
        seed_(seed),
        st_(init_reduced_state(cfg, seed)),
        rec_(cfg, seed),
        general_(cfg, seed, st_, loops != ReducedLoops::GenericOnly) {
    const int K = st_.K, r = st_.r, q = st_.q;
    eta_ = effective_eta(cfg);
    sqrt_noise_ = std::sqrt(cfg.model.noise);
    scratch_ = cfg.model.pretrained == Pretrained::Scratch;
    spherical_ = cfg.model.spherical;
    nq_ = q + (sqrt_noise_ > 0 ? 1 : 0);
    dof_ = static_cast<double>(st_.d - q);
    fast_ = loops == ReducedLoops::Auto && K == 1 && r == 1 && st_.f == 1;
    if (fast_) xs_.resize(static_cast<size_t>((cfg.train.batch * nq_ + 3) / 4 * 4));
    m_.resize(static_cast<size_t>(r) * K);
    M_.resize(static_cast<size_t>(K) * K);
    Q_.resize(static_cast<size_t>(K) * K);
    W_.resize(static_cast<size_t>(K) * q);
    update_m();
  }

  RunRecord run(const RunControl& ctl) {
    cancel_ = ctl.cancel;
    general_.set_cancel(cancel_);
    const int64_t steps = cfg_.train.steps;
    record_point(0);
    if (!rec_.last_point_finite()) {  // not finite from the start (u0, init.u or w0 too large)
      RunRecord out = rec_.take();
      out.diverged_step = 0;
      return out;
    }
    rec_.observe_loss(0, M_.data(), Q_.data());
    const double m0 = max_abs(m_.data(), st_.r * st_.K);
    rec_.observe(0, m0);
    stopped_ = rec_.stop_reached(m0);
    const double work_per_step = static_cast<double>(cfg_.train.batch) * nq_ + 16.0;
    const int64_t chunk = std::max<int64_t>(1, static_cast<int64_t>(kReportWork / work_per_step));
    int64_t s = 0;
    while (s < steps && !stopped_) {
      if (ctl.cancelled()) {
        rec_.result().cancelled = true;
        break;
      }
      // Run until the next grid point, the end of this progress chunk, or the end.
      // record.lossThresholds: one step at a time while a loss level is still to be crossed.
      const int64_t stop = std::min({steps, s + chunk, rec_.next_step(), rec_.tracks_loss() ? s + 1 : steps});
      const int64_t before = s;
      if (fast_)
        s = run_fast(s, stop);
      else
        s = run_general(s, stop);
      ctl.report(s - before);
      if (aborted_) {  // inside a step: its update is incomplete, the run ends here
        rec_.result().cancelled = true;
        break;
      }
      if (rec_.tracks_loss()) {
        order_parameters();
        rec_.observe_loss(s, M_.data(), Q_.data());
      }
      if (diverged_) {
        rec_.result().diverged_step = s;
        record_point(s);
        break;
      }
      if (s == rec_.next_step() || stopped_) {
        record_point(s);
        if (!rec_.last_point_finite()) {  // M or Q overflowed although U and m did not
          rec_.result().diverged_step = s;
          break;
        }
      }
    }
    // A run stopped at record.stopAt has finished its work: progress counts the skipped steps.
    if (stopped_) ctl.report(steps - s);
    RunRecord out = rec_.take();
    out.steps_done = s;
    return out;
  }

 private:
  // Smallest threshold not yet crossed: observe() is called only when it may fire.
  double pending_threshold() {
    double th = cfg_.record.stop_at > 0 ? cfg_.record.stop_at : std::numeric_limits<double>::infinity();
    const auto& ths = cfg_.record.thresholds;
    const auto& esc = rec_.result().escape;
    for (size_t i = 0; i < ths.size(); ++i)
      if (esc[i] < 0) th = std::fmin(th, ths[i]);
    return th;
  }

  void update_m() {
    const int K = st_.K, r = st_.r, q = st_.q;
    for (int i = 0; i < r; ++i)
      for (int j = 0; j < K; ++j) m_[i * K + j] = st_.V[i * q + j];
  }

  // m, u, M = W w*^T, Q = W W^T from the frame coordinates (teacher rows = first K axes).
  void record_point(int64_t step) {
    order_parameters();
    rec_.record(step, static_cast<double>(step) * eta_, m_.data(), st_.U.data(), M_.data(), Q_.data());
  }

  // m_, M_ and Q_ (and W_) of the current state.
  void order_parameters() {
    general_overlaps(st_.K, st_.r, st_.f, st_.q, st_.w0.data(), st_.V.data(), st_.U.data(), m_.data(), M_.data(),
                     Q_.data(), W_.data());
  }

  bool finite_state(double loss) const { return chain_finite(st_.U, m_, loss); }

  // ---- General chain: any K, r, f (general_step.hpp). ---------------------------------
  int64_t run_general(int64_t s, int64_t stop) {
    double th = pending_threshold();
    for (; s < stop; ++s) {
      const double loss = general_.step(s);
      if (general_.aborted()) {  // inside the step: its update was not applied
        aborted_ = true;
        return s;
      }
      update_m();
      rec_.add_batch_loss(loss);
      if (!finite_state(loss)) {
        diverged_ = true;
        return s + 1;
      }
      const double mx = max_abs(m_.data(), st_.r * st_.K);
      if (mx >= th) {
        rec_.observe(s + 1, mx);
        th = pending_threshold();
        if (rec_.stop_reached(mx)) {
          stopped_ = true;
          return s + 1;
        }
      }
    }
    return s;
  }

  // ---- Rank 1, K = 1, f = 1 (aligned or scratch): state (m, l, u), l = |v outside w*|. --
  int64_t run_fast(int64_t s, int64_t stop) {
    double lin_s = 0, lin_t = 0;
    const bool ls = pure_linear(cfg_.model.activation, lin_s);
    const bool lt = !cfg_.model.teacher.squared && pure_linear(cfg_.model.teacher.act, lin_t);
    if (ls && lt) return fast_loop(s, stop, LinearStudent{lin_s}, LinearTeacher{lin_t});
    double hs = 0, ht = 0;
    int ks = 0, kt = 0;
    if (pure_hermite(cfg_.model.activation, hs, ks) && !cfg_.model.teacher.squared &&
        pure_hermite(cfg_.model.teacher.act, ht, kt))
      return fast_loop(s, stop, HermiteStudent{hs, ks}, HermiteTeacher{ht, kt});
    if (ls) return fast_loop(s, stop, LinearStudent{lin_s}, GeneralTeacher{&cfg_.model.teacher});
    return fast_loop(s, stop, GeneralStudent{&cfg_.model.activation}, GeneralTeacher{&cfg_.model.teacher});
  }

  template <class Student, class Teacher>
  int64_t fast_loop(int64_t s, int64_t stop, const Student& student, const Teacher& teacher) {
    double m = st_.V[0], l = st_.V[1], u = st_.U[0];
    const double mu0 = st_.w0_zero ? 0.0 : st_.w0[0];
    const int64_t B = cfg_.train.batch;
    const double step_size = eta_ / static_cast<double>(B);
    const bool noisy = sqrt_noise_ > 0;
    const int nq = nq_;
    const DrawKey key{seed_, kStreamReduced};
    const DrawKey gkey{seed_, kStreamReducedGamma};
    double th = pending_threshold();
    for (; s < stop; ++s) {
      Rank1Sums acc;
      if (!draw_batch(key, static_cast<uint64_t>(s), B * nq, xs_.data(), cancel_)) aborted_ = true;
      const double* xs = xs_.data();
      for (int64_t b0 = 0; b0 < B && !aborted_; b0 += kPollSamples) {  // the same order of sums
        if (b0 > 0 && stop_requested()) {
          aborted_ = true;
          break;
        }
        const int64_t b1 = std::min(B, b0 + kPollSamples);
        for (int64_t b = b0; b < b1; ++b)
          rank1_add_sample(acc, m, l, mu0, u, xs[b * nq], xs[b * nq + 1], noisy, sqrt_noise_,
                           noisy ? xs[b * nq + 2] : 0.0, student, teacher);
      }
      if (aborted_) break;
      if (!scratch_) u -= step_size * acc.gU;
      const double z = std::sqrt(acc.cc * chi_square(gkey, static_cast<uint64_t>(s), 0, dof_));
      rank1_move(m, l, acc, z, step_size, spherical_);
      const double bl = acc.loss / static_cast<double>(B);
      rec_.add_batch_loss(bl);
      if (!(std::isfinite(u) && std::isfinite(m) && std::isfinite(bl))) {
        diverged_ = true;
        ++s;
        break;
      }
      const double am = std::fabs(m);
      if (am >= th) {
        rec_.observe(s + 1, am);
        th = pending_threshold();
        if (rec_.stop_reached(am)) {
          stopped_ = true;
          ++s;
          break;
        }
      }
    }
    st_.V[0] = m;
    st_.V[1] = l;
    st_.U[0] = u;
    m_[0] = m;
    return s;
  }

  const RunConfig& cfg_;
  uint64_t seed_;
  ReducedState st_;
  Recorder rec_;
  GeneralStep general_;  // any K, r, f
  double eta_, sqrt_noise_, dof_;
  bool scratch_, spherical_, fast_;
  bool diverged_ = false;
  bool stopped_ = false;  // record.stopAt reached
  const std::atomic<bool>* cancel_ = nullptr;
  bool aborted_ = false;  // cancelled inside a step
  bool stop_requested() const { return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed); }
  int nq_;
  // The batch's draws: written whole by every step before it is read, so not zeroed here.
  std::vector<double, UninitAllocator<double>> xs_;
  std::vector<double> m_, M_, Q_, W_;
};

}  // namespace

RunRecord simulate_reduced(const RunConfig& cfg, uint64_t seed, const RunControl& ctl, ReducedLoops loops) {
  ReducedSgd sim(cfg, seed, loops);
  return sim.run(ctl);
}

}  // namespace loradyn
