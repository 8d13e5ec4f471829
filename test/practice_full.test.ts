// Engine "full" with the practitioners' options: against an independent TypeScript implementation
// of each optimizer (two steps on d = 5, the same draws, to 1e-12), and the fast step against the
// plain reference step, bit for bit, through every path the batch's gradient can take.
import t from 'tap';
import { simulate, parseConfig, type ConfigInput } from '../lib/index.js';
import { loadNative } from '../lib/native.js';
import { refOrder, type RefModel } from './support/reference_sgd.js';
import { refPracticeInit, refPracticeStep, type RefPractice } from './support/reference_practice.js';

const tanh = { s: Math.tanh, ds: (z: number) => 1 - Math.tanh(z) ** 2 };
const erf = (() => {
  // erf by its Taylor series (|z| < 3 here), to 1e-15.
  const f = (z: number) => {
    let term = z,
      sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
      if (Math.abs(term) < 1e-18) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  };
  return { s: f, ds: (z: number) => (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) };
})();
const linear = { s: (z: number) => z, ds: () => 1 };

interface Case {
  name: string;
  activation: string;
  fn: { s: (z: number) => number; ds: (z: number) => number };
  rank: number;
  hidden: number;
  kind: 'aligned' | 'misaligned';
  spherical: boolean;
  practice: RefPractice;
  config: Partial<ConfigInput['train']> & { adapter?: 'full' };
}

const adam = { kind: 'adam' as const, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const cases: Case[] = [
  {
    name: 'momentum 0.9, rank 1, tanh, spherical',
    activation: 'tanh',
    fn: tanh,
    rank: 1,
    hidden: 1,
    kind: 'aligned',
    spherical: true,
    practice: { optimizer: { kind: 'momentum', beta: 0.9 }, weightDecay: 0, lrRatio: 1, adapter: 'lora' },
    config: { optimizer: { kind: 'momentum', beta: 0.9 } },
  },
  {
    name: 'adam, rank 2, K 2, erf, misaligned, spherical',
    activation: 'erf',
    fn: erf,
    rank: 2,
    hidden: 2,
    kind: 'misaligned',
    spherical: true,
    practice: { optimizer: adam, weightDecay: 0, lrRatio: 1, adapter: 'lora' },
    config: { optimizer: { kind: 'adam' } },
  },
  {
    name: 'adamw (weight decay 0.1), lrRatio 8, rank 1, linear, not spherical',
    activation: 'linear',
    fn: linear,
    rank: 1,
    hidden: 1,
    kind: 'aligned',
    spherical: false,
    practice: { optimizer: { kind: 'adam', beta1: 0.8, beta2: 0.99, eps: 1e-6 }, weightDecay: 0.1, lrRatio: 8, adapter: 'lora' },
    config: { optimizer: { kind: 'adam', beta1: 0.8, beta2: 0.99, eps: 1e-6 }, weightDecay: 0.1, lrRatio: 8 },
  },
  {
    name: 'sgd with L2 0.05 and lrRatio 4, rank 2, tanh',
    activation: 'tanh',
    fn: tanh,
    rank: 2,
    hidden: 1,
    kind: 'aligned',
    spherical: true,
    practice: { optimizer: { kind: 'sgd' }, weightDecay: 0.05, lrRatio: 4, adapter: 'lora' },
    config: { weightDecay: 0.05, lrRatio: 4 },
  },
  {
    name: 'momentum 0.5 with L2, full fine-tuning, K 2, tanh, misaligned',
    activation: 'tanh',
    fn: tanh,
    rank: 2,
    hidden: 2,
    kind: 'misaligned',
    spherical: true,
    practice: { optimizer: { kind: 'momentum', beta: 0.5 }, weightDecay: 0.02, lrRatio: 1, adapter: 'full' },
    config: { optimizer: { kind: 'momentum', beta: 0.5 }, weightDecay: 0.02, adapter: 'full' },
  },
  {
    name: 'adam, full fine-tuning, linear',
    activation: 'linear',
    fn: linear,
    rank: 1,
    hidden: 1,
    kind: 'aligned',
    spherical: true,
    practice: { optimizer: adam, weightDecay: 0, lrRatio: 1, adapter: 'full' },
    config: { optimizer: { kind: 'adam' }, adapter: 'full' },
  },
];

for (const c of cases) {
  t.test(`two steps against the TypeScript reference: ${c.name}`, async (t) => {
    const d = 5,
      batch = 3,
      eta = 0.3,
      seed = 11;
    const u0 = c.practice.adapter === 'full' ? null : 0.4;
    const mu = Array.from({ length: c.hidden }, (_, j) => 0.3 + 0.2 * j);
    const { adapter, ...train } = c.config;
    const config: ConfigInput = {
      model: {
        activation: c.activation,
        d,
        rank: c.rank,
        hidden: c.hidden,
        pretrained: { kind: c.kind, mu },
        u0,
        spherical: c.spherical,
        ...(adapter ? { adapter } : {}),
      },
      train: { batch, eta, steps: 2, ...train },
      engine: 'full',
      backend: 'cpu',
      seeds: [seed],
      record: { points: 3 },
    };
    const run = (await simulate(config, { threads: 1 })).runs[0]!;
    const model: RefModel = {
      d,
      rank: c.rank,
      hidden: c.hidden,
      kind: c.kind,
      mu,
      u0: u0 ?? 0,
      spherical: c.spherical,
      noise: 0,
      batch,
      eta,
      s: c.fn.s,
      ds: c.fn.ds,
      teacher: c.fn.s,
      readout: c.hidden > 1 ? 1 / Math.sqrt(c.hidden) : 1,
    };
    let { state, buf } = refPracticeInit(model, c.practice, seed);
    const rK = c.rank * c.hidden,
      KK = c.hidden * c.hidden;
    for (let p = 0; p < 3; p++) {
      if (p > 0) {
        const r = refPracticeStep(model, c.practice, state, buf, seed, p - 1);
        state = r.state;
        buf = r.buf;
        t.ok(Math.abs(run.batchLoss[p]! - r.loss) < 1e-12 * Math.max(1, r.loss), `batch loss at step ${p}: ${run.batchLoss[p]} vs ${r.loss}`);
      }
      const o = refOrder(state);
      const check = (name: string, got: Float64Array, off: number, want: number[]) => {
        for (const [i, w] of want.entries()) t.ok(Math.abs(got[off + i]! - w) < 1e-12, `${name}[${i}] at step ${p}: ${got[off + i]} vs ${w}`);
      };
      check('m', run.m, p * rK, o.m);
      check('u', run.u, p * rK, o.u);
      check('M', run.M, p * KK, o.M);
      check('Q', run.Q, p * KK, o.Q);
    }
    t.ok(
      run.m.slice(2 * rK).some((x, i) => x !== run.m[i]),
      'the overlaps moved',
    );
  });
}

const native = loadNative().testing;
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const keys = ['step', 'm', 'u', 'M', 'Q', 'popLoss', 'batchLoss'] as const;
const paths: { name: string; config: ConfigInput }[] = [
  {
    name: 'momentum, d 2100, B 70 (3 batch parts), K 2, rank 2, misaligned, noise',
    config: {
      model: { activation: 'erf', d: 2100, rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: [0.3, 0.6] }, noise: 0.1 },
      train: { batch: 70, eta: 0.3, steps: 12, optimizer: { kind: 'momentum' } },
    },
  },
  {
    name: 'adam, the batch of one summed like a batch, d 1000',
    config: { model: { activation: 'tanh', d: 1000 }, train: { batch: 1, eta: 0.01, steps: 200, optimizer: { kind: 'adam' }, weightDecay: 0.01 } },
  },
  {
    name: 'full fine-tuning, lrRatio, d 70000 (sample groups), B 40, misaligned',
    config: {
      model: { activation: 'relu', d: 70000, pretrained: { kind: 'misaligned', mu: 0.5 }, adapter: 'full' },
      train: { batch: 40, eta: 0.2, steps: 3, optimizer: { kind: 'momentum', beta: 0.8 } },
    },
  },
  {
    name: 'L2 and lrRatio 8 with plain sgd, d 700, B 3',
    config: { model: { activation: 'sigmoid', d: 700 }, train: { batch: 3, eta: 0.2, steps: 60, weightDecay: 0.1, lrRatio: 8 } },
  },
];
for (const c of paths) {
  t.test(`fast step = reference step: ${c.name}`, async (t) => {
    const config: ConfigInput = { ...c.config, engine: 'full', backend: 'cpu', seeds: [21], record: { points: 15, final: true } };
    const fast = (await simulate(config, { threads: 1 })).runs[0]!;
    const ref = native.simulateFullReference(parseConfig(config, 1), 21);
    for (const k of keys) t.equal(bits(fast[k]), bits(ref[k]), `${k} identical`);
    t.equal(bits(fast.final!.v), bits(ref.final!.v), 'final V identical');
    const two = (await simulate(config, { threads: 2 })).runs[0]!;
    for (const k of keys) t.equal(bits(two[k]), bits(fast[k]), `2 threads: ${k} identical`);
  });
}
