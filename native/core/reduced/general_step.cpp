#include "general_step.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "../rng/gaussian_simd.hpp"
#include "chain_draws.hpp"
#include "general_ops.hpp"

namespace loradyn {
namespace {

// Samples per block of the batch kernels: the block's draws and buffers stay in L1.
constexpr int kBlock = 128;
// Batches up to this size skip the kernels (batch_small): at B = 1 a step is one sample, and
// filling the kernels' frame, clearing their padded sums and dispatching four calls on the
// shape cost more than the sample.
constexpr int64_t kSmallBatch = 4;
// Samples between two polls of the cancel flag inside a step (a multiple of kBlock): an abort
// is seen within milliseconds however large the batch.
constexpr int64_t kPollEvery = kReducedChunkSamples;
static_assert(kPollEvery % kBlock == 0, "polls fall between blocks");

// Frame coordinates start .. start + n of step s (coordinate b*nq + k = coordinate k of x_b):
// the numbers gaussian_fill gives, whichever way they are drawn.
inline void draw_coords(const DrawKey& key, uint64_t s, int64_t start, int64_t n, double* out) {
  if (n >= 64)
    gaussian_fill_fast(key, s, 0, static_cast<uint32_t>(start), static_cast<uint32_t>(n), out);
  else
    gaussian_span(key, s, static_cast<uint32_t>(start), static_cast<uint32_t>(n), out);
}

}  // namespace

GeneralStep::GeneralStep(const RunConfig& cfg, uint64_t seed, ReducedState& st, bool use_kernels)
    : st_(st), seed_(seed), B_(cfg.train.batch) {
  const int K = st_.K, r = st_.r, q = st_.q;
  eta_ = effective_eta(cfg);
  a_ = committee_readout(cfg.model);
  sqrt_noise_ = std::sqrt(cfg.model.noise);
  scratch_ = cfg.model.pretrained == Pretrained::Scratch;
  spherical_ = cfg.model.spherical;
  nq_ = q + (sqrt_noise_ > 0 ? 1 : 0);
  dof_ = static_cast<double>(st_.d - q);
  student_ = ChainLink::student(cfg.model.activation);
  teacher_ = ChainLink::teacher(cfg.model.teacher);
  shape_ = batch_shape_of(st_);
  kernels_ = use_kernels && batch_shape_supported(shape_);
  // A block of the kernels, or a chunk of the generic loop (both draw a step's batch in parts).
  const int64_t rows = std::min<int64_t>(B_, kernels_ ? kBlock : kPollEvery);
  xs_.assign(static_cast<size_t>(rows * nq_ + kBatchSlack), 0.0);
  if (kernels_) blk_.assign(static_cast<size_t>(9 * (kBlock * kBatchMaxK + kBatchSlack)), 0.0);
  gU_.resize(static_cast<size_t>(K) * r);
  sv_.resize(static_cast<size_t>(r) * q);
  cc_.resize(static_cast<size_t>(r) * r);
  p0_.resize(K);
  pv_.resize(r);
  g_.resize(K);
  c_.resize(r);
  Lc_.resize(static_cast<size_t>(r) * r);
  T_.resize(static_cast<size_t>(r) * r);
  Z_.resize(static_cast<size_t>(r) * r);
  P_.resize(static_cast<size_t>(r) * 2 * r);
  Lnew_.resize(static_cast<size_t>(r) * r);
  lq_work_.resize(static_cast<size_t>(r + 1) * 2 * r);
  move_ = &GeneralStep::move_any;
  batch_ = kernels_ ? &GeneralStep::batch_kernels : &GeneralStep::batch_generic;
#define LD_PICK(K_, R_, D_)                                                                \
  if (kernels_ && shape_.K == K_ && shape_.R == R_ && shape_.diag == D_) {                 \
    move_ = &GeneralStep::move_fixed<K_, R_, (D_ ? K_ : 2 * K_)>;                          \
    if (B_ <= kSmallBatch) batch_ = &GeneralStep::batch_small<K_, R_, (D_ ? K_ : 2 * K_)>; \
  }
  LD_BATCH_SHAPES(LD_PICK)
#undef LD_PICK
}

double GeneralStep::step(int64_t s) {
  const double loss = (this->*batch_)(s);
  if (aborted_) return 0.0;  // the sums are incomplete: no move
  (this->*move_)(s);
  return loss / static_cast<double>(B_);
}

// ---- The generic batch loop: any K, r, f, one sample at a time. ---------------------------
double GeneralStep::batch_generic(int64_t s) {
  const int K = st_.K, r = st_.r, f = st_.f, q = st_.q;
  std::fill(sv_.begin(), sv_.end(), 0.0);
  std::fill(gU_.begin(), gU_.end(), 0.0);
  std::fill(cc_.begin(), cc_.end(), 0.0);
  GeneralSumsRef sums{gU_.data(), sv_.data(), cc_.data(), 0.0};
  const auto student = [this](double z, double& sv, double& ds) { student_.eval(z, sv, ds); };
  const auto teacher = [this](double z) { return teacher_.value(z); };
  // Drawn and summed kPollEvery samples at a time (the same numbers as one draw: the chunks
  // start at multiples of 4 coordinates), with a poll of the cancel flag between chunks.
  for (int64_t b0 = 0; b0 < B_; b0 += kPollEvery) {
    if (b0 > 0 && stop_requested()) {
      aborted_ = true;
      return 0.0;
    }
    const int64_t b1 = std::min(B_, b0 + kPollEvery);
    draw_coords({seed_, kStreamReduced}, static_cast<uint64_t>(s), b0 * nq_, (b1 - b0) * nq_, xs_.data());
    for (int64_t b = b0; b < b1; ++b)
      general_add_sample(&xs_[(b - b0) * nq_], K, r, f, q, st_.w0.data(), st_.w0_zero, st_.V.data(), st_.U.data(), a_,
                         sqrt_noise_, student, teacher, p0_.data(), pv_.data(), g_.data(), c_.data(), sums);
  }
  general_sums_finish(cc_.data(), r);
  return sums.loss;
}

// ---- The generic loop at sizes known at compile time (small batches). ---------------------
template <int K, int R, int F>
double GeneralStep::batch_small(int64_t s) {
  constexpr int Q = F + R;
  double gU[K * R] = {}, sv[R * Q] = {}, cc[R * R] = {};
  double p0[K], pv[R], g[K], c[R];
  GeneralSumsRef sums{gU, sv, cc, 0.0};
  draw_coords({seed_, kStreamReduced}, static_cast<uint64_t>(s), 0, B_ * nq_, xs_.data());
  const auto student = [this](double z, double& v, double& dv) { student_.eval(z, v, dv); };
  const auto teacher = [this](double z) { return teacher_.value(z); };
  for (int64_t b = 0; b < B_; ++b)
    general_add_sample(&xs_[b * nq_], std::integral_constant<int, K>{}, std::integral_constant<int, R>{},
                       std::integral_constant<int, F>{}, std::integral_constant<int, Q>{}, st_.w0.data(), st_.w0_zero,
                       st_.V.data(), st_.U.data(), a_, sqrt_noise_, student, teacher, p0, pv, g, c, sums);
  general_sums_finish(cc, R);
  std::copy(gU, gU + K * R, gU_.begin());
  std::copy(sv, sv + R * Q, sv_.begin());
  std::copy(cc, cc + R * R, cc_.begin());
  return sums.loss;
}

// ---- The same sums from the batch kernels, a block of samples at a time. -------------------
double GeneralStep::batch_kernels(int64_t s) {
  const int K = st_.K, r = st_.r, q = st_.q;
  const int QP = batch_pad(q);
  batch_frame_fill(shape_, st_, frame_);
  sums_.loss = 0;
  std::memset(sums_.gU, 0, sizeof sums_.gU);
  std::memset(sums_.sv, 0, sizeof sums_.sv);
  std::memset(sums_.cc, 0, sizeof sums_.cc);
  const size_t stride = kBlock * kBatchMaxK + kBatchSlack;
  BatchBlock blk;
  blk.xs = xs_.data();
  blk.nq = nq_;
  blk.lam = &blk_[0];
  blk.targ = &blk_[stride];
  blk.pv = &blk_[2 * stride];
  blk.s = &blk_[3 * stride];
  blk.ds = &blk_[4 * stride];
  blk.y = &blk_[5 * stride];
  blk.lt = &blk_[6 * stride];
  blk.g = &blk_[7 * stride];
  blk.c = &blk_[8 * stride];
  const DrawKey key{seed_, kStreamReduced};
  for (int64_t b0 = 0; b0 < B_; b0 += kBlock) {
    if (b0 > 0 && b0 % kPollEvery == 0 && stop_requested()) {
      aborted_ = true;
      return 0.0;
    }
    const int nb = static_cast<int>(std::min<int64_t>(kBlock, B_ - b0));
    draw_coords(key, static_cast<uint64_t>(s), b0 * nq_, static_cast<int64_t>(nb) * nq_, xs_.data());
    blk.nb = nb;
    batch_forward(shape_, frame_, blk);
    chain_student_values(student_, blk.lam, blk.s, blk.ds, nb * K);
    chain_teacher_values(teacher_, blk.targ, blk.y, nb * K);
    batch_accumulate(shape_, frame_, blk, a_, sqrt_noise_, sums_);
  }
  for (int j = 0; j < K; ++j)
    for (int i = 0; i < r; ++i) gU_[j * r + i] = sums_.gU[j * r + i];
  for (int i = 0; i < r; ++i) {
    for (int k = 0; k < q; ++k) sv_[i * q + k] = sums_.sv[i * QP + k];
    for (int k = 0; k < r; ++k) cc_[i * r + k] = sums_.cc[i * r + k];
  }
  return sums_.loss;
}

// ---- The move of the frame, from the batch sums: one code for every shape. -----------------
template <int K, int R, int F>
void GeneralStep::move_fixed(int64_t s) {
  move_frame(s, std::integral_constant<int, K>{}, std::integral_constant<int, R>{}, std::integral_constant<int, F>{});
}
void GeneralStep::move_any(int64_t s) { move_frame(s, st_.K, st_.r, st_.f); }

template <class KD, class RD, class FD>
void GeneralStep::move_frame(int64_t s, KD K, RD r, FD f) {
  const GeneralMoveParams pm{seed_, eta_ / static_cast<double>(B_), dof_, scratch_, spherical_};
  const GeneralMoveScratch w{Lc_.data(), T_.data(), Z_.data(), P_.data(), Lnew_.data(), lq_work_.data()};
  general_move_frame(pm, s, K, r, f, st_.U.data(), st_.V.data(), gU_.data(), sv_.data(), cc_.data(), w);
}

}  // namespace loradyn
