// Results are identical, bit for bit, for any thread count and any order of seeds.
import t from 'tap';
import { simulate, type ConfigInput } from '../lib/index.js';

const config: ConfigInput = {
  model: { activation: 'erf', d: 300, rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: [0.3, 0.6] }, noise: 0.1 },
  train: { batch: 20, eta: 0.3, steps: 300 },
  engine: 'full',
  backend: 'cpu',
  seeds: [3, 4, 5, 6, 7],
  record: { points: 30, thresholds: [0.2, 0.5] },
};

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

t.test('1 thread and 2 threads give identical bits', async (t) => {
  const one = await simulate(config, { threads: 1 });
  const two = await simulate(config, { threads: 2 });
  const reversed = await simulate({ ...config, seeds: [7, 6, 5, 4, 3] }, { threads: 2 });
  for (let i = 0; i < one.runs.length; i++) {
    const a = one.runs[i]!,
      b = two.runs[i]!,
      c = reversed.runs[one.runs.length - 1 - i]!;
    t.equal(a.seed, c.seed);
    for (const k of ['step', 'm', 'u', 'M', 'Q', 'popLoss', 'batchLoss'] as const) {
      t.equal(bits(a[k]), bits(b[k]), `seed ${a.seed}: ${k} identical for 1 and 2 threads`);
      t.equal(bits(a[k]), bits(c[k]), `seed ${a.seed}: ${k} identical whatever the seed order`);
    }
    t.same(a.escape, b.escape);
  }
  t.not(bits(one.runs[0]!.m), bits(one.runs[1]!.m), 'different seeds differ');
});
