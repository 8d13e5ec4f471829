// record.dense (every step up to a bound, then the log grid) and the paper's window metric
// computed exactly on it: a synthetic curve with a known answer, the three engines' grids,
// the memory refusal and bad values.
import t from 'tap';
import { simulate, parseConfig, paperWindowMetric, paperWindowMetricDense, ConfigError } from '../lib/index.js';

t.test('the exact window metric on a synthetic curve', async (t) => {
  // Two "runs" with |m| = step / 1000 and -step / 1000 (the metric averages |m|): the seed-mean
  // |m| lies in [0.45, 0.55] at steps 450 ... 550 exactly: mean 500, count 101, std of 101
  // consecutive integers sqrt((101^2 - 1) / 12), the authors' 0-based index 499.
  const N = 2000;
  const step = Array.from({ length: N + 1 }, (_, i) => i);
  const a = { step, m: step.map((s) => s / 1000), rank: 1, hidden: 1 };
  const b = { step, m: step.map((s) => -s / 1000), rank: 1, hidden: 1 };
  const w = paperWindowMetricDense([a, b], 0.5)!;
  t.equal(w.count, 101);
  t.equal(w.mean, 500);
  t.ok(Math.abs(w.std - Math.sqrt((101 * 101 - 1) / 12)) < 1e-12, `std ${w.std}`);
  t.equal(w.paperIndex, 499);
  t.equal(w.denseTo, N);
  t.equal(w.complete, true, 'the curve passes the window top inside the dense record');
  // A dense record that stops inside the window: incomplete.
  const cut = { step: step.slice(0, 501), m: a.m.slice(0, 501), rank: 1, hidden: 1 };
  t.equal(paperWindowMetricDense([cut], 0.5)!.complete, false);
  // Never in the window.
  t.equal(paperWindowMetricDense([{ step, m: step.map(() => 0.1), rank: 1, hidden: 1 }], 0.5), null);
  // Not dense: refused, and the log-grid estimate differs from the exact one.
  const sparse = [0, 1, 3, 10, 30, 100, 300, 1000, 2000];
  t.throws(() => paperWindowMetricDense([{ step: [0, 2, 5], m: [0, 0.5, 1], rank: 1, hidden: 1 }], 0.5), /record\.dense/);
  const coarse = paperWindowMetric(
    sparse,
    sparse.map((s) => s / 1000),
    0.5,
  );
  t.equal(coarse, null, 'on a log grid the window at 450-550 is missed altogether here');
});

t.test('record.dense: every step up to the bound, then the log grid, in every engine', async (t) => {
  for (const engine of ['ode', 'reduced', 'full'] as const) {
    const r = await simulate({
      model: { activation: 'linear', d: 200, pretrained: { mu: 0.5 } },
      train: { batch: 50, eta: 0.2, steps: 3000 },
      engine,
      backend: 'cpu',
      seeds: [3],
      record: { points: 30, dense: 400 },
    });
    const step = Array.from(r.runs[0]!.step);
    t.same(
      step.slice(0, 401),
      Array.from({ length: 401 }, (_, i) => i),
      `${engine}: steps 0 ... 400 all recorded`,
    );
    t.ok(
      step.slice(401).every((s, i, a) => s > 400 && (i === 0 || s > a[i - 1]!)),
      `${engine}: then the log grid, increasing`,
    );
    t.equal(step[step.length - 1], 3000, `${engine}: ends at the last step`);
    // The same run without dense has the same values at the shared log-grid steps.
    const plain = await simulate({
      model: { activation: 'linear', d: 200, pretrained: { mu: 0.5 } },
      train: { batch: 50, eta: 0.2, steps: 3000 },
      engine,
      backend: 'cpu',
      seeds: [3],
      record: { points: 30 },
    });
    const ps = Array.from(plain.runs[0]!.step);
    const at = new Map(step.map((s, i) => [s, r.runs[0]!.m[i]!] as const));
    // Bit for bit in the ODE and the chain; engine full computes m from its (deferred) state
    // at each record point, which can round the last bit differently (measured: 2.2e-16).
    const gap = Math.max(...ps.map((s, i) => Math.abs(at.get(s)! - plain.runs[0]!.m[i]!)));
    t.ok(engine === 'full' ? gap <= 1e-12 : gap === 0, `${engine}: dense recording does not change the trajectory (largest gap ${gap})`);
    t.equal(r.runs[0]!.escape['0.5'], plain.runs[0]!.escape['0.5'], `${engine}: same first passage`);
  }
  // dense beyond the run's steps: every step.
  const all = await simulate({ model: { d: 200 }, train: { batch: 50, steps: 50 }, engine: 'reduced', backend: 'cpu', record: { points: 5, dense: 1000 } });
  t.same(
    Array.from(all.runs[0]!.step),
    Array.from({ length: 51 }, (_, i) => i),
  );
});

t.test('the exact metric on a dense simulation equals a brute-force mean', async (t) => {
  const r = await simulate({
    model: { activation: 'linear', d: 1000, pretrained: { mu: 0.5 } },
    train: { batch: 500, eta: 0.2, steps: 400 },
    engine: 'reduced',
    backend: 'cpu',
    seeds: { count: 6 },
    record: { points: 20, dense: 400 },
  });
  const w = paperWindowMetricDense(r.runs, 0.5)!;
  const hits: number[] = [];
  for (let s = 1; s <= 400; s++) {
    const m = r.runs.reduce((a, x) => a + Math.abs(x.m[s]!), 0) / r.runs.length;
    if (m >= 0.45 && m <= 0.55) hits.push(s);
  }
  t.equal(w.count, hits.length);
  t.equal(w.mean, hits.reduce((a, b) => a + b, 0) / hits.length);
  t.ok(w.complete, `complete; window metric ${w.mean.toFixed(1)} steps (paper index ${w.paperIndex.toFixed(1)})`);
});

t.test('record.dense: bad values and the memory refusal name the field', async (t) => {
  for (const bad of [0, -5, 1.5, 2e8]) {
    const e = (() => {
      try {
        parseConfig({ record: { dense: bad } });
        return null;
      } catch (x) {
        return x;
      }
    })();
    t.ok(e instanceof ConfigError && e.issues[0]!.path === 'record.dense', `dense = ${bad} refused: ${(e as Error | null)?.message}`);
  }
  process.env.LORADYN_MAX_BYTES = String(64 * 2 ** 20);
  try {
    const e = (() => {
      try {
        parseConfig({ engine: 'reduced', train: { steps: 1e6 }, seeds: { count: 100 }, record: { dense: 1e6 } });
        return null;
      } catch (x) {
        return x;
      }
    })();
    t.ok(e instanceof ConfigError && e.issues[0]!.path === 'record.dense', `refused at record.dense: ${(e as Error).message}`);
    t.doesNotThrow(
      () => parseConfig({ engine: 'reduced', train: { steps: 1e6 }, seeds: { count: 2 }, record: { dense: 1e5 } }),
      'a dense record that fits is accepted',
    );
  } finally {
    delete process.env.LORADYN_MAX_BYTES;
  }
  // The hash of a config without dense is unchanged (the field is absent, not null).
  t.notOk('dense' in parseConfig({}).record, 'absent by default');
});
