// The fast full-d step (SIMD draws in blocks, fused projections, batch parts on threads)
// against the plain reference step: identical trajectories, bit for bit.
import t from 'tap';
import { simulate, parseConfig, type ConfigInput } from '../lib/index.js';
import { loadNative } from '../lib/native.js';
import { nodeCommand } from './support/node_command.js';

const native = loadNative().testing;
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const keys = ['step', 'm', 'u', 'M', 'Q', 'popLoss', 'batchLoss'] as const;

const cases: { name: string; config: ConfigInput }[] = [
  {
    name: 'd 2100 (blocks and a tail), B 70 (3 batch parts), erf, K 2, rank 2, misaligned, noise',
    config: {
      model: { activation: 'erf', d: 2100, rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: [0.3, 0.6] }, noise: 0.1 },
      train: { batch: 70, eta: 0.3, steps: 12 },
    },
  },
  {
    name: 'd 1000, B 1, linear, aligned',
    config: { model: { activation: 'linear', d: 1000 }, train: { batch: 1, eta: 0.2, steps: 300 } },
  },
  {
    // 3000 steps between few record points, eta 1: the carried |v|^2 of the unnormalised row
    // outgrows 2^512 (11 times here) and the row is rescaled and its sums recomputed.
    name: 'd 1000, B 1, relu, aligned, eta 1, 3000 steps (the batch of one rescales its rows)',
    config: { model: { activation: 'relu', d: 1000 }, train: { batch: 1, eta: 1, steps: 3000 } },
  },
  {
    name: 'd 500, B 1, erf, K 2, rank 2, misaligned, noise (carried sums of two rows, two overlaps each)',
    config: {
      model: { activation: 'erf', d: 500, rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: [0.3, 0.6] }, noise: 0.1 },
      train: { batch: 1, eta: 0.3, steps: 800 },
    },
  },
  {
    // 60 steps between 15 record points: most steps do the deferred update in the draw loop.
    name: 'd 70000, B 1, relu, aligned (past the L2 bound: x kept as floats, the V update deferred)',
    config: { model: { activation: 'relu', d: 70000 }, train: { batch: 1, eta: 0.2, steps: 60 } },
  },
  {
    name: 'd 1000, B 1, tanh, misaligned, rank 1 (rows t, w0, v and x drawn and projected in one loop, V not deferred)',
    config: { model: { activation: 'tanh', d: 1000, pretrained: { kind: 'misaligned', mu: 0.4 } }, train: { batch: 1, eta: 0.2, steps: 400 } },
  },
  {
    name: 'd 45, B 1, relu, scratch, not spherical',
    config: { model: { activation: 'relu', d: 45, pretrained: { kind: 'scratch', mu: 0 }, spherical: false }, train: { batch: 1, eta: 0.05, steps: 300 } },
  },
  {
    name: 'd 37, B 5, relu, scratch, not spherical',
    config: { model: { activation: 'relu', d: 37, pretrained: { kind: 'scratch', mu: 0 }, spherical: false }, train: { batch: 5, eta: 0.1, steps: 200 } },
  },
  {
    name: 'd 700, B 3, sigmoid, misaligned, rank 1 (three projections per pass)',
    config: { model: { activation: 'sigmoid', d: 700, pretrained: { kind: 'misaligned', mu: 0.4 } }, train: { batch: 3, eta: 0.2, steps: 60 } },
  },
  {
    name: 'd 70000 (samples in groups: the rows exceed L2), B 70 (3 parts, a short last group), relu, misaligned, rank 2, noise',
    config: {
      model: { activation: 'relu', d: 70000, rank: 2, pretrained: { kind: 'misaligned', mu: 0.5 }, noise: 0.05 },
      train: { batch: 70, eta: 0.2, steps: 3 },
    },
  },
  {
    name: 'd 70000, B 40 (groups of 16: each drawn, projected and stored as floats in one loop), relu, aligned',
    config: { model: { activation: 'relu', d: 70000 }, train: { batch: 40, eta: 0.2, steps: 3 } },
  },
  {
    name: 'd 70000, B 40 (groups, three rows: t, w0, v), tanh, misaligned, rank 1',
    config: { model: { activation: 'tanh', d: 70000, pretrained: { kind: 'misaligned', mu: 0.4 } }, train: { batch: 40, eta: 0.2, steps: 3 } },
  },
  {
    name: 'd 300, B 40, he3, K 3 committee, aligned, rank 1',
    config: {
      model: { activation: 'he3', d: 300, hidden: 3, pretrained: { kind: 'aligned', mu: [0.2, 0.5, 0.8] } },
      train: { batch: 40, eta: 0.05, steps: 40 },
    },
  },
];

for (const c of cases) {
  t.test(`fast path = reference path: ${c.name}`, async (t) => {
    const config: ConfigInput = { ...c.config, engine: 'full', backend: 'cpu', seeds: [21], record: { points: 15, final: true } };
    const fast = (await simulate(config, { threads: 1 })).runs[0]!;
    const ref = native.simulateFullReference(parseConfig(config, 1), 21);
    for (const k of keys) t.equal(bits(fast[k]), bits(ref[k]), `${k} identical`);
    t.equal(bits(fast.final!.v), bits(ref.final!.v), 'final V identical');
    t.ok(
      fast.m.some((x) => x !== 0),
      'the overlaps moved',
    );
  });
}

// A batch of one carries |v|^2 and v . w* from the sample's sums instead of summing them again
// (FullSgd::apply_direct_update); record points recompute them exactly. Recording every step
// therefore takes the carried sums out of play: the escape steps, read each step from the
// overlaps, must not depend on it (the trajectories differ only in rounding).
t.test('batch of one: escape steps from the carried sums = from overlaps recomputed every step', async (t) => {
  const steps = 900;
  const base: ConfigInput = {
    model: { activation: 'relu', d: 100, pretrained: { kind: 'aligned', mu: 0.5 } },
    train: { batch: 1, eta: 0.2, steps },
    engine: 'full',
    backend: 'cpu',
    seeds: [1, 2, 3, 4, 5, 6, 7, 8],
    record: { thresholds: [0.3, 0.5, 0.9] },
  };
  const few = await simulate({ ...base, record: { ...base.record!, points: 3 } }, { threads: 1 });
  // Log-spaced points, more of them than steps: every step is a point.
  const every = await simulate({ ...base, record: { ...base.record!, points: 100 * steps } }, { threads: 1 });
  t.equal(every.runs[0]!.step.length, steps + 1, 'the second run recorded every step');
  let escaped = 0;
  for (let i = 0; i < few.runs.length; ++i) {
    t.same(few.runs[i]!.escape, every.runs[i]!.escape, `seed ${few.runs[i]!.seed}: same escape steps`);
    escaped += Object.values(few.runs[i]!.escape).filter((e) => e !== null).length;
  }
  t.ok(escaped >= 12, `escapes happened (${escaped} of 24 thresholds crossed)`);
});

for (const [d, steps] of [
  [1500, 15],
  [70000, 2],
] as const)
  t.test(`one run, batch shared by 1, 2 and 3 threads: identical bits (d ${d})`, async (t) => {
    const config: ConfigInput = {
      model: { activation: 'tanh', d, rank: 2 },
      train: { batch: 200, eta: 0.3, steps },
      engine: 'full',
      backend: 'cpu',
      seeds: [8],
      record: { points: 10 },
    };
    const one = (await simulate(config, { threads: 1 })).runs[0]!;
    for (const threads of [2, 3]) {
      const many = (await simulate(config, { threads })).runs[0]!;
      for (const k of keys) t.equal(bits(many[k]), bits(one[k]), `${threads} threads: ${k} identical`);
    }
  });

t.test('the same trajectory whichever SIMD path draws (LORADYN_SIMD caps it per process)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const index = fileURLToPath(new URL('../lib/index.js', import.meta.url));
  const speed = fileURLToPath(new URL('../lib/native.js', import.meta.url));
  const script = `
    const { simulate } = await import(${JSON.stringify(index)});
    const { loadNative } = await import(${JSON.stringify(speed)});
    const r = await simulate({ model: { activation: 'tanh', d: 777, rank: 2 }, train: { batch: 9, steps: 40 },
      engine: 'full', backend: 'cpu', seeds: [5], record: { points: 8 } }, { threads: 1 });
    const m = r.runs[0].m;
    process.stdout.write(loadNative().testing.simdPaths().best + ' ' + Buffer.from(m.buffer, m.byteOffset, m.byteLength).toString('hex'));`;
  const out: Record<string, string> = {};
  for (const path of ['scalar', 'avx2', 'avx512']) {
    const r = spawnSync(...nodeCommand(['--input-type=module', '-e', script]), { encoding: 'utf8', env: { ...process.env, LORADYN_SIMD: path } });
    t.equal(r.status, 0, `LORADYN_SIMD=${path} ran ${r.stderr}`);
    const [best, hex] = r.stdout.split(' ');
    if (path === 'scalar') t.equal(best, 'scalar', 'LORADYN_SIMD=scalar selects the scalar path');
    out[path] = hex!;
  }
  t.ok(out.scalar!.length > 0, 'got a trajectory');
  t.equal(out.avx2, out.scalar, 'avx2 (or the best path below it) = scalar');
  t.equal(out.avx512, out.scalar, 'avx512 (or the best path below it) = scalar');
});
