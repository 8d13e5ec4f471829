// Bad input: every bad field is rejected with an error naming it and its allowed range.
import t, { type Test } from 'tap';
import { simulate, parseConfig, ConfigError, type ConfigInput } from '../lib/index.js';

const base = (): ConfigInput => ({ model: { d: 20, activation: 'linear' }, train: { steps: 10, batch: 2 }, backend: 'cpu' });

async function rejects(t: Test, cfg: unknown, path: RegExp, msg: RegExp, threads?: number) {
  try {
    await simulate(cfg as ConfigInput, threads ? { threads } : {});
    t.fail(`accepted ${JSON.stringify(cfg).slice(0, 120)}`);
  } catch (e) {
    t.type(e, ConfigError);
    const err = e as ConfigError;
    t.ok(
      err.issues.some((i) => path.test(i.path)),
      `issue path ${err.issues.map((i) => i.path).join(',')} matches ${path}`,
    );
    t.match(err.message, msg);
  }
}

t.test('defaults are filled in', async (t) => {
  const c = parseConfig({});
  t.equal(c.model.d, 1000);
  t.equal(c.model.rank, 1);
  t.equal(c.model.pretrained.kind, 'aligned');
  t.equal(c.model.u0, null);
  t.equal(c.train.batch, 500);
  t.equal(c.train.eta, 0.2);
  t.equal(c.engine, 'full');
  t.same(c.record.thresholds, [0.5]);
});

t.test('bad fields name the field and the allowed range', async (t) => {
  await rejects(t, { ...base(), model: { d: 0 } }, /^model\.d$/, /\[1, /);
  await rejects(t, { ...base(), model: { d: 2.5 } }, /^model\.d$/, /integer/);
  await rejects(t, { ...base(), model: { d: 20, activation: 'nope' } }, /^model\.activation$/, /unknown activation 'nope'/);
  await rejects(t, { ...base(), model: { d: 20, teacher: 'he0' } }, /^model\.teacher$/, /Hermite order/);
  await rejects(t, { ...base(), train: { batch: 0 } }, /^train\.batch$/, /\[1, /);
  await rejects(t, { ...base(), train: { eta: 0 } }, /^train\.eta$/, /> 0/);
  await rejects(t, { ...base(), train: { eta: -1 } }, /^train\.eta$/, /> 0/);
  await rejects(t, { ...base(), train: { eta: Infinity } }, /^train\.eta$/, /finite/);
  await rejects(t, { ...base(), train: { eta: NaN } }, /^train\.eta$/, /finite|number/);
  await rejects(t, { ...base(), model: { d: 20, pretrained: { mu: 1.5 } } }, /^model\.pretrained\.mu$/, /\[0, 1\]/);
  await rejects(t, { ...base(), model: { d: 20, pretrained: { mu: -0.1 } } }, /^model\.pretrained\.mu$/, /\[0, 1\]/);
  await rejects(t, { ...base(), model: { d: 5, rank: 6 } }, /^model\.rank$/, /\[1, model\.d = 5\]/);
  await rejects(t, { ...base(), model: { d: 20, hidden: 2, pretrained: { mu: [0.1, 0.2, 0.3] } } }, /^model\.pretrained\.mu$/, /one value per hidden unit/);
  await rejects(t, { ...base(), model: { d: 20, rank: 2, pretrained: { kind: 'scratch' } } }, /^model\.rank$/, /scratch/);
  await rejects(t, { ...base(), model: { d: 20, typo: 1 } }, /^model$/, /unknown field.*typo/);
  await rejects(t, { ...base(), engine: 'warp' }, /^engine$/, /full, reduced, ode/);
  await rejects(t, { ...base(), seeds: [] }, /^seeds$/, /empty/);
  await rejects(t, { ...base(), record: { thresholds: [1.5] } }, /^record\.thresholds/, /\(0, 1\]/);
  await rejects(t, null, /^$/, /JSON object/);
  await rejects(t, [1, 2], /^$/, /JSON object/);
});

t.test('absurd sizes are refused before any memory is touched', async (t) => {
  await rejects(t, { ...base(), model: { d: 2 ** 31, rank: 64 } }, /^model\.d$/, /GiB/);
  await rejects(t, { ...base(), train: { steps: 1_000_000, batch: 2 }, record: { points: 1_000_000 }, seeds: { count: 1_000_000 } }, /^record\.points$/, /GiB/);
});

t.test('threads must be a positive integer', async (t) => {
  await t.rejects(simulate(base(), { threads: 0 }), ConfigError);
  await t.rejects(simulate(base(), { threads: 1.5 }), /threads/);
});

t.test('a diverging run stops and reports the step', async (t) => {
  // He4 with a huge learning rate blows up within a few steps.
  const r = await simulate({
    model: { d: 50, activation: 'he4', u0: 0.5, pretrained: { mu: 0.9 } },
    train: { eta: 50, steps: 1000, batch: 10 },
    seeds: [1],
    backend: 'cpu',
  });
  const run = r.runs[0]!;
  t.type(run.divergedStep, 'number');
  t.ok(run.divergedStep! >= 1 && run.divergedStep! < 1000, `diverged at step ${run.divergedStep}`);
  t.equal(run.stepsDone, run.divergedStep);
});

t.test('a loss too large for a double is recorded as +Infinity, and the other runs of the batch survive', async (t) => {
  // Not spherical, He3, a large learning rate: Q grows past 1e103 while still finite, so the
  // exact population loss (a polynomial of degree 6 in the overlaps) overflows. It used to throw
  // out of simulate() and lose every run of the call.
  const config = {
    model: { activation: 'he3', d: 50, spherical: false, pretrained: { mu: 0.5 } },
    train: { batch: 5, eta: 3, steps: 400 },
    seeds: [1, 2, 3],
    record: { points: 400 },
  };
  for (const engine of ['full', 'reduced'] as const) {
    const r = await simulate({ ...config, engine, backend: 'cpu' });
    t.equal(r.runs.length, 3, `${engine}: every run comes back`);
    for (const run of r.runs) t.type(run.divergedStep, 'number', `${engine} seed ${run.seed} diverged`);
    const overflowed = r.runs.flatMap((run) => Array.from(run.popLoss).map((L, i) => ({ L, Q: run.Q[i]! }))).filter((p) => p.L === Infinity);
    if (engine === 'reduced') t.ok(overflowed.length > 0, 'reduced: some record point with finite Q has loss +Infinity');
    for (const p of overflowed) t.ok(Number.isFinite(p.Q) && p.Q > 1e100, `loss +Infinity only where Q (${p.Q}) is finite and huge`);
  }
});

t.test('backend cuda without a CUDA build or device is a clear error', async (t) => {
  await t.rejects(simulate({ ...base(), backend: 'cuda' }), /backend 'cuda' is unavailable: .+/);
  const r = await simulate({ ...base(), backend: 'auto' });
  t.equal(r.backend, 'cpu', 'auto falls back to the CPU');
});
