// The practitioners' optimizers written out plainly, independent of the engine's code: heavy-ball
// momentum, bias-corrected Adam with decoupled weight decay (AdamW), L2 weight decay, separate
// learning rates for U and V (LoRA+), and full fine-tuning (w = w0 + delta, delta from 0), on top
// of the gradients of reference_sgd.ts.
import { refGradients, refInit, type RefModel, type RefState } from './reference_sgd.js';

export type RefOptimizer = { kind: 'sgd' } | { kind: 'momentum'; beta: number } | { kind: 'adam'; beta1: number; beta2: number; eps: number };

export interface RefPractice {
  optimizer: RefOptimizer;
  weightDecay: number;
  lrRatio: number;
  adapter: 'lora' | 'full';
}

/** Optimizer buffers: first and second moments (momentum uses the first) for U and V, and the step count. */
export interface RefBuffers {
  t: number;
  bU: number[][];
  bV: number[][];
  sU: number[][];
  sV: number[][];
}

export function refPracticeInit(m: RefModel, p: RefPractice, seed: number): { state: RefState; buf: RefBuffers } {
  let state = refInit(m, seed);
  if (p.adapter === 'full') {
    // delta rows start at zero; U is the identity and stays there.
    state = { ...state, V: state.V.map((v) => v.map(() => 0)), U: state.U.map((row, j) => row.map((_, i) => (i === j ? 1 : 0))) };
  }
  const zeros = (a: number[][]) => a.map((r) => r.map(() => 0));
  return { state, buf: { t: 0, bU: zeros(state.U), bV: zeros(state.V), sU: zeros(state.U), sV: zeros(state.V) } };
}

// One parameter p with mean gradient g and its buffers b (first moment) and s (second moment).
function step1(o: RefOptimizer, lr: number, wd: number, t: number, p: number, g: number, b: number, s: number): [number, number, number] {
  if (o.kind === 'sgd') return [p - lr * (g + wd * p), b, s];
  if (o.kind === 'momentum') {
    const nb = o.beta * b + (g + wd * p);
    return [p - lr * nb, nb, s];
  }
  const nb = o.beta1 * b + (1 - o.beta1) * g;
  const ns = o.beta2 * s + (1 - o.beta2) * g * g;
  const mhat = nb / (1 - o.beta1 ** t);
  const shat = ns / (1 - o.beta2 ** t);
  const decayed = p * (1 - lr * wd);
  return [decayed - (lr * mhat) / (Math.sqrt(shat) + o.eps), nb, ns];
}

export function refPracticeStep(
  m: RefModel,
  p: RefPractice,
  st: RefState,
  buf: RefBuffers,
  seed: number,
  step: number,
): { state: RefState; buf: RefBuffers; loss: number } {
  const { gU, gV, loss } = refGradients(m, st, seed, step);
  const t = buf.t + 1;
  const frozenU = m.kind === 'scratch' || p.adapter === 'full';
  const nb: RefBuffers = { t, bU: buf.bU.map((r) => [...r]), bV: buf.bV.map((r) => [...r]), sU: buf.sU.map((r) => [...r]), sV: buf.sV.map((r) => [...r]) };
  const U = st.U.map((row, j) =>
    row.map((u, i) => {
      if (frozenU) return u;
      const [nu, b, s] = step1(p.optimizer, m.eta * p.lrRatio, p.weightDecay, t, u, gU[j]![i]! / m.batch, buf.bU[j]![i]!, buf.sU[j]![i]!);
      nb.bU[j]![i] = b;
      nb.sU[j]![i] = s;
      return nu;
    }),
  );
  const V = st.V.map((v, i) => {
    const nv = v.map((x, k) => {
      const [nx, b, s] = step1(p.optimizer, m.eta, p.weightDecay, t, x, gV[i]![k]! / m.batch, buf.bV[i]![k]!, buf.sV[i]![k]!);
      nb.bV[i]![k] = b;
      nb.sV[i]![k] = s;
      return nx;
    });
    if (!m.spherical || p.adapter === 'full') return nv;
    const n = Math.sqrt(nv.reduce((a, x) => a + x * x, 0));
    return nv.map((x) => x / n);
  });
  return { state: { ...st, U, V }, buf: nb, loss };
}
