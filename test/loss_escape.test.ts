// record.lossThresholds in every engine: lossEscape["f"] is the first step at which the population
// loss minus the noise floor is at most f times its value at step 0. Checked against the loss the
// same run records at every step; a run with thresholds has the same bits as one without.
import t from 'tap';
import { simulate, ConfigError, type ConfigInput } from '../lib/index.js';
import { runHash } from '../lib/experiments/sweep.js';
import { verifyStoredRun } from '../lib/experiments/run_schema.js';
import { runToJson } from '../lib/result_json.js';

const FRACTIONS = [0.9, 0.5, 0.1];

interface Case {
  name: string;
  config: ConfigInput;
}

const cases: Case[] = [
  {
    name: 'full, rank 1, erf, B = 20',
    config: { model: { d: 200, activation: 'erf', pretrained: { mu: 0.3 } }, train: { batch: 20, eta: 0.3, steps: 300 }, engine: 'full', seeds: [1, 2] },
  },
  {
    name: 'full, batch of one (deferred row update), linear, noise',
    config: {
      model: { d: 300, activation: 'linear', pretrained: { mu: 0.4 }, noise: 0.01 },
      train: { batch: 1, eta: 0.01, steps: 2500 },
      engine: 'full',
      seeds: [3],
    },
  },
  {
    name: 'full, K = 2, r = 2, misaligned, not spherical',
    config: {
      model: { d: 120, activation: 'erf', rank: 2, hidden: 2, spherical: false, pretrained: { kind: 'misaligned', mu: [0.3, 0.6] } },
      train: { batch: 30, eta: 0.3, steps: 300 },
      engine: 'full',
      seeds: [4],
    },
  },
  {
    name: 'reduced, rank 1 loop, linear, noise',
    config: {
      model: { d: 2000, activation: 'linear', pretrained: { mu: 0.4 }, noise: 0.02 },
      train: { batch: 200, eta: 0.2, steps: 300 },
      engine: 'reduced',
      seeds: [5, 6],
    },
  },
  {
    name: 'reduced, general loop, K = 2, r = 2, misaligned',
    config: {
      model: { d: 500, activation: 'erf', rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: 0.5 } },
      train: { batch: 40, eta: 0.3, steps: 300 },
      engine: 'reduced',
      seeds: [7],
    },
  },
  {
    name: 'ode, rank 1',
    config: { model: { d: 1000, activation: 'erf', pretrained: { mu: 0.3 } }, train: { eta: 0.2, steps: 400 }, engine: 'ode', seeds: [0] },
  },
  {
    name: 'ode, general, K = 2, noise',
    config: {
      model: { d: 1000, activation: 'linear', rank: 1, hidden: 2, pretrained: { mu: [0.2, 0.5] }, noise: 0.3 },
      train: { eta: 0.2, steps: 400 },
      engine: 'ode',
      seeds: [0],
    },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const steps = c.config.train!.steps!;
    // Enough log-spaced points that every step is a record point.
    const base: ConfigInput = { ...c.config, backend: 'cpu', record: { points: 200_000 } };
    const plain = await simulate(base, { threads: 1 });
    const res = await simulate({ ...base, record: { points: 200_000, lossThresholds: FRACTIONS } }, { threads: 1 });
    const noise = c.config.model?.noise ?? 0;
    res.runs.forEach((run, i) => {
      const p = plain.runs[i]!;
      for (const k of ['m', 'u', 'M', 'Q', 'popLoss', 'batchLoss'] as const)
        t.ok(
          run[k].every((x, j) => Object.is(x, p[k][j])),
          `seed ${run.seed}: ${k} has the same bits with loss thresholds`,
        );
      t.same(run.escape, p.escape);
      t.same(
        Array.from(run.step),
        Array.from({ length: steps + 1 }, (_, s) => s),
        'every step recorded',
      );
      const excess = Array.from(run.popLoss, (L) => L - noise / 2);
      let crossed = 0;
      for (const f of FRACTIONS) {
        const level = f * excess[0]!;
        const want = excess.findIndex((e) => e <= level);
        const got = run.lossEscape![String(f)];
        // The engines evaluate the loss from overlaps formed on their own path (the ODE at its
        // bisection point, full-d SGD without materialising the rows): a step off is allowed
        // only where the recorded loss sits on the level to rounding.
        if (want < 0) t.equal(got, null, `seed ${run.seed}, f = ${f}: never crossed, null`);
        else if (got === want) t.pass(`seed ${run.seed}, f = ${f}: step ${got}`);
        else {
          const tie = (s: number) => Math.abs(excess[s]! - level) <= 1e-9 * Math.abs(level);
          t.ok(
            got !== null && Math.abs(got - want) === 1 && (tie(got) || tie(want)),
            `seed ${run.seed}, f = ${f}: got ${got}, recorded loss crosses at ${want}`,
          );
        }
        if (want >= 0) crossed++;
      }
      t.ok(crossed >= 2, `seed ${run.seed}: the case crosses at least two levels (${crossed})`);
    });
    t.notOk('lossEscape' in plain.runs[0]!, 'no lossEscape without thresholds');
  });
}

t.test('censored when the run ends first; record.stopAt ends the search', async (t) => {
  const cfg: ConfigInput = {
    model: { d: 200, activation: 'linear', pretrained: { mu: 0.3 } },
    train: { batch: 50, eta: 0.2, steps: 5 },
    backend: 'cpu',
    seeds: [1],
    record: { lossThresholds: [0.5] },
  };
  for (const engine of ['full', 'reduced', 'ode'] as const) {
    const r = await simulate({ ...cfg, engine });
    t.same(r.runs[0]!.lossEscape, { '0.5': null }, `${engine}: 5 steps are too few: null`);
  }
  const stop = await simulate({
    ...cfg,
    engine: 'reduced',
    model: { ...cfg.model, d: 2000 },
    train: { batch: 50, eta: 0.2, steps: 2000 },
    record: { lossThresholds: [0.01], stopAt: 0.3 },
  });
  t.equal(stop.runs[0]!.lossEscape!['0.01'], null, 'the run stopped at |m| = 0.3, before the loss fell to 1%');
});

t.test('bad fractions are refused naming record.lossThresholds', async (t) => {
  for (const bad of [[0], [1], [1.5], [-0.2], [0.5, Number.NaN], ['half']]) {
    const e = await simulate({ model: { d: 50 }, train: { steps: 2, batch: 2 }, backend: 'cpu', record: { lossThresholds: bad as number[] } }).then(
      () => null,
      (x: unknown) => x,
    );
    t.type(e, ConfigError, `${JSON.stringify(bad)} refused`);
    t.ok(
      (e as ConfigError).issues.some((i) => i.path.startsWith('record.lossThresholds')),
      (e as Error).message,
    );
  }
});

t.test('backend cuda refuses loss thresholds naming the field; auto runs them on the CPU', async (t) => {
  const cfg: ConfigInput = { model: { d: 50, pretrained: { mu: 0.3 } }, train: { steps: 300, batch: 10 }, record: { lossThresholds: [0.5] } };
  const e = await simulate({ ...cfg, backend: 'cuda' }).then(
    () => null,
    (x: unknown) => x,
  );
  t.type(e, ConfigError);
  t.ok(
    (e as ConfigError).issues.some((i) => i.path === 'record.lossThresholds'),
    (e as Error).message,
  );
  const r = await simulate({ ...cfg, backend: 'auto' });
  t.equal(r.backend, 'cpu');
  t.type(r.runs[0]!.lossEscape!['0.5'], 'number');
});

// The result store verifies every run it reads (lib/experiments/run_schema.ts): runs with loss
// thresholds must be accepted as they are, and a forged lossEscape refused.
t.test('the store accepts runs with lossEscape and refuses forged ones', async (t) => {
  const inputs: ConfigInput[] = [
    { engine: 'full', model: { d: 100, adapter: 'full' }, train: { batch: 20, steps: 100, optimizer: { kind: 'momentum' } } },
    { engine: 'reduced', model: { d: 100, activation: 'erf' }, train: { batch: 50, steps: 300, lrRatio: 4 } },
    { engine: 'ode', model: { d: 1000, activation: 'he3', adapter: 'full', pretrained: { mu: 0.1 } }, train: { steps: 2000, eta: 0.002 } },
  ];
  for (const input of inputs) {
    const r = await simulate({ ...input, backend: 'cpu', seeds: [3], record: { points: 20, lossThresholds: [0.5, 0.1] } }, { threads: 1 });
    const hash = runHash(r.config);
    const rec = JSON.parse(
      JSON.stringify({
        hash,
        config: r.config,
        run: runToJson(r.runs[0]!),
        engine: r.config.engine,
        backend: r.backend,
        wallMs: 1,
        version: '0',
        finishedAt: new Date().toISOString(),
      }),
    );
    const v = verifyStoredRun(rec, hash);
    t.ok(v.ok, `${input.engine}: accepted${v.ok ? '' : ` (refused: ${v.reason})`}`);
    const beyond = structuredClone(rec);
    beyond.run.lossEscape['0.5'] = beyond.run.stepsDone + 1;
    const b = verifyStoredRun(beyond, hash);
    t.notOk(b.ok, `${input.engine}: a lossEscape beyond the run is refused`);
    if (!b.ok) t.match(b.reason, /lossEscape\[0\.5\] = \d+ is beyond stepsDone/);
    const missing = structuredClone(rec);
    delete missing.run.lossEscape;
    const m = verifyStoredRun(missing, hash);
    t.notOk(m.ok, `${input.engine}: a run without the lossEscape its config records is refused`);
    if (!m.ok) t.match(m.reason, /lossEscape fractions are \[\]/);
  }
});
