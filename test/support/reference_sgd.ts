// An independent, deliberately plain TypeScript implementation of SPEC section 1 (one SGD
// step of the LoRA student, committee readout, spherical rows), fed with the engine's draws.
import { gaussians, streams } from '../../lib/primitives.js';

export interface RefModel {
  d: number;
  rank: number;
  hidden: number;
  kind: 'aligned' | 'misaligned' | 'scratch';
  mu: number[];
  u0: number;
  spherical: boolean;
  noise: number;
  batch: number;
  eta: number;
  s: (z: number) => number;
  ds: (z: number) => number;
  teacher: (z: number) => number;
  readout: number;
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

export interface RefState {
  teacher: number[][];
  w0: number[][];
  U: number[][]; // hidden x rank
  V: number[][]; // rank x d
}

export function refInit(m: RefModel, seed: number): RefState {
  const teacher: number[][] = [];
  for (let j = 0; j < m.hidden; j++) {
    let row = Array.from(gaussians({ seed, stream: streams.teacher, step: 0, sample: j, count: m.d }));
    for (const prev of teacher) {
      const c = dot(row, prev);
      row = row.map((x, i) => x - c * prev[i]!);
    }
    const n = norm(row);
    teacher.push(row.map((x) => x / n));
  }
  const w0 = teacher.map((row, j) => {
    if (m.kind === 'scratch') return row.map(() => 0);
    if (m.kind === 'aligned') return row.map((x) => m.mu[j]! * x);
    const xi = Array.from(gaussians({ seed, stream: streams.misalign, step: 0, sample: j, count: m.d }));
    const n = norm(xi);
    return row.map((x, i) => m.mu[j]! * x + (1 - m.mu[j]!) * (xi[i]! / n));
  });
  const V = Array.from({ length: m.rank }, (_, i) => {
    const v = Array.from(gaussians({ seed, stream: streams.loraInit, step: 0, sample: i, count: m.d }));
    const n = norm(v);
    return v.map((x) => x / n);
  });
  const U = Array.from({ length: m.hidden }, (_, j) => Array.from({ length: m.rank }, (_, i) => (m.kind === 'scratch' ? (i === j ? 1 : 0) : m.u0)));
  return { teacher, w0, U, V };
}

/** Sums over the batch of step `step` of dL/dU (hidden x rank) and dL/dV (rank x d), and the batch loss. */
export function refGradients(m: RefModel, st: RefState, seed: number, step: number): { gU: number[][]; gV: number[][]; loss: number } {
  const gU = st.U.map((row) => row.map(() => 0));
  const gV = st.V.map((row) => row.map(() => 0));
  let loss = 0;
  for (let b = 0; b < m.batch; b++) {
    const x = Array.from(gaussians({ seed, stream: streams.inputs, step, sample: b, count: m.d, precision: 'single' }));
    const W = st.w0.map((w0j, j) => w0j.map((w, k) => w + st.V.reduce((s, v, i) => s + st.U[j]![i]! * v[k]!, 0)));
    const lam = W.map((w) => dot(w, x));
    const yhat = m.readout * lam.reduce((s, l) => s + m.s(l), 0);
    let y = m.readout * st.teacher.reduce((s, w) => s + m.teacher(dot(w, x)), 0);
    if (m.noise > 0) y += Math.sqrt(m.noise) * gaussians({ seed, stream: streams.labelNoise, step, sample: b, count: 1 })[0]!;
    const err = yhat - y;
    loss += 0.5 * err * err;
    const pv = st.V.map((v) => dot(v, x));
    for (let j = 0; j < m.hidden; j++) {
      const g = err * m.readout * m.ds(lam[j]!);
      for (let i = 0; i < m.rank; i++) {
        gU[j]![i] = gU[j]![i]! + g * pv[i]!;
        for (let k = 0; k < m.d; k++) gV[i]![k] = gV[i]![k]! + st.U[j]![i]! * g * x[k]!;
      }
    }
  }
  return { gU, gV, loss: loss / m.batch };
}

/** One SGD update with the batch of step `step`; returns the new state and the batch loss. */
export function refStep(m: RefModel, st: RefState, seed: number, step: number): { state: RefState; loss: number } {
  const { gU, gV, loss } = refGradients(m, st, seed, step);
  const lr = m.eta / m.batch;
  const U = st.U.map((row, j) => row.map((u, i) => (m.kind === 'scratch' ? u : u - lr * gU[j]![i]!)));
  const V = st.V.map((v, i) => {
    const nv = v.map((x, k) => x - lr * gV[i]![k]!);
    if (!m.spherical) return nv;
    const n = norm(nv);
    return nv.map((x) => x / n);
  });
  return { state: { ...st, U, V }, loss };
}

/** Order parameters in the engine's layout: m (rank x hidden), u (hidden x rank), M, Q (hidden x hidden). */
export function refOrder(st: RefState): { m: number[]; u: number[]; M: number[]; Q: number[] } {
  const W = st.w0.map((w0j, j) => w0j.map((w, k) => w + st.V.reduce((s, v, i) => s + st.U[j]![i]! * v[k]!, 0)));
  return {
    m: st.V.flatMap((v) => st.teacher.map((w) => dot(v, w))),
    u: st.U.flat(),
    M: W.flatMap((w) => st.teacher.map((ws) => dot(w, ws))),
    Q: W.flatMap((w) => W.map((w2) => dot(w, w2))),
  };
}
