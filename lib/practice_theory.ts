// Escape theory for the practitioners' options (SPEC 7.1; docs/practice.md, "Theory"): the
// linearisation of the rank-1 aligned flow at the saddle (u, m) = (0, 0), extended by momentum,
// the LoRA+ ratio and weight decay, from A(mu) and B(mu) of the paper's theory (lib/theory.ts).
//
// In ODE time t = steps x eta (eta = train.eta, the rate of V):
//   d(u, m)/dt = c J (u, m),   J = [[rho (B - wd), rho A], [A, -wd_v]],
// c = 1/(1 - beta) for heavy-ball momentum (its small-eta limit is the flow with eta/(1 - beta)),
// rho = lrRatio, wd the L2 decay of u, and wd_v = wd on the rows of V unless they are
// renormalised (on the sphere the decay is radial and the projection removes it).
// lambda+ = the largest eigenvalue of c J, tau = 1/lambda+ (null when lambda+ <= 0: A = 0, or a
// decay strong enough to make the saddle stable).
//
// The flow is the small-eta limit. Per step, the linearised discrete map grows by the largest
// root z of z - 1 = eta lambda (plain SGD) or z^2 - (1 + beta + eta lambda) z + beta = 0 (heavy
// ball), lambda the largest eigenvalue of J: `stepRate` gives log z, which keeps the O(eta)
// terms the flow drops. With momentum they matter: at eta/(1 - beta) = 0.2 the heavy ball grows
// about 1.5x slower per step than its flow says.
//
// Adam has no such theory (coordinate-wise: not rotation invariant). Full fine-tuning has no
// saddle: at w0 = mu w* the gradient is -A(mu) w*, so w moves at once and the time to a loss
// level is O(1) in d; the ODE with adapter "full" computes it.
import { tauCurve, type TauPoint, type TheoryPair } from './theory.js';

export interface PracticeFlowOptions {
  /** Heavy-ball momentum beta (0: plain SGD). */
  beta?: number;
  /** eta_u / eta_v. */
  lrRatio?: number;
  /** L2 weight decay (sgd or momentum). */
  weightDecay?: number;
  /** Whether the rows of V are renormalised (default true). */
  spherical?: boolean;
}

/** The largest eigenvalue of J (without momentum's factor); its real part when complex. */
function jacobianRate(A: number, B: number, o: PracticeFlowOptions): number {
  const rho = o.lrRatio ?? 1;
  const wd = o.weightDecay ?? 0;
  const wdv = o.spherical === false ? wd : 0;
  const a = rho * (B - wd),
    b = rho * A,
    dd = -wdv;
  const tr = a + dd,
    det = a * dd - b * A;
  const q = tr * tr - 4 * det;
  if (q < 0) return tr / 2;
  const disc = Math.sqrt(q);
  // The larger root without cancellation.
  return tr >= 0 ? (tr + disc) / 2 : disc - tr > 0 ? (-2 * det) / (disc - tr) : 0;
}

/** lambda+ of the flow (momentum included) and tau = 1/lambda+, in ODE time steps x eta. */
export function practiceRate(A: number, B: number, o: PracticeFlowOptions = {}): { lambda: number; tau: number | null } {
  const lambda = jacobianRate(A, B, o) / (1 - (o.beta ?? 0));
  return { lambda, tau: lambda > 0 && Number.isFinite(lambda) ? 1 / lambda : null };
}

/** log of the per-step growth of the linearised discrete map (null when it does not grow). */
export function stepRate(A: number, B: number, eta: number, o: PracticeFlowOptions = {}): number | null {
  const lam = jacobianRate(A, B, o);
  const beta = o.beta ?? 0;
  const s = 1 + beta + eta * lam;
  const q = s * s - 4 * beta;
  const z = q >= 0 ? (s + Math.sqrt(q)) / 2 : Math.sqrt(beta); // complex roots: |z| = sqrt(beta) < 1
  return z > 1 && Number.isFinite(z) ? Math.log(z) : null;
}

export interface PracticeTauPoint extends TauPoint {
  /** tau of the paper's recipe (plain SGD on U, V) at this mu. */
  tauSgd: number | null;
}

/** tau(mu) under the options, beside the paper's tau(mu). */
export async function practiceTauCurve(pair: TheoryPair, mus: number[], o: PracticeFlowOptions): Promise<PracticeTauPoint[]> {
  const base = await tauCurve(pair, mus);
  return base.map((p) => ({ ...p, tauSgd: p.tau, tau: practiceRate(p.A, p.B, o).tau }));
}
