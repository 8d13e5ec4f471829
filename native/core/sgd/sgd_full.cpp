#include "sgd_full.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "../engine/memory.hpp"
#include "../model/practice.hpp"
#include "../rng/gaussian.hpp"
#include "../rng/gaussian_simd.hpp"
#include "canonical_sum.hpp"
#include "full_kernels.hpp"
#include "full_sgd_impl.hpp"

namespace loradyn {
namespace {

// Work (B * d coordinate updates) between two progress reports: a few milliseconds.
constexpr double kReportWork = 4e6;
// Sample groups (part_grouped): from this d on, where the teacher, V and dV rows (8 d bytes
// each) no longer fit in a 2 MB L2 (d = 1e4 and 3e4 lose 10% grouped); up to kMaxGroup samples,
// fewer where their float inputs would pass kGroupBytes. Paired timings at B = 500 with the rows on
// cache lines, against other group sizes: d = 7e4 and 1e5 best at 16 (+6% at 1e5 over 5);
// d = 3e5 at 16 (+17% over 5, 32 is 18% slower); d = 1e6 at 4 (16 is 11% slower).
constexpr int64_t kGroupMinD = 65536;
constexpr int64_t kGroupBytes = 16 << 20;
constexpr int kMaxGroup = 16;
// Batch parts: at least this many samples each, at most kMaxParts of them.
constexpr int64_t kMinPartSamples = 32;
constexpr int kMaxParts = 16;

}  // namespace

// Bytes a run allocates (FullSgd and its FullState), following the constructor below: the
// memory check (engine/memory.hpp) sizes a call with it before anything is allocated.
double full_run_bytes(const RunConfig& c, int threads) {
  const auto& m = c.model;
  const double d = static_cast<double>(m.d), K = m.hidden, r = m.rank;
  const int64_t B = c.train.batch;
  const int64_t d_pad = (m.d + kF32SuperBlock - 1) / kF32SuperBlock * kF32SuperBlock;
  const BatchParts parts = batch_parts(B);
  const int workers = std::max(1, std::min(threads, parts.count));
  const int group =
      B > 1 && m.d >= kGroupMinD ? static_cast<int>(std::clamp<int64_t>(kGroupBytes / (4 * d_pad), 2, kMaxGroup)) : 1;
  const bool need_w0 = m.pretrained == Pretrained::Misaligned || m.pretrained == Pretrained::Given;
  const bool f32 = B == 1 && m.d >= kGroupMinD && m.hidden == 1 && m.rank == 1 && !need_w0 &&
                   full_kernels::draw_project_supported(2, false, true) &&
                   full_kernels::draw_project_supported(2, true, true);
  const double dv_stride = static_cast<double>((m.rank * m.d + 7) / 8 * 8);
  // teacher, w0, V; W (K x d) of full_order_parameters at each record point; the parts' dV and their sum.
  const double doubles = (2 * K + r) * d + K * d + parts.count * dv_stride + r * d;
  const double x_rows = static_cast<double>(d_pad + 512) * (group <= 1 && !f32 ? 2 : 1);
  const double floats = static_cast<double>(f32 ? d_pad : 0) + (group > 1 ? static_cast<double>(group) * d_pad : 0);
  return 8 * doubles + workers * (8 * x_rows + 4 * floats + 8 * 64 * (2 * K + r + 1) * 8);
}

BatchParts batch_parts(int64_t B) {
  const int64_t want = (B + kMinPartSamples - 1) / kMinPartSamples;
  const int count = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(kMaxParts, want)));
  return BatchParts{count, (B + count - 1) / count};
}

FullSgd::FullSgd(const RunConfig& cfg, uint64_t seed, Path path, int threads)
    : cfg_(cfg), seed_(seed), path_(path), st_(init_full_state(cfg, seed)), rec_(cfg, seed) {
  const int K = st_.K, r = st_.r;
  d_ = st_.d;
  eta_ = effective_eta(cfg);
  a_ = committee_readout(cfg.model);
  sqrt_noise_ = std::sqrt(cfg.model.noise);
  scratch_ = cfg.model.pretrained == Pretrained::Scratch;
  practice_ = uses_practice_options(cfg);
  u_frozen_ = scratch_ || cfg.model.adapter == Adapter::Full;
  if (practice_) init_practice();
  parts_ = batch_parts(cfg.train.batch);
  const int workers = path == Path::Fast ? std::max(1, std::min(threads, parts_.count)) : 1;
  if (workers > 1) pool_ = std::make_unique<TaskPool>(workers);
  m_.resize(r * K);
  v_scale_.assign(r, 1.0);
  row_nn_.resize(r);
  row_dt_.resize(static_cast<size_t>(r) * K);
  M_.resize(K * K);
  Q_.resize(K * K);
  dv_stride_ = (r * d_ + 7) / 8 * 8;  // each part's dV on a cache line
  part_dV_.resize(static_cast<size_t>(parts_.count) * dv_stride_);
  part_gU_.resize(static_cast<size_t>(parts_.count) * K * r);
  part_loss_.resize(parts_.count);
  dV_.resize(r * d_);
  gU_.resize(K * r);
  const int nproj = 2 * K + r;
  d_pad_ = (d_ + kF32SuperBlock - 1) / kF32SuperBlock * kF32SuperBlock;
  if (path == Path::Fast && cfg.train.batch > 1 && d_ >= kGroupMinD)
    group_ = static_cast<int>(std::clamp<int64_t>(kGroupBytes / (4 * d_pad_), 2, kMaxGroup));
  if (const char* g = std::getenv("LORADYN_SAMPLE_GROUP"))  // tests and tuning: force a group size
    if (path == Path::Fast && cfg.train.batch > 1) group_ = std::clamp(std::atoi(g), 1, 64);
  f32_inputs_ = path == Path::Fast && cfg.train.batch == 1 && !practice_ && d_ >= kGroupMinD && K == 1 && r == 1 &&
                !need_w0() && full_kernels::draw_project_supported(2, false, true) &&
                full_kernels::draw_project_supported(2, true, true);
  scratch_per_worker_.resize(workers);
  for (Scratch& w : scratch_per_worker_) {
    // Room to the end of the last super-block: the draws fill whole super-blocks (no copy).
    // x starts 2 KB from V's first row modulo 4 KB: the batch of one's V update loads x while
    // it stores V, and a load whose address matches a pending store's modulo 4 KB waits for it
    // (4K aliasing; +3% at d = 1000, B = 1).
    const auto mod4k = [](const void* p) { return static_cast<int64_t>(reinterpret_cast<uintptr_t>(p) % 4096); };
    const auto place = [&](AlignedDoubles& buf) {
      buf.resize(d_pad_ + 512);
      return ((mod4k(st_.V.data()) + 2048 - mod4k(buf.data())) % 4096 + 4096) % 4096 / 8;
    };
    w.x_begin = place(w.x);
    // The second buffer serves the pairs and the batch of one in doubles only.
    if (path == Path::Fast && group_ <= 1 && !f32_inputs_) w.x_alt_begin = place(w.x_alt);
    if (f32_inputs_) w.xf.resize(d_pad_);
    if (group_ > 1) {
      w.xg.resize(static_cast<size_t>(group_) * d_pad_);
      w.accg.resize(static_cast<size_t>(group_) * nproj * kSumLanes);
      w.cg.resize(static_cast<size_t>(group_) * r);
    }
    // One more row for the batch of one: |x|^2 (apply_direct_update); room for two samples
    // (B > 1 goes in pairs: step_fast).
    w.acc.resize(static_cast<size_t>(2 * (nproj + 1)) * kSumLanes);
    w.proj.resize(2 * (nproj + 1));
    w.c.resize(2 * r);
    w.pv_raw.resize(r);
    w.rows.resize(nproj + 1);
  }
}

RunRecord FullSgd::run(const RunControl& ctl) {
  cancel_ = ctl.cancel;
  const int64_t steps = cfg_.train.steps;
  record_point(0);
  if (!rec_.last_point_finite()) {  // not finite from the start (u0, init.u or w0 too large)
    RunRecord out = rec_.take();
    out.diverged_step = 0;
    out.steps_done = 0;
    return out;
  }
  rec_.observe_loss(0, M_.data(), Q_.data());
  const double m0 = max_abs(m_.data(), st_.r * st_.K);
  rec_.observe(0, m0);
  const double work_per_step = static_cast<double>(cfg_.train.batch) * d_ * (st_.r + 1);
  double work = 0;
  int64_t unreported = 0;
  int64_t s = 0;
  bool stopped = rec_.stop_reached(m0);
  for (; s < steps && !stopped; ++s) {
    if (ctl.cancelled()) {
      rec_.result().cancelled = true;
      break;
    }
    if (path_ == Path::Fast)
      step_fast(s);
    else
      step_reference(s);
    if (ctl.cancelled()) {  // possibly inside the step: its update is incomplete, the run ends here
      rec_.result().cancelled = true;
      break;
    }
    const int64_t done = s + 1;
    if (!finite_state()) {
      rec_.result().diverged_step = done;
      record_point(done);
      s = done;
      break;
    }
    if (rec_.tracks_loss()) {  // record.lossThresholds
      overlaps_now(M_.data(), Q_.data());
      rec_.observe_loss(done, M_.data(), Q_.data());
    }
    const double mx = max_abs(m_.data(), st_.r * st_.K);
    rec_.observe(done, mx);
    const bool stop = rec_.stop_reached(mx);
    if (done == rec_.next_step() || stop) {
      record_point(done);
      if (!rec_.last_point_finite()) {  // M or Q overflowed although U and m did not
        rec_.result().diverged_step = done;
        s = done;
        break;
      }
    }
    if (stop) {
      ++unreported;
      stopped = true;
      s = done;
      break;
    }
    work += work_per_step;
    ++unreported;
    if (work >= kReportWork) {
      ctl.report(unreported);
      unreported = 0;
      work = 0;
    }
  }
  // A run stopped at record.stopAt has finished its work: progress counts the skipped steps.
  if (stopped) unreported += steps - s;
  ctl.report(unreported);
  RunRecord out = rec_.take();
  out.steps_done = s;
  if (cfg_.record.final_state) {
    materialize_v();
    out.final_u = st_.U;
    out.final_v.assign(st_.V.begin(), st_.V.end());
    out.teacher.assign(st_.teacher.begin(), st_.teacher.end());
    out.w0.assign(st_.w0.begin(), st_.w0.end());
  }
  return out;
}

void FullSgd::record_point(int64_t step) {
  materialize_v();
  full_order_parameters(st_, m_.data(), M_.data(), Q_.data());
  rec_.record(step, step * eta_, m_.data(), st_.U.data(), M_.data(), Q_.data());
}

bool FullSgd::finite_state() const {
  if (row_broken_) return false;
  for (double u : st_.U)
    if (!std::isfinite(u)) return false;
  for (double m : m_)
    if (!std::isfinite(m)) return false;
  return std::isfinite(last_loss_);
}

double FullSgd::sample_terms(int64_t s, int64_t b, const double* pstar, const double* pv, double* gU, double* c) const {
  const int K = st_.K, r = st_.r;
  const auto& act = cfg_.model.activation;
  const auto& teacher = cfg_.model.teacher;
  double g[64];
  std::vector<double> g_heap;
  double* gp = g;
  if (K > 64) {
    g_heap.resize(K);
    gp = g_heap.data();
  }
  double yhat = 0, y = 0;
  for (int j = 0; j < K; ++j) {
    const double p0 = st_.w0_aligned ? cfg_.model.mu[j] * pstar[j] : (scratch_ ? 0.0 : pstar[K + j]);
    double l = p0;
    for (int i = 0; i < r; ++i) l += st_.U[j * r + i] * pv[i];
    const ActivationValue v = act.eval(l);
    yhat += v.s;
    gp[j] = v.ds;
    y += teacher.value(pstar[j]);
  }
  yhat *= a_;
  y *= a_;
  if (sqrt_noise_ > 0)
    y += sqrt_noise_ * gaussian_at({seed_, kStreamLabelNoise}, static_cast<uint64_t>(s), static_cast<uint32_t>(b), 0);
  const double err = yhat - y;
  for (int j = 0; j < K; ++j) gp[j] *= err * a_;
  // dL/dU_ji = g_j (v_i . x);  dL/dv_i = (sum_j U_ji g_j) x.
  for (int j = 0; j < K; ++j)
    for (int i = 0; i < r; ++i) gU[j * r + i] += gp[j] * pv[i];
  for (int i = 0; i < r; ++i) {
    double ci = 0;
    for (int j = 0; j < K; ++j) ci += st_.U[j * r + i] * gp[j];
    c[i] = ci;
  }
  return 0.5 * err * err;
}

// One SGD update with the batch of step s; gradients at the old parameters. Per sample, x is
// drawn in blocks of kDrawBlock coordinates and every projection (teacher rows, w0 rows when
// needed, rows of V) advances on the block while it is in L1; then one pass adds c_i x to
// the part's dV rows.
void FullSgd::step_fast(int64_t s) {
  const int K = st_.K, r = st_.r;
  const int64_t d = d_, B = cfg_.train.batch;
  const bool need_w0 = this->need_w0();
  const int nproj = K + (need_w0 ? K : 0) + r;  // pstar[0..K), p0[K..2K), pv after
  const int64_t d8 = d - d % kSumLanes;
  const DrawKey inputs{seed_, kStreamInputs};
  // A batch of one needs no dV: V moves by c x straight from the sample's x, and the sums that
  // carry |v|^2 take one more row, x itself (apply_direct_update). The practice step needs dV.
  const bool direct = B == 1 && !practice_;
  const int nrows = nproj + (direct ? 1 : 0);
  auto part_task = [&](int p, int worker) {
    Scratch& w = scratch_per_worker_[worker];
    double* x = w.x.data() + w.x_begin;
    // The batch of one: the last step's deferred V update (set only where defers_v_update(),
    // rows t, v, x) is done by this step's projection pass; x is drawn into the other buffer.
    const bool fuse = pending_;
    if (fuse && pending_x_ == x) x = w.x_alt.data() + w.x_alt_begin;
    w.x_cur = x;
    std::vector<const double*>& rows = w.rows;
    AlignedDoubles& acc = w.acc;
    std::vector<double>&proj = w.proj, &c = w.c;
    double* dV = &part_dV_[static_cast<size_t>(p) * dv_stride_];
    double* gU = &part_gU_[static_cast<size_t>(p) * K * r];
    if (!direct && group_ <= 1) std::fill(dV, dV + r * d, 0.0);  // part_grouped starts it from zero
    std::fill(gU, gU + K * r, 0.0);
    if (group_ > 1) {
      part_loss_[p] = part_grouped(s, p, w, dV, gU);
      return;
    }
    if (f32_inputs_) {
      part_loss_[p] = sample_one_f32(s, w, gU);
      return;
    }
    // Samples in pairs (B > 1): both are drawn, block by block, and projected in one pass (each
    // row loaded once for both), then their projections finished and their terms taken in
    // order, and one pass adds both c x to dV. Same operations in the same order as one sample
    // at a time.
    double loss = 0;
    double* const xs[2] = {x, w.x_alt.data() + w.x_alt_begin};
    const int stride = nrows * kSumLanes;
    for (int64_t b0 = parts_.begin(p); b0 < parts_.end(p, B); b0 += 2) {
      if (!direct && stop_requested()) return;
      const int n = direct || b0 + 1 >= parts_.end(p, B) ? 1 : 2;
      std::fill(acc.begin(), acc.begin() + n * stride, 0.0);
      // The batch of one on AVX-512: x drawn and projected in one loop (full_kernels::draw_project;
      // +2-4% at d = 1e3, +6% at d = 1e4 and 1e5). At B > 1 it measured no faster than the pairs.
      if (direct && full_kernels::draw_project_supported(nproj, fuse, false)) {
        block_rows(0, rows.data());
        full_kernels::DrawProjectRows in{nproj, rows.data()};
        if (fuse) {
          in.v = st_.V.data();
          in.xp = pending_x_;
          in.beta = pending_beta_;
        }
        full_kernels::draw_project(inputs, static_cast<uint64_t>(s), static_cast<uint32_t>(b0),
                                   static_cast<uint32_t>(d_pad_ / kF32SuperBlock), d8, in, xs[0], acc.data());
      } else
        for (int64_t c0 = 0; c0 < d; c0 += kDrawBlock) {
          const int64_t len = std::min(kDrawBlock, d - c0);
          for (int h = 0; h < n; ++h)
            gaussian_fill_f32_fast(inputs, static_cast<uint64_t>(s), static_cast<uint32_t>(b0 + h),
                                   static_cast<uint32_t>(c0), static_cast<uint32_t>(drawn_length(len)), xs[h] + c0);
          block_rows(c0, rows.data());
          if (direct) rows[nproj] = xs[0] + c0;
          const int64_t n8 = std::min(len, d8 - c0);
          if (n8 <= 0) continue;
          if (fuse)
            full_kernels::project3_pending(rows[0], &st_.V[c0], xs[0] + c0, pending_x_ + c0, pending_beta_, n8,
                                           acc.data());
          else if (n == 2)
            full_kernels::project_pair(nrows, rows.data(), xs[0] + c0, xs[1] + c0, n8, acc.data(), &acc[stride]);
          else
            full_kernels::project(nrows, rows.data(), xs[0] + c0, n8, acc.data());
        }
      if (fuse) {  // the coordinates past the last whole group of lanes (a cloned kernel: no libm calls)
        if (d > d8) full_kernels::axpy_rows(1, &pending_beta_, pending_x_ + d8, d - d8, &st_.V[d8], 0);
        pending_ = false;
      }
      for (int h = 0; h < n; ++h)
        finish_projections(&acc[h * stride], xs[h], rows.data(), &proj[h * (nproj + 1)],
                           direct ? w.pv_raw.data() : nullptr);
      // sample_terms reads w0 projections at pstar[K + j]; pv follows them.
      for (int h = 0; h < n; ++h) {
        const double* ph = &proj[h * (nproj + 1)];
        loss += sample_terms(s, b0 + h, ph, ph + K + (need_w0 ? K : 0), gU, &c[h * r]);
      }
      if (direct) continue;
      if (n == 2)
        full_kernels::axpy2_rows(r, c.data(), xs[0], c.data() + r, xs[1], d, dV, d);
      else
        full_kernels::axpy_rows(r, c.data(), xs[0], d, dV, d);
    }
    part_loss_[p] = loss;
  };
  if (pool_)
    pool_->run(parts_.count, part_task);
  else
    for (int p = 0; p < parts_.count; ++p) part_task(p, 0);
  if (!direct && stop_requested()) return;  // cancelled inside the step: run() ends the run
  // Parts in order.
  const double* dV = part_dV_.data();
  double loss = part_loss_[0];
  std::copy(part_gU_.begin(), part_gU_.begin() + K * r, gU_.begin());
  if (parts_.count > 1) {
    std::copy(dV, dV + r * d, dV_.begin());
    for (int p = 1; p < parts_.count; ++p) {
      full_kernels::add_into(dV_.data(), &part_dV_[static_cast<size_t>(p) * dv_stride_], r * d);
      for (int k = 0; k < K * r; ++k) gU_[k] += part_gU_[static_cast<size_t>(p) * K * r + k];
      loss += part_loss_[p];
    }
    dV = dV_.data();
  }
  const double step_size = eta_ / static_cast<double>(B);
  last_loss_ = loss / static_cast<double>(B);
  rec_.add_batch_loss(last_loss_);
  if (practice_) {
    practice_update(dV, gU_.data());
    return;
  }
  if (!scratch_)
    for (int k = 0; k < K * r; ++k) st_.U[k] -= step_size * gU_[k];
  const Scratch& w0 = scratch_per_worker_[0];
  if (direct)
    apply_direct_update(w0.x_cur, w0.c.data(), w0.pv_raw.data(), w0.proj[nproj], w0.proj.data(), step_size, true,
                        f32_inputs_ ? w0.xf.data() : nullptr);
  else
    apply_v_update(dV, step_size, true);
}

// V update fused with renormalisation and the new overlaps m_ij. The renormalisation is lazy:
// the true row i is v_scale_[i] * v. The update multiplies by the scale element by element as it
// reads (the values an eager v *= inv would have stored), the next step's projections multiply
// their sums by it, and m_ij = inv * (v . w*_j) comes from the update's own pass (as in the CUDA
// kernel): one pass over V per step fewer, at the price of rounding that differs from an eager
// renormalisation. The reference step follows the same rule, so fast = reference bit for bit.
void FullSgd::apply_v_update(const double* dV, double step_size, bool fast) {
  const int K = st_.K, r = st_.r;
  const int64_t d = d_;
  const double* t0 = &st_.teacher[0];
  for (int i = 0; i < r; ++i) {
    double* v = &st_.V[i * d];
    const double sc = v_scale_[i];
    double nn, dt0;
    if (fast) {
      const full_kernels::NormDot nd = full_kernels::step_norm_dot(v, sc, &dV[i * d], step_size, t0, d);
      nn = nd.nn;
      dt0 = nd.dt;
    } else {
      const double* dv = &dV[i * d];
      for (int64_t k = 0; k < d; ++k) v[k] = std::fma(-step_size, dv[k], sc * v[k]);
      nn = canonical_dot(v, v, d);
      dt0 = canonical_dot(v, t0, d);
    }
    v_scale_[i] = 1.0;
    if (!std::isfinite(nn)) {  // |v|^2 overflowed: keep the direction
      nn = rescale_huge(v, d);
      dt0 = fast ? full_kernels::dot(v, t0, d) : canonical_dot(v, t0, d);
    }
    if (!(nn > 0) || !std::isfinite(nn)) row_broken_ = true;
    double inv = 1.0;
    if (cfg_.model.spherical && !row_broken_) {
      inv = 1.0 / std::sqrt(nn);
      v_scale_[i] = inv;
    }
    m_[i * K] = dt0 * inv;
    for (int j = 1; j < K; ++j)
      m_[i * K + j] =
          (fast ? full_kernels::dot(v, &st_.teacher[j * d], d) : canonical_dot(v, &st_.teacher[j * d], d)) * inv;
  }
}

// The batch of one. The stored row v stays unnormalised (the true row is v_scale_[i] * v) and
// moves by beta x, beta = -step c_i / v_scale_[i], one fused multiply-add per coordinate; its
// |v|^2 and v . w*_j move with it, from sums the sample's projections already made:
//   |v + beta x|^2 = |v|^2 + beta (2 v . x + beta |x|^2),   (v + beta x) . w*_j = v . w*_j + beta p*_j.
// So the step reads and writes V once, with no pass for the norm, the overlaps or a rescale.
// The carried sums are recomputed exactly whenever the rows are rescaled: at record points
// (materialize_v) and when |v|^2 leaves [2^-512, 2^512], which keeps |v| within 2^+-256 and every
// sum far from overflow and underflow. (Where a step's move is large against |v|, |v|^2 grows by
// a factor up to ~8 a step: with [2^-64, 2^64] the benchmark's row was rescaled every ~22 steps at
// d = 1e5, four passes over V each time; now every ~190: paired +1% there.)
// The reference step calls this too (fast = false: plain loops, the same operations).
void FullSgd::apply_direct_update(const double* x, const double* c, const double* pv_raw, double xx,
                                  const double* pstar, double step_size, bool fast, const float* xf) {
  const int K = st_.K, r = st_.r;
  const int64_t d = d_;
  if (!row_sums_valid_) {
    for (int i = 0; i < r; ++i) refresh_row_sums(i, fast);
    row_sums_valid_ = true;
  }
  for (int i = 0; i < r; ++i) {
    double* v = &st_.V[i * d];
    const double beta = -(step_size * c[i]) / v_scale_[i];
    if (fast && defers_v_update()) {
      pending_ = true;
      pending_beta_ = beta;
      pending_x_ = xf != nullptr ? nullptr : x;
      pending_xf_ = xf;
    } else if (fast) {
      full_kernels::axpy_rows(1, &beta, x, d, v, 0);
    } else
      for (int64_t k = 0; k < d; ++k) v[k] = std::fma(beta, x[k], v[k]);
    double& nn = row_nn_[i];
    nn = std::fma(beta, std::fma(beta, xx, 2.0 * pv_raw[i]), nn);
    for (int j = 0; j < K; ++j) row_dt_[i * K + j] = std::fma(beta, pstar[j], row_dt_[i * K + j]);
    if (!std::isfinite(nn)) {  // |v|^2 overflowed: keep the direction
      flush_pending_v();
      rescale_huge(v, d);
      refresh_row_sums(i, fast);
    }
    if (!(nn > 0) || !std::isfinite(nn)) row_broken_ = true;
    const double inv = cfg_.model.spherical && !row_broken_ ? 1.0 / std::sqrt(nn) : 1.0;
    v_scale_[i] = inv;
    for (int j = 0; j < K; ++j) m_[i * K + j] = row_dt_[i * K + j] * inv;
    if (inv != 1.0 && (nn > 0x1p512 || nn < 0x1p-512)) {
      flush_pending_v();
      if (fast)
        full_kernels::scale(v, inv, d);
      else
        for (int64_t k = 0; k < d; ++k) v[k] *= inv;
      v_scale_[i] = 1.0;
      refresh_row_sums(i, fast);
    }
  }
}

// Done by the next projection pass, while the four rows it reads (t, v, x, the previous x) fit in
// L2 (d < kGroupMinD; +6-10% at d = 1e3-3e4), and beyond where x is kept as floats (f32_inputs_).
// With x in doubles past kGroupMinD the fused pass streams them from memory and the separate
// update is faster (-5% fused at d = 1e5).
bool FullSgd::defers_v_update() const {
  return st_.r == 1 && st_.K == 1 && !need_w0() && (d_ < kGroupMinD || f32_inputs_);
}

void FullSgd::flush_pending_v() {
  if (!pending_) return;
  if (pending_xf_ != nullptr)
    full_kernels::axpy_group_f32(1, &pending_beta_, pending_xf_, 0, d_, st_.V.data());
  else
    full_kernels::axpy_rows(1, &pending_beta_, pending_x_, d_, st_.V.data(), 0);
  pending_ = false;
}

// |v_i|^2 and v_i . w*_j of the stored row i, in the canonical order.
void FullSgd::refresh_row_sums(int i, bool fast) {
  flush_pending_v();
  const int K = st_.K;
  const int64_t d = d_;
  const double* v = &st_.V[i * d];
  auto dot = [&](const double* a, const double* b) {
    return fast ? full_kernels::dot(a, b, d) : canonical_dot(a, b, d);
  };
  row_nn_[i] = dot(v, v);
  for (int j = 0; j < K; ++j) row_dt_[i * K + j] = dot(v, &st_.teacher[j * d]);
}

// Applies the pending scales to V (before V is read whole: record points, the final state).
// Later sums then see sc * v where they would have seen v and a scaled result: a rounding
// difference, at the same steps on both paths, so fast = reference still holds.
void FullSgd::materialize_v() {
  flush_pending_v();
  for (int i = 0; i < st_.r; ++i) {
    if (v_scale_[i] != 1.0) {
      full_kernels::scale(&st_.V[i * d_], v_scale_[i], d_);
      row_sums_valid_ = false;
    }
    v_scale_[i] = 1.0;
  }
}

// Divides v by its largest |entry| and returns the new |v|^2 (inf or NaN if v holds them).
double FullSgd::rescale_huge(double* v, int64_t n) {
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

RunRecord simulate_full(const RunConfig& cfg, uint64_t seed, const RunControl& ctl, int threads) {
  FullSgd sim(cfg, seed, FullSgd::Path::Fast, threads);
  return sim.run(ctl);
}

RunRecord simulate_full_reference(const RunConfig& cfg, uint64_t seed, const RunControl& ctl) {
  FullSgd sim(cfg, seed, FullSgd::Path::Reference, 1);
  return sim.run(ctl);
}

}  // namespace loradyn
