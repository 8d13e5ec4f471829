// record.stopAt: every engine ends a run at its first step with max |m_ij| >= stopAt, records
// that step, and leaves everything before it exactly as a run without stopAt has it.
import t, { type Test } from 'tap';
import { simulate, ConfigError, type ConfigInput, type RunResult } from '../lib/index.js';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

const cases: { name: string; config: ConfigInput }[] = [
  {
    name: 'full, erf, B 20',
    config: { engine: 'full', model: { d: 400, activation: 'erf', pretrained: { mu: 0.3 } }, train: { batch: 20, eta: 0.2, steps: 4000 } },
  },
  {
    name: 'full, K 2, rank 2, misaligned',
    config: {
      engine: 'full',
      model: { d: 300, activation: 'relu', hidden: 2, rank: 2, pretrained: { kind: 'misaligned', mu: [0.3, 0.5] } },
      train: { batch: 10, eta: 0.2, steps: 4000 },
    },
  },
  {
    name: 'reduced rank-1 loop, linear, B 10',
    config: { engine: 'reduced', model: { d: 1000, activation: 'linear', pretrained: { mu: 0.5 } }, train: { batch: 10, eta: 0.2, steps: 4000 } },
  },
  {
    name: 'reduced general loop, rank 2',
    config: { engine: 'reduced', model: { d: 500, activation: 'erf', rank: 2, pretrained: { mu: 0.4 } }, train: { batch: 50, eta: 0.2, steps: 4000 } },
  },
  {
    name: 'ode, erf',
    config: { engine: 'ode', model: { d: 1000, activation: 'erf', pretrained: { mu: 0.4 } }, train: { batch: 500, eta: 0.2, steps: 20000 } },
  },
];

// The prefix of `full` up to and including `step` (record points of both runs there).
function prefixIdentical(t: Test, stopped: RunResult, full: RunResult, what: string) {
  const n = stopped.step.length;
  // Every point but the last is a grid point of the full run too.
  for (const key of ['step', 'm', 'u', 'M', 'Q', 'popLoss'] as const) {
    const per = stopped[key].length / n;
    t.equal(bits(stopped[key].subarray(0, (n - 1) * per)), bits(full[key].subarray(0, (n - 1) * per)), `${what}: ${key} before the stop identical`);
  }
}

for (const c of cases) {
  t.test(`stopAt ends the run at the first passage: ${c.name}`, async (t) => {
    const base: ConfigInput = { ...c.config, backend: 'cpu', seeds: [1, 2, 3], record: { points: 50, thresholds: [0.3, 0.5, 0.9] } };
    const full = await simulate(base, { threads: 2 });
    const fractions: number[] = [];
    const stop = await simulate({ ...base, record: { ...base.record, stopAt: 0.5 } }, { threads: 2, onProgress: (p) => fractions.push(p.fraction) });
    let stoppedRuns = 0;
    for (let i = 0; i < full.runs.length; i++) {
      const f = full.runs[i]!,
        s = stop.runs[i]!;
      const esc = f.escape['0.5'];
      t.equal(s.escape['0.3'], f.escape['0.3'], `seed ${f.seed}: the earlier threshold's passage unchanged`);
      t.equal(s.escape['0.5'], esc, `seed ${f.seed}: the stopping threshold's passage unchanged`);
      if (esc === null) {
        t.equal(s.stepsDone, f.stepsDone, `seed ${f.seed}: never reached, so every step runs`);
        continue;
      }
      stoppedRuns++;
      t.equal(s.stepsDone, esc, `seed ${f.seed}: stepsDone = first passage of 0.5 (${esc})`);
      t.equal(s.step.at(-1), esc, 'that step is recorded');
      t.equal(s.escape['0.9'], null, 'nothing after the stop is observed');
      t.equal(s.divergedStep, null);
      const K = Math.sqrt(s.M.length / s.step.length),
        rK = s.m.length / s.step.length;
      const lastM = Array.from(s.m.subarray(s.m.length - rK)).map(Math.abs);
      // The ODE's stop step is its passage time rounded up, found by bisection to ~1e-12 in t.
      const tol = c.config.engine === 'ode' ? 1e-6 : 1e-12;
      t.ok(Math.max(...lastM) >= 0.5 - tol, `max |m| at the stop is past 0.5 (${Math.max(...lastM)}); K ${K}`);
      if (c.config.engine !== 'ode') prefixIdentical(t, s, f, `seed ${f.seed}`);
    }
    t.ok(stoppedRuns > 0, `some runs reach 0.5 (${stoppedRuns} of 3), so the check means something`);
    t.ok(fractions.length > 0 && fractions.at(-1)! > 0.99, `progress ends at 1 (${fractions.at(-1)})`);
  });
}

// A large eta makes one step span many of the ODE's integrator steps: the stop step's time can lie
// past the integrator step where |m| crosses stopAt. The run must still record the flow's state at
// that time (not the state where the crossing was found, nor the dense output extrapolated past its
// step), and every threshold the flow has passed by then, as a run without stopAt has them.
t.test('ode, eta 30: the stop step records the flow there and the thresholds passed by then', async (t) => {
  const base: ConfigInput = {
    engine: 'ode',
    model: { d: 20, activation: 'sigmoid', pretrained: { kind: 'scratch', mu: 0 } },
    train: { batch: 1, eta: 30, steps: 10 },
    seeds: [1],
  };
  const thresholds = [0.3, 0.5, 0.9];
  const free = (await simulate({ ...base, record: { points: 50, thresholds } })).runs[0]!;
  t.equal(free.step[1], 1, 'step 1 is a grid point of the free run');
  t.ok(free.m[1]! > 0.9, `the flow is past 0.9 at step 1 (m ${free.m[1]})`);
  for (const points of [2, 50]) {
    const r = (await simulate({ ...base, record: { points, thresholds, stopAt: 0.3 } })).runs[0]!;
    t.equal(r.stepsDone, 1, `points ${points}: stopped at step 1`);
    t.same(Array.from(r.step), [0, 1], 'the start and the stop step recorded');
    t.ok(Math.abs(r.m[1]! - free.m[1]!) < 1e-12, `points ${points}: m at the stop ${r.m[1]} = the free run's ${free.m[1]}`);
    t.same(r.escape, free.escape, `points ${points}: every passage by the stop as in the free run`);
  }
});

t.test('stopAt reached at step 0, and bad values', async (t) => {
  // |m| at the start is about d^-1/2, far above 1e-6: every engine stops before its first step.
  for (const engine of ['full', 'reduced', 'ode'] as const) {
    const r = await simulate({
      engine,
      backend: 'cpu',
      model: { d: 50 },
      train: { batch: 2, steps: 100 },
      seeds: [1, 2],
      record: { points: 10, stopAt: 1e-6 },
    });
    for (const run of r.runs) {
      t.equal(run.stepsDone, 0, `${engine} seed ${run.seed}: stopped at step 0`);
      t.same(Array.from(run.step), [0], 'only the initial point');
    }
  }
  for (const bad of [0, -0.5, 1.5, Number.NaN, 'half'])
    await t.rejects(simulate({ model: { d: 50 }, train: { steps: 10 }, record: { stopAt: bad as never } }), ConfigError, `stopAt ${String(bad)} refused`);
  const ok = await simulate({ model: { d: 50 }, train: { batch: 2, steps: 10 }, backend: 'cpu', record: { stopAt: null } });
  t.equal(ok.config.record.stopAt, undefined, 'null means no stop, and leaves the config (and its hash) as if absent');
  t.equal(ok.runs[0]!.stepsDone, 10);
});
