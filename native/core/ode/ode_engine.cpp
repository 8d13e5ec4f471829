#include "ode_engine.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>

#include "../model/practice.hpp"
#include "../model/recorder.hpp"
#include "../theory/loss_model.hpp"
#include "overlap_ode.hpp"
#include "practice_flow.hpp"

namespace loradyn {
namespace {

// A system the driver integrates: rank-1 fast path or the general overlap system.
struct System {
  int n = 0, K = 1, r = 1;
  std::vector<double> y0;
  std::function<void(const double*, double*)> rhs;
  std::function<void(const double*, double*, double*, double*, double*)> observe;
};

bool rank1_fast_path(const RunConfig& c) {
  const auto& m = c.model;
  return m.hidden == 1 && m.rank == 1 && m.pretrained == Pretrained::Aligned && m.spherical && m.init_v.empty() &&
         m.adapter == Adapter::Lora;
}

}  // namespace

void ode_issues(const RunConfig& cfg, std::vector<ConfigIssue>& out) {
  if (cfg.model.pretrained == Pretrained::Given)
    out.push_back({"model.pretrained.kind",
                   "engine 'ode' does not support kind \"given\" (w0 must be described by overlaps); use engine 'full' "
                   "or 'reduced'"});
  if (!cfg.model.init_v.empty())
    out.push_back({"model.init.v",
                   "is not supported by engine 'ode', which starts from m = d^(-1/2); use engine 'full' or 'reduced'"});
  practice_ode_issues(cfg, out);
}

RunRecord simulate_ode(const RunConfig& cfg, uint64_t seed, const RunControl& ctl, Dopri5Options opt) {
  const auto& mc = cfg.model;
  const double eta = effective_eta(cfg);
  const LossModel model(mc.activation, mc.teacher, mc.noise);
  System sys;
  std::unique_ptr<OverlapOde> general;
  std::unique_ptr<Rank1Ode> r1;
  if (rank1_fast_path(cfg)) {
    r1 = std::make_unique<Rank1Ode>(Rank1Ode{model, mc.mu[0], true});
    const double mu = mc.mu[0];
    sys.n = 2;
    sys.y0 = {mc.init_u.empty() ? effective_u0(mc) : mc.init_u[0], 1.0 / std::sqrt(static_cast<double>(mc.d))};
    Rank1Ode* p = r1.get();
    sys.rhs = [p](const double* y, double* dy) { p->rhs(y, dy); };
    sys.observe = [mu](const double* y, double* m, double* u, double* M, double* Q) {
      m[0] = y[1];
      u[0] = y[0];
      M[0] = mu + y[0] * y[1];
      const double mc = std::fmin(std::fabs(y[1]), 1.0);
      Q[0] = M[0] * M[0] + y[0] * y[0] * (1 - mc) * (1 + mc);  // >= 0 (see Rank1Ode::rhs)
    };
  } else {
    general = std::make_unique<OverlapOde>(cfg, model);
    OverlapOde* p = general.get();
    sys.n = p->size();
    sys.K = p->K();
    sys.r = p->r();
    sys.y0 = p->initial();
    sys.rhs = [p](const double* y, double* dy) { p->rhs(y, dy); };
    sys.observe = [p](const double* y, double* m, double* u, double* M, double* Q) { p->observe(y, m, u, M, Q); };
  }
  // Momentum, lrRatio and weight decay (practice_flow.hpp).
  const PracticeFlow flow = practice_flow(cfg, r1 != nullptr);
  if (flow.active) {
    auto paper = sys.rhs;
    sys.rhs = [paper, flow](const double* y, double* dy) {
      paper(y, dy);
      flow.apply(y, dy);
    };
  }
  const int K = mc.hidden, r = mc.rank;
  Recorder rec(cfg, seed);
  std::vector<double> m(r * K), u(K * r), M(K * K), Q(K * K), yd(sys.n);
  auto record_state = [&](int64_t step, const double* y) {
    sys.observe(y, m.data(), u.data(), M.data(), Q.data());
    rec.record(step, step * eta, m.data(), u.data(), M.data(), Q.data());
  };
  auto max_m = [&](const double* y) {
    sys.observe(y, m.data(), u.data(), M.data(), Q.data());
    return max_abs(m.data(), r * K);
  };
  std::vector<double> th = cfg.record.thresholds;
  std::sort(th.begin(), th.end());
  size_t next_th = 0;
  const std::vector<int64_t>& grid = rec.grid();
  size_t gi = 1;
  record_state(0, sys.y0.data());
  if (!rec.last_point_finite()) {  // not finite from the start (u0 or init.u too large)
    RunRecord bad = rec.take();
    bad.diverged_step = 0;
    return bad;
  }
  rec.observe_loss(0, M.data(), Q.data());
  const double m_start = max_m(sys.y0.data());
  rec.observe(0, m_start);
  while (next_th < th.size() && m_start >= th[next_th]) ++next_th;
  const int64_t steps = cfg.train.steps;
  const double T = steps * eta;
  int64_t reported = 0;
  std::vector<double> y = sys.y0;
  RunRecord out;
  // record.stopAt: the step of the first passage of max |m_ij| over it ends the run.
  const double stop_at = cfg.record.stop_at;
  int64_t stop_step = stop_at > 0 && m_start >= stop_at ? 0 : -1;
  // First passage of max |m| over `level` inside [t0, t1], by bisection on the dense output; as a step.
  auto passage_step = [&](double t0, double t1, const Dopri5& d, double level) {
    double a = t0, b = t1;
    for (int it = 0; it < 60 && b - a > 1e-12 * std::max(1.0, b); ++it) {
      const double c = 0.5 * (a + b);
      d.dense(c, yd.data());
      (max_m(yd.data()) >= level ? b : a) = c;
    }
    return std::min(steps, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(b / eta - 1e-9))));
  };
  // record.lossThresholds: L - noise/2 at a state, and the first step it is <= `level` in [t0, t1].
  auto loss_excess = [&](const double* yy) {
    sys.observe(yy, m.data(), u.data(), M.data(), Q.data());
    return rec.loss_excess(M.data(), Q.data());
  };
  auto loss_passage_step = [&](double t0, double t1, const Dopri5& d, double level) {
    double a = t0, b = t1;
    for (int it = 0; it < 60 && b - a > 1e-12 * std::max(1.0, b); ++it) {
      const double c = 0.5 * (a + b);
      d.dense(c, yd.data());
      (loss_excess(yd.data()) <= level ? b : a) = c;
    }
    return std::min(steps, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(b / eta - 1e-9))));
  };
  if (steps > 0 && stop_step < 0) {
    Dopri5 dp(sys.n, opt);
    auto f = [&](double, const double* yy, double* dy) { sys.rhs(yy, dy); };
    // The stop step, once the passage over record.stopAt is found: the run goes on to its time,
    // stop_step * eta (the passage rounded up to a step, possibly in a later integrator step),
    // so that the state recorded there, and every passage before it, is the flow's own.
    int64_t pending_stop = -1;
    auto on_step = [&](double t0, double t1, const Dopri5& d) {
      // First passages inside [t0, t1], found on the dense output by bisection.
      const double m1 = max_abs(d.state().data() + (r1 ? 1 : K * r), r * K);
      if (pending_stop < 0 && stop_at > 0 && m1 >= stop_at) pending_stop = passage_step(t0, t1, d, stop_at);
      const bool stop_here = pending_stop >= 0 && pending_stop * eta <= t1 * (1 + 1e-14);
      while (next_th < th.size() && m1 >= th[next_th]) {
        const int64_t s = passage_step(t0, t1, d, th[next_th]);
        if (pending_stop >= 0 && s > pending_stop) break;  // after the end of the run
        rec.observe(s, th[next_th]);
        ++next_th;
      }
      if (rec.tracks_loss()) {
        const double ex1 = loss_excess(d.state().data());
        while (rec.tracks_loss() && ex1 <= rec.loss_level()) {
          const double level = rec.loss_level();
          const int64_t s = loss_passage_step(t0, t1, d, level);
          if (pending_stop >= 0 && s > pending_stop) break;  // after the end of the run
          rec.observe_loss_excess(s, level);
        }
      }
      // Grid points inside (t0, t1] (up to the stop step).
      const double t_end = stop_here ? pending_stop * eta : t1;
      while (gi < grid.size() && grid[gi] * eta <= t_end * (1 + 1e-14)) {
        const double ts = grid[gi] * eta;
        if (ts >= t1 || grid[gi] == steps) {
          record_state(grid[gi], d.state().data());
        } else {
          d.dense(ts, yd.data());
          record_state(grid[gi], yd.data());
        }
        ++gi;
      }
      if (stop_here) {
        if (rec.last_recorded() != pending_stop) {
          d.dense(pending_stop * eta, yd.data());
          record_state(pending_stop, yd.data());
        }
        stop_step = pending_stop;
        ctl.report(steps - reported);  // the run's work is done
        reported = steps;
        return false;
      }
      const int64_t done = std::min<int64_t>(steps, static_cast<int64_t>(t1 / eta));
      ctl.report(done - reported);
      reported = done;
      return !ctl.cancelled();
    };
    // The step size collapsed (runtime_error), or the loss of a state that overflowed (domain_error).
    auto diverged = [&] {
      RunRecord bad = rec.take();
      bad.diverged_step = std::max<int64_t>(1, reported);
      bad.steps_done = reported;
      return bad;
    };
    try {
      dp.integrate(f, 0.0, T, y, on_step);
    } catch (const std::runtime_error&) {
      return diverged();
    } catch (const std::domain_error&) {  // a non-finite or negative variance: the state blew up
      return diverged();
    }
    out = rec.take();
    out.cancelled = stop_step < 0 && ctl.cancelled() && gi < grid.size();
    out.steps_done = stop_step >= 0 ? stop_step : out.cancelled ? reported : steps;
  } else {
    out = rec.take();
    if (stop_step == 0) {
      out.steps_done = 0;
      ctl.report(steps);
    }
  }
  return out;
}

}  // namespace loradyn
