// Engine "full" against an independent TypeScript implementation of SPEC section 1: the first
// two SGD steps on d = 5 with the same draws agree to 1e-12.
import t from 'tap';
import { simulate, type ConfigInput } from '../lib/index.js';
import { refInit, refOrder, refStep, type RefModel } from './support/reference_sgd.js';

const tanh = { s: Math.tanh, ds: (z: number) => 1 - Math.tanh(z) ** 2 };
const sigmoid = {
  s: (z: number) => 1 / (1 + Math.exp(-z)),
  ds: (z: number) => {
    const s = 1 / (1 + Math.exp(-z));
    return s * (1 - s);
  },
};
const he3 = { s: (z: number) => z ** 3 - 3 * z, ds: (z: number) => 3 * z * z - 3 };
const linear = { s: (z: number) => z, ds: () => 1 };

interface Case {
  name: string;
  activation: string;
  teacher: 'same' | 'square';
  fn: { s: (z: number) => number; ds: (z: number) => number };
  rank: number;
  hidden: number;
  kind: 'aligned' | 'misaligned' | 'scratch';
  spherical: boolean;
  noise: number;
  readout: number;
}

const cases: Case[] = [
  {
    name: 'rank 1, K 1, linear, spherical',
    activation: 'linear',
    teacher: 'same',
    fn: linear,
    rank: 1,
    hidden: 1,
    kind: 'aligned',
    spherical: true,
    noise: 0,
    readout: 1,
  },
  {
    name: 'rank 2, K 1, tanh, not spherical, label noise',
    activation: 'tanh',
    teacher: 'same',
    fn: tanh,
    rank: 2,
    hidden: 1,
    kind: 'aligned',
    spherical: false,
    noise: 0.3,
    readout: 1,
  },
  {
    name: 'rank 2, K 3, he3, misaligned, spherical',
    activation: 'he3',
    teacher: 'same',
    fn: he3,
    rank: 2,
    hidden: 3,
    kind: 'misaligned',
    spherical: true,
    noise: 0,
    readout: 1 / Math.sqrt(3),
  },
  {
    name: 'rank 1, K 3, sigmoid, squared teacher, not spherical',
    activation: 'sigmoid',
    teacher: 'square',
    fn: sigmoid,
    rank: 1,
    hidden: 3,
    kind: 'aligned',
    spherical: false,
    noise: 0,
    readout: 1 / 3,
  },
  { name: 'scratch baseline, tanh', activation: 'tanh', teacher: 'same', fn: tanh, rank: 1, hidden: 1, kind: 'scratch', spherical: true, noise: 0, readout: 1 },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const d = 5,
      batch = 3,
      eta = 0.3,
      u0 = 0.4,
      seed = 11;
    const mu = Array.from({ length: c.hidden }, (_, j) => 0.3 + 0.2 * j);
    const config: ConfigInput = {
      model: {
        activation: c.activation,
        teacher: c.teacher,
        d,
        rank: c.rank,
        hidden: c.hidden,
        pretrained: { kind: c.kind, mu },
        u0,
        spherical: c.spherical,
        noise: c.noise,
      },
      train: { batch, eta, steps: 2 },
      engine: 'full',
      backend: 'cpu',
      seeds: [seed],
      record: { points: 3 },
    };
    const res = await simulate(config, { threads: 1 });
    const run = res.runs[0]!;
    t.same(Array.from(run.step), [0, 1, 2]);
    const model: RefModel = {
      d,
      rank: c.rank,
      hidden: c.hidden,
      kind: c.kind,
      mu,
      u0,
      spherical: c.spherical,
      noise: c.noise,
      batch,
      eta,
      s: c.fn.s,
      ds: c.fn.ds,
      teacher: c.teacher === 'square' ? (z) => c.fn.s(z) ** 2 : c.fn.s,
      readout: c.readout,
    };
    let st = refInit(model, seed);
    const rK = c.rank * c.hidden,
      KK = c.hidden * c.hidden;
    for (let p = 0; p < 3; p++) {
      if (p > 0) {
        const r = refStep(model, st, seed, p - 1);
        st = r.state;
        t.ok(Math.abs(run.batchLoss[p]! - r.loss) < 1e-12 * Math.max(1, r.loss), `batch loss at step ${p}: ${run.batchLoss[p]} vs ${r.loss}`);
      }
      const o = refOrder(st);
      const check = (name: string, got: Float64Array, off: number, want: number[]) => {
        for (const [i, w] of want.entries()) t.ok(Math.abs(got[off + i]! - w) < 1e-12, `${name}[${i}] at step ${p}: ${got[off + i]} vs ${w}`);
      };
      check('m', run.m, p * rK, o.m);
      check('u', run.u, p * rK, o.u);
      check('M', run.M, p * KK, o.M);
      check('Q', run.Q, p * KK, o.Q);
    }
    t.ok(Number.isNaN(run.batchLoss[0]!), 'no batch loss before the first update');
  });
}
