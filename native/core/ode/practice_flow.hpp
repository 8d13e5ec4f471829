// The practitioners' options in the ODE limit (docs/practice.md, "The ODE"): a wrapper around
// the overlap systems' right-hand side, in ODE time t = steps x eta (eta = train.eta, the rate
// of V). With L the loss of the paper's flow, rho = lrRatio, wd = weightDecay (L2):
//   dU/dt   = -rho (dL/dU + wd U)                      (U frozen: scratch, adapter "full")
//   dv_i/dt = -(dL/dv_i + wd v_i), projected on the sphere when the rows are renormalised:
//             there the decay is radial and drops out; otherwise m, n and C gain -wd m,
//             -wd n and -2 wd C (also for the deltas of adapter "full")
// and heavy-ball momentum multiplies the whole flow by 1/(1 - beta): its small-eta limit is
// gradient flow with rate eta/(1 - beta). That limit drops the inertia term, O(eta (1 + beta) /
// (2 (1 - beta)^2)) x d(grad)/dt, and the buffer's warm-up (the first ~1/(1 - beta) steps,
// which delay the run by about beta/(1 - beta) steps).
#pragma once
#include "../model/config.hpp"

namespace loradyn {

struct PracticeFlow {
  bool active = false;
  double rate = 1;   // 1/(1 - beta)
  double ratio = 1;  // lrRatio
  double wd = 0;
  bool u_frozen = false;
  bool decay_rows = false;  // rows not renormalised: m, n, C decay
  int nu = 0;               // U's entries at the start of the state
  int m_off = 0, nm = 0;    // m and n: 2 nm entries from m_off (general system)
  int c_off = 0, nc = 0;    // C

  // dy from the paper's flow at y, changed in place to the flow with the options.
  void apply(const double* y, double* dy) const;
};

// rank1: the (u, m) system of Rank1Ode; otherwise OverlapOde's layout U, m, n, C.
PracticeFlow practice_flow(const RunConfig& cfg, bool rank1);

}  // namespace loradyn
