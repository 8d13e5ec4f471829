// The exact reduced chain for momentum, weight decay, lrRatio and adapter "full".
//
// Derivation. The reduced chain (README.md in this folder) rests on one fact: the law of
// one-pass SGD with Gaussian inputs depends on the model's vectors only through their inner
// products, because for any rotation O the update with inputs O^T x_b (same law as x_b) is O
// applied to the update with inputs x_b. That holds for every update that is a rotation-
// equivariant function of the vectors and the batch, i.e. built from linear combinations of
// vectors with coefficients that are inner products. The practice step of engine "full"
// (sgd/sgd_full_practice.cpp) is of that kind for sgd and momentum: with grad_i =
// (1/B) sum_b c_bi x_b the gradient of row i of V, wd = weightDecay, eta_v = eta and
// eta_u = lrRatio x eta,
//
//   sgd:       v_i <- (1 - eta wd) v_i - eta grad_i
//   momentum:  b_i <- beta b_i + grad_i + wd v_i;   v_i <- v_i - eta b_i
//
// (then v_i / |v_i| for spherical LoRA), and U follows the same rule with eta_u on its K x r
// gradient. Every new vector is a combination of the old v_i, b_i and the batch's inputs, so
// the tracked set {w*_j, w0_j, v_i, b_i} stays closed and rotation invariance carries over
// exactly: the momentum buffers are r more vectors of the Gram frame, nothing else changes.
// (Adam divides coordinate by coordinate, which no rotation commutes with: refused.)
//
// Frame. F (dimension f) as in the plain chain; E now has dimension e = R, the number of moving
// rows: R = r (the rows of V) or 2r (V and the buffers b). State: X (R x q, q = f + e) with
// rows v_1..v_r then b_1..b_r, [F part | E part], the E part lower-triangular; U and, for
// momentum, its buffer bU (K x r). Adapter "full": the rows of V are the deltas (r = K, zero at
// the start), U = I frozen, no renormalisation: w_j = w0_j + delta_j exactly as in engine full.
//
// One step. Each input has frame coordinates xi_b ~ N(0, I_q) and a part x_b^perp outside the
// frame; the forward pass needs xi_b only. The batch gives gU, sv_i = sum_b c_bi xi_b and the
// r outside parts Z_i = sum_b c_bi x_b^perp, jointly Gaussian given xi with covariance
// (c^T c) (x) I: Z = Lc T on r new axes (T the Bartlett factor of Wishart_r(d - q, I)), as in
// the plain chain (the argument there does not care how many rows the frame tracks). Then
// grad_i = (sv_i, Z_i) / B in (frame, new axes) coordinates; the old rows have no part on the
// new axes. The rule above is applied coordinate-wise in this orthonormal basis (linear maps
// commute with coordinates), the v rows renormalised when spherical, and the (E, new axes)
// parts of all R rows (an R x (e + r) matrix) re-expressed by an LQ factorisation on a new
// R-dimensional orthonormal frame orthogonal to F: every inner product is kept, so the state
// has the same form and size again. Where the rows span fewer than R directions (the deltas
// and buffers start at 0) the factor has zero columns: the frame is completed by directions
// nothing has a part on, which rotation invariance makes arbitrary. Nothing is approximated.
// Cost per step: B q Gaussians and O(B (K + r) q) arithmetic, independent of d; d must leave
// d - q >= r degrees of freedom (d >= f_max + R + r, checked in model/practice.cpp).
//
// Randomness: the same streams as the plain chain (kStreamReduced for the frame coordinates,
// x_b's coordinate k at b*nq + k; kStreamReducedGamma / kStreamReducedWishart for T).
#include "practice_reduced.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../model/recorder.hpp"
#include "../rng/gaussian.hpp"
#include "../rng/gaussian_simd.hpp"
#include "gamma.hpp"
#include "general_ops.hpp"
#include "reduced_state.hpp"
#include "small_linalg.hpp"

namespace loradyn {
namespace {

// Samples drawn and summed between two polls of the cancel flag inside a step (as the plain
// chain's): a step of a huge batch takes seconds, and an abort must be seen within milliseconds.
constexpr int64_t kPollSamples = kReducedChunkSamples;

class PracticeChain {
 public:
  PracticeChain(const RunConfig& cfg, uint64_t seed) : cfg_(cfg), seed_(seed), rec_(cfg, seed) {
    const ReducedState st = init_reduced_state(cfg, seed);
    K_ = st.K;
    r_ = st.r;
    f_ = st.f;
    d_ = st.d;
    w0_ = st.w0;
    w0_zero_ = st.w0_zero;
    const OptimizerConfig& o = cfg.train.optimizer;
    momentum_ = o.kind == OptimizerKind::Momentum;
    beta_ = o.beta;
    wd_ = cfg.train.weight_decay;
    full_ = cfg.model.adapter == Adapter::Full;
    u_frozen_ = full_ || cfg.model.pretrained == Pretrained::Scratch;
    spherical_ = cfg.model.spherical && !full_;
    eta_ = effective_eta(cfg);
    eta_u_ = eta_ * cfg.train.lr_ratio;
    a_ = committee_readout(cfg.model);
    sqrt_noise_ = std::sqrt(cfg.model.noise);
    R_ = momentum_ ? 2 * r_ : r_;
    q_ = f_ + R_;
    nq_ = q_ + (sqrt_noise_ > 0 ? 1 : 0);
    dof_ = static_cast<double>(d_ - q_);
    // Rows of V from the plain chain's initial state (E part in its first r columns); the
    // deltas of adapter "full" and the buffers start at 0.
    X_.assign(static_cast<size_t>(R_) * q_, 0.0);
    if (!full_)
      for (int i = 0; i < r_; ++i)
        for (int k = 0; k < st.q; ++k) X_[i * q_ + k] = st.V[i * st.q + k];
    U_ = st.U;
    if (full_) {
      std::fill(U_.begin(), U_.end(), 0.0);
      for (int j = 0; j < K_; ++j) U_[j * r_ + j] = 1.0;
    }
    bU_.assign(U_.size(), 0.0);
    xs_.resize(static_cast<size_t>((std::min<int64_t>(cfg.train.batch, kPollSamples) * nq_ + 3) / 4 * 4));
    sv_.resize(static_cast<size_t>(r_) * q_);
    gU_.resize(U_.size());
    cc_.resize(static_cast<size_t>(r_) * r_);
    Lc_.resize(cc_.size());
    T_.resize(cc_.size());
    Z_.resize(cc_.size());
    P_.resize(static_cast<size_t>(R_) * (R_ + r_));
    Lnew_.resize(static_cast<size_t>(R_) * R_);
    lq_work_.resize(static_cast<size_t>(R_ + 1) * (R_ + r_));
    p0_.resize(K_);
    pv_.resize(r_);
    g_.resize(K_);
    c_.resize(r_);
    m_.resize(static_cast<size_t>(r_) * K_);
    M_.resize(static_cast<size_t>(K_) * K_);
    Q_.resize(M_.size());
    W_.resize(static_cast<size_t>(K_) * q_);
    update_m();
  }

  RunRecord run(const RunControl& ctl) {
    cancel_ = ctl.cancel;
    const int64_t steps = cfg_.train.steps;
    order_parameters();
    record_point(0);
    if (!rec_.last_point_finite()) {  // not finite from the start (u0, init.u or w0 too large)
      RunRecord out = rec_.take();
      out.diverged_step = 0;
      return out;
    }
    rec_.observe_loss(0, M_.data(), Q_.data());
    const double m0 = max_abs(m_.data(), r_ * K_);
    rec_.observe(0, m0);
    bool stopped = rec_.stop_reached(m0);
    const int64_t chunk =
        std::max<int64_t>(1, static_cast<int64_t>(kReportWork / (static_cast<double>(cfg_.train.batch) * nq_ + 16.0)));
    int64_t s = 0, reported = 0;
    while (s < steps && !stopped) {
      if (s - reported >= chunk) {
        ctl.report(s - reported);
        reported = s;
        if (ctl.cancelled()) {
          rec_.result().cancelled = true;
          break;
        }
      }
      const double loss = step(s);
      if (aborted_) {  // inside a step: its update is incomplete, the run ends here
        rec_.result().cancelled = true;
        break;
      }
      ++s;
      rec_.add_batch_loss(loss);
      if (!finite_state(loss)) {
        rec_.result().diverged_step = s;
        order_parameters();
        record_point(s);
        break;
      }
      const double mx = max_abs(m_.data(), r_ * K_);
      rec_.observe(s, mx);
      stopped = rec_.stop_reached(mx);
      const bool grid = s == rec_.next_step() || stopped;
      if (rec_.tracks_loss() || grid) order_parameters();
      rec_.observe_loss(s, M_.data(), Q_.data());
      if (grid) record_point(s);
    }
    ctl.report((stopped ? steps : s) - reported);  // a run stopped at stopAt has done its work
    RunRecord out = rec_.take();
    out.steps_done = s;
    return out;
  }

 private:
  void update_m() {
    for (int i = 0; i < r_; ++i)
      for (int j = 0; j < K_; ++j) m_[i * K_ + j] = X_[i * q_ + j];
  }

  // m, M = W w*^T and Q = W W^T, W_j = w0_j + sum_i U_ji v_i (the plain chain's, on the first r rows).
  void order_parameters() {
    general_overlaps(K_, r_, f_, q_, w0_.data(), X_.data(), U_.data(), m_.data(), M_.data(), Q_.data(), W_.data());
  }

  void record_point(int64_t step) {
    rec_.record(step, static_cast<double>(step) * eta_, m_.data(), U_.data(), M_.data(), Q_.data());
  }

  bool finite_state(double loss) const { return chain_finite(U_, m_, loss); }

  // One step; returns the batch's mean loss.
  double step(int64_t s) {
    const int K = K_, r = r_, f = f_, q = q_, R = R_;
    const int64_t B = cfg_.train.batch;
    const auto& act = cfg_.model.activation;
    const auto& teacher = cfg_.model.teacher;
    std::fill(sv_.begin(), sv_.end(), 0.0);
    std::fill(gU_.begin(), gU_.end(), 0.0);
    std::fill(cc_.begin(), cc_.end(), 0.0);
    // The batch sums of the plain chain (general_ops.hpp): the forward pass sees only the rows
    // of V (the first r rows of X), so momentum's buffers change nothing here.
    GeneralSumsRef sums{gU_.data(), sv_.data(), cc_.data(), 0.0};
    const auto student = [&act](double z, double& sv, double& ds) {
      const ActivationValue v = act.eval(z);
      sv = v.s;
      ds = v.ds;
    };
    const auto value = [&teacher](double z) { return teacher.value(z); };
    // The batch in chunks of kPollSamples samples: the same numbers as one draw of the whole batch
    // (the vectorised filler is bit-identical from any start that is a multiple of 4).
    for (int64_t b0 = 0; b0 < B; b0 += kPollSamples) {
      if (b0 > 0 && cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
        aborted_ = true;
        return std::numeric_limits<double>::quiet_NaN();
      }
      const int64_t n = std::min(B - b0, kPollSamples);
      gaussian_fill_fast({seed_, kStreamReduced}, static_cast<uint64_t>(s), 0, static_cast<uint32_t>(b0 * nq_),
                         static_cast<uint32_t>(n * nq_), xs_.data());
      for (int64_t b = 0; b < n; ++b)
        general_add_sample(&xs_[b * nq_], K, r, f, q, w0_.data(), w0_zero_, X_.data(), U_.data(), a_, sqrt_noise_,
                           student, value, p0_.data(), pv_.data(), g_.data(), c_.data(), sums);
    }
    general_sums_finish(cc_.data(), r);
    const double loss = sums.loss;
    const double inv_b = 1.0 / static_cast<double>(B);

    // U (K x r): its rule with eta_u (the gradient is from the old U and V).
    if (!u_frozen_)
      for (int k = 0; k < K * r; ++k) {
        const double g = gU_[k] * inv_b + wd_ * U_[k];
        if (momentum_) {
          bU_[k] = beta_ * bU_[k] + g;
          U_[k] -= eta_u_ * bU_[k];
        } else {
          U_[k] -= eta_u_ * g;
        }
      }

    // The gradients' parts outside the frame: Z = Lc T on r new axes.
    cholesky_psd(cc_.data(), r, Lc_.data());
    bartlett_factor({seed_, kStreamReducedGamma}, {seed_, kStreamReducedWishart}, static_cast<uint64_t>(s), r, dof_,
                    T_.data());
    for (int i = 0; i < r; ++i)
      for (int k = 0; k < r; ++k) {
        double z = 0;
        for (int l = k; l <= i; ++l) z += Lc_[i * r + l] * T_[l * r + k];
        Z_[i * r + k] = z;
      }

    // Rows in coordinates (F part, E part, new axes): F part in X_, the rest in P_ (R x (R + r)).
    const int pw = R + r;
    for (int i = 0; i < R; ++i)
      for (int k = 0; k < pw; ++k) P_[i * pw + k] = k < R ? X_[i * q + f + k] : 0.0;
    // grad_i's coordinate k: on the frame (k < q) sv/B, on new axis a Z/B.
    auto grad = [&](int i, int k) { return k < q ? sv_[i * q + k] * inv_b : Z_[i * r + (k - q)] * inv_b; };
    auto at = [&](int row, int k) -> double& { return k < f ? X_[row * q + k] : P_[row * pw + (k - f)]; };
    for (int i = 0; i < r; ++i) {
      for (int k = 0; k < q + r; ++k) {
        double& v = at(i, k);
        if (momentum_) {
          double& b = at(r + i, k);
          b = beta_ * b + grad(i, k) + wd_ * v;
          v -= eta_ * b;
        } else {
          v = (1 - eta_ * wd_) * v - eta_ * grad(i, k);
        }
      }
      if (spherical_) {
        double nn = 0;
        for (int k = 0; k < q + r; ++k) nn += at(i, k) * at(i, k);
        const double inv = 1.0 / std::sqrt(nn);
        for (int k = 0; k < q + r; ++k) at(i, k) *= inv;
      }
    }
    row_lq(P_.data(), R, pw, Lnew_.data(), lq_work_.data());
    for (int i = 0; i < R; ++i)
      for (int k = 0; k < R; ++k) X_[i * q + f + k] = Lnew_[i * R + k];
    update_m();
    return loss * inv_b;
  }

  const RunConfig& cfg_;
  uint64_t seed_;
  Recorder rec_;
  int K_ = 1, r_ = 1, f_ = 1, R_ = 1, q_ = 2, nq_ = 2;
  int64_t d_ = 0;
  std::vector<double> w0_;
  bool w0_zero_ = false;
  bool momentum_ = false, full_ = false, u_frozen_ = false, spherical_ = true;
  double beta_ = 0, wd_ = 0, eta_ = 0, eta_u_ = 0, a_ = 1, sqrt_noise_ = 0, dof_ = 0;
  std::vector<double> X_, U_, bU_;
  const std::atomic<bool>* cancel_ = nullptr;
  bool aborted_ = false;  // cancelled inside a step
  std::vector<double> xs_, sv_, gU_, cc_, Lc_, T_, Z_, P_, Lnew_, lq_work_, p0_, pv_, g_, c_, m_, M_, Q_, W_;
};

}  // namespace

RunRecord simulate_reduced_practice(const RunConfig& cfg, uint64_t seed, const RunControl& ctl) {
  PracticeChain chain(cfg, seed);
  return chain.run(ctl);
}

}  // namespace loradyn
