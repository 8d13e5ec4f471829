#include "general_launch.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "../util/parallel.hpp"
#include "chain_links.hpp"

namespace loradyn {

bool reduced_general_supported(const RunConfig& cfg, std::string* why) {
  const auto& m = cfg.model;
  if (m.hidden > kGenMaxK || m.rank > kGenMaxR) {
    if (why)
      *why =
          "backend 'cuda' runs engine 'reduced' with model.hidden <= 4 and model.rank <= 4 (use backend 'cpu' or "
          "'auto')";
    return false;
  }
  if (static_cast<int>(cfg.record.thresholds.size()) > kGenMaxThresholds) {
    if (why) *why = "backend 'cuda': record.thresholds may hold at most 8 values";
    return false;
  }
  return true;
}

ReducedGeneralLaunch::ReducedGeneralLaunch(const std::vector<const RunConfig*>& cfgs,
                                           const std::vector<uint64_t>& run_seeds, int threads) {
  const int S = static_cast<int>(cfgs.size());
  if (S == 0 || static_cast<int>(run_seeds.size()) != S)
    throw std::invalid_argument("reduced launch: no runs, or seeds and configs differ in number");
  for (const RunConfig* c : cfgs) {
    std::string why;
    if (!reduced_general_supported(*c, &why)) throw std::invalid_argument(why);
  }
  const RunConfig& cfg = *cfgs.front();  // the shared part (launch_groups: same d, K, r, B, links, ...)
  steps_ = cfg.train.steps;
  std::vector<ReducedState> states(S);
  recs_.resize(S);
  parallel_for(S, threads, [&](int i) {
    states[i] = init_reduced_state(*cfgs[i], run_seeds[i]);
    recs_[i] = std::make_unique<Recorder>(*cfgs[i], run_seeds[i]);
  });
  const ReducedState& s0 = states.front();
  for (const ReducedState& st : states)
    if (st.K != s0.K || st.r != s0.r || st.f != s0.f || st.q != s0.q || st.d != s0.d || st.w0_zero != s0.w0_zero)
      throw std::invalid_argument("reduced launch: the runs' frames differ in shape (launch them apart)");
  ReducedGeneralArgs& a = args_;
  a.S = S;
  a.B = cfg.train.batch;
  a.K = s0.K;
  a.r = s0.r;
  a.f = s0.f;
  a.q = s0.q;
  a.dof = static_cast<double>(s0.d - s0.q);
  a.a = committee_readout(cfg.model);
  a.scratch = cfg.model.pretrained == Pretrained::Scratch ? 1 : 0;
  a.spherical = cfg.model.spherical ? 1 : 0;
  a.w0_zero = s0.w0_zero ? 1 : 0;
  a.nthr = static_cast<int>(cfg.record.thresholds.size());
  for (int h = 0; h < a.nthr; ++h) a.thresholds[h] = cfg.record.thresholds[h];
  a.stop_at = cfg.record.stop_at;
  const int nV = a.r * a.q, nU = a.K * a.r, nW = a.K * a.f;
  seeds = run_seeds;
  eta_.resize(S);
  step_size.resize(S);
  sqrt_noise.resize(S);
  w0.resize(static_cast<size_t>(S) * nW);
  V.resize(static_cast<size_t>(S) * nV);
  U.resize(static_cast<size_t>(S) * nU);
  escape.assign(static_cast<size_t>(S) * a.nthr, -1);
  stopped.assign(S, -1);
  // Point 0 and the first passages at step 0, as ReducedSgd::run records them.
  parallel_for(S, threads, [&](int i) {
    const ReducedState& st = states[i];
    eta_[i] = effective_eta(*cfgs[i]);
    step_size[i] = eta_[i] / static_cast<double>(a.B);
    sqrt_noise[i] = std::sqrt(cfgs[i]->model.noise);
    std::copy(st.w0.begin(), st.w0.end(), w0.begin() + static_cast<size_t>(i) * nW);
    std::copy(st.V.begin(), st.V.end(), V.begin() + static_cast<size_t>(i) * nV);
    std::copy(st.U.begin(), st.U.end(), U.begin() + static_cast<size_t>(i) * nU);
    std::vector<double> m(nU), M(a.K * a.K), Q(a.K * a.K), W(a.K * a.q);
    general_overlaps(a.K, a.r, a.f, a.q, st.w0.data(), st.V.data(), st.U.data(), m.data(), M.data(), Q.data(),
                     W.data());
    Recorder& rec = *recs_[i];
    rec.record(0, 0.0, m.data(), st.U.data(), M.data(), Q.data());
    const double m0 = max_abs(m.data(), nU);
    rec.observe(0, m0);
    if (rec.stop_reached(m0)) stopped[i] = 0;
    for (int h = 0; h < a.nthr; ++h) escape[static_cast<size_t>(i) * a.nthr + h] = rec.result().escape[h];
  });
  grid = recs_[0]->grid();
  a.P = static_cast<int>(grid.size());
  next_point.assign(S, 1);
  points_done.assign(S, 0);
  loss_sum.assign(S, 0.0);
  loss_n.assign(S, 0);
  diverged.assign(S, -1);
  steps_done.assign(S, 0);
  const size_t SP = static_cast<size_t>(S) * a.P;
  out_step.assign(SP, 0.0);
  out_bl.assign(SP, 0.0);
  out_V.assign(SP * nV, 0.0);
  out_U.assign(SP * nU, 0.0);
  a.grid = grid.data();
  a.seeds = seeds.data();
  a.step_size = step_size.data();
  a.sqrt_noise = sqrt_noise.data();
  a.w0 = w0.data();
  a.V = V.data();
  a.U = U.data();
  a.next_point = next_point.data();
  a.points_done = points_done.data();
  a.escape = escape.data();
  a.loss_sum = loss_sum.data();
  a.loss_n = loss_n.data();
  a.diverged = diverged.data();
  a.stopped = stopped.data();
  a.steps_done = steps_done.data();
  a.out_step = out_step.data();
  a.out_bl = out_bl.data();
  a.out_V = out_V.data();
  a.out_U = out_U.data();
}

std::vector<RunRecord> ReducedGeneralLaunch::finish(bool cancelled, int threads) {
  const ReducedGeneralArgs& a = args_;
  const int S = a.S, P = a.P, nV = a.r * a.q, nU = a.K * a.r, nW = a.K * a.f;
  std::vector<RunRecord> out(S);
  parallel_for(S, threads, [&](int i) {
    Recorder& rec = *recs_[i];
    if (steps_ > 0) {
      std::vector<double> m(nU), M(a.K * a.K), Q(a.K * a.K), W(a.K * a.q);
      const double* w0i = &w0[static_cast<size_t>(i) * nW];
      for (int p = 0; p < points_done[i]; ++p) {
        const size_t k = static_cast<size_t>(i) * P + p;
        if (!std::isnan(out_bl[k])) rec.add_batch_loss(out_bl[k]);
        const int64_t st = static_cast<int64_t>(out_step[k]);
        const double* Vp = &out_V[k * nV];
        const double* Up = &out_U[k * nU];
        general_overlaps(a.K, a.r, a.f, a.q, w0i, Vp, Up, m.data(), M.data(), Q.data(), W.data());
        rec.record(st, static_cast<double>(st) * eta_[i], m.data(), Up, M.data(), Q.data());
      }
      RunRecord& res = rec.result();
      for (int h = 0; h < a.nthr; ++h) res.escape[h] = escape[static_cast<size_t>(i) * a.nthr + h];
      res.diverged_step = diverged[i];
      res.cancelled = cancelled;
    }
    out[i] = rec.take();
    out[i].steps_done = steps_ > 0 ? steps_done[i] : 0;
  });
  return out;
}

std::vector<RunRecord> emulate_reduced_general(const std::vector<const RunConfig*>& cfgs,
                                               const std::vector<uint64_t>& seeds, int64_t chunk) {
  ReducedGeneralLaunch L(cfgs, seeds, 1);
  ReducedGeneralArgs& a = L.host_args();
  const ChainLink student = ChainLink::student(cfgs.front()->model.activation);
  const ChainLink teacher = ChainLink::teacher(cfgs.front()->model.teacher);
  const auto s = [&](double z, double& v, double& dv) { student.eval(z, v, dv); };
  const auto t = [&](double z) { return teacher.value(z); };
  chunk = std::max<int64_t>(1, chunk);
  for (int64_t b = 0; b < L.steps(); b += chunk) {
    a.step_begin = b;
    a.step_end = std::min(L.steps(), b + chunk);
    for (int run = 0; run < a.S; ++run) reduced_general_run(a, run, s, t);
  }
  return L.finish(false, 1);
}

}  // namespace loradyn
