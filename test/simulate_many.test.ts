// simulateMany(): several configs (the points of a sweep) in one native call, with the bits
// simulate() gives each alone; launch_groups, which decides which configs one GPU launch can
// hold; and the executor's batched path, which stores what the one-run-per-thread path stores.
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate, simulateMany, AbortError, ConfigError, type ConfigInput } from '../lib/index.js';
import { loadNative } from '../lib/native.js';
import { runSweep } from '../lib/experiments/runner.js';
import { LocalExecutor } from '../lib/experiments/executor.js';
import { ResultStore } from '../lib/experiments/store.js';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const keys = ['step', 'm', 'u', 'M', 'Q', 'popLoss', 'batchLoss'] as const;

const full = {
  engine: 'full' as const,
  backend: 'cpu' as const,
  model: { d: 300, activation: 'erf' },
  train: { batch: 20, steps: 150 },
  seeds: [3, 4],
  record: { points: 20 },
};

// The ConfigError of a call, or a failure when it resolves.
async function configError(t: Test, p: Promise<unknown>, path: RegExp, what: string) {
  try {
    await p;
    t.fail(`${what}: resolved`);
  } catch (e) {
    t.ok(e instanceof ConfigError && path.test((e as Error).message), `${what}: ${(e as Error).message}`);
  }
}

t.test('every config of a mixed call has the bits simulate() gives it alone', async (t) => {
  const configs: ConfigInput[] = [
    ...[0.2, 0.5, 0.8].map((mu) => ({ ...full, model: { ...full.model, pretrained: { kind: 'aligned' as const, mu } } })),
    { ...full, train: { ...full.train, eta: 0.05 } },
    { ...full, model: { ...full.model, noise: 0.1, pretrained: { kind: 'misaligned' as const, mu: 0.4 } } },
    { ...full, engine: 'reduced', model: { ...full.model, activation: 'he3' }, seeds: [7] },
    { ...full, engine: 'ode', seeds: [1] },
    { ...full, model: { ...full.model, rank: 2, hidden: 2, pretrained: { kind: 'aligned' as const, mu: [0.3, 0.6] } }, seeds: [9] },
  ];
  const many = await simulateMany(configs, { threads: 2 });
  t.equal(many.length, configs.length, 'one result per config, in order');
  for (let i = 0; i < configs.length; i++) {
    const one = await simulate(configs[i]!, { threads: 1 });
    t.equal(many[i]!.engine, one.engine, `[${i}] engine ${one.engine}`);
    t.equal(many[i]!.backend, 'cpu');
    t.equal(many[i]!.runs.length, one.runs.length);
    for (let k = 0; k < one.runs.length; k++) {
      t.equal(many[i]!.runs[k]!.seed, one.runs[k]!.seed);
      for (const key of keys) t.equal(bits(many[i]!.runs[k]![key]), bits(one.runs[k]![key]), `[${i}] seed ${one.runs[k]!.seed}: ${key} identical`);
      t.same(many[i]!.runs[k]!.escape, one.runs[k]!.escape);
    }
  }
});

t.test('bad input: the index of the bad config, an empty list, aborting, progress', async (t) => {
  t.same(await simulateMany([]), [], 'nothing to run, nothing returned');
  await configError(t, simulateMany([full, { ...full, model: { d: -5 } }]), /\[1\]\.model\.d/, 'a bad d in the second config');
  await configError(t, simulateMany([full, { ...full, engine: 'magic' } as never]), /\[1\]\.engine/, 'an unknown engine');
  await configError(t, simulateMany('not a list' as never), /array of configs/, 'not a list');
  if (!loadNative().info().backends.cuda.available)
    await configError(t, simulateMany([full, { ...full, backend: 'cuda' }]), /\[1\]\.backend: backend 'cuda' is unavailable/, 'cuda without a device');
  const ac = new AbortController();
  const long = { ...full, model: { d: 2000 }, train: { batch: 500, steps: 1e6 } };
  const pending = simulateMany([long, long], { signal: ac.signal, threads: 1 });
  setTimeout(() => ac.abort(), 50);
  await t.rejects(pending, AbortError, 'aborting rejects with AbortError');
  const seen: number[] = [];
  const res = await simulateMany(
    [
      { ...full, train: { batch: 200, steps: 3000 } },
      { ...full, engine: 'reduced', train: { batch: 200, steps: 3000 } },
    ],
    { threads: 1, onProgress: (p) => seen.push(p.fraction) },
  );
  t.equal(res.length, 2);
  t.ok(
    seen.length > 0 && seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!)),
    `progress in [0, 1], never backwards (${seen.length} reports)`,
  );
});

t.test('launch groups: what one GPU launch can hold', async (t) => {
  const native = loadNative().testing;
  const cfg = (over: Record<string, unknown> = {}) => ({
    engine: 'full',
    backend: 'cpu',
    model: { d: 500, activation: 'erf', pretrained: { kind: 'aligned', mu: 0.5 }, ...(over.model as object) },
    train: { batch: 50, steps: 100, eta: 0.2, ...(over.train as object) },
    record: { points: 30, ...(over.record as object) },
    seeds: [1],
  });
  const { parseConfig } = await import('../lib/config.js');
  const groups = (engine: string, list: ReturnType<typeof cfg>[]) =>
    native.launchGroups(
      engine,
      list.map((c) => parseConfig(c as ConfigInput)),
    );
  t.same(
    groups(
      'full',
      [0.1, 0.3, 0.5, 0.7].map((mu) => cfg({ model: { pretrained: { kind: 'aligned', mu } } })),
    ),
    [[0, 1, 2, 3]],
    'a mu sweep is one launch',
  );
  t.same(
    groups('full', [cfg({ train: { eta: 0.1 } }), cfg({ model: { noise: 0.2 } }), cfg({ train: { eta: 0.4, hermiteRescale: true } })]),
    [[0, 1, 2]],
    'eta, noise and the Hermite rescale may differ',
  );
  t.same(
    groups('full', [cfg(), cfg({ model: { activation: 'relu' } }), cfg(), cfg({ model: { activation: 'relu' } })]),
    [
      [0, 2],
      [1, 3],
    ],
    'different links: separate launches, order kept',
  );
  t.same(
    groups('full', [
      cfg(),
      cfg({ model: { d: 501 } }),
      cfg({ train: { batch: 51 } }),
      cfg({ train: { steps: 101 } }),
      cfg({ record: { points: 31 } }),
      cfg({ record: { thresholds: [0.4] } }),
      cfg({ model: { spherical: false } }),
      cfg({ model: { teacher: 'square' } }),
    ]),
    [[0], [1], [2], [3], [4], [5], [6], [7]],
    'd, B, steps, record grid, thresholds, spherical and the teacher are per launch',
  );
  t.same(
    groups('full', [
      cfg(),
      cfg({ model: { pretrained: { kind: 'misaligned', mu: 0.5 } } }),
      cfg({ model: { pretrained: { kind: 'scratch', mu: 0 } } }),
      cfg({ model: { pretrained: { kind: 'misaligned', mu: 0.2 } } }),
    ]),
    [[0], [1, 3], [2]],
    'aligned, stored (misaligned) and scratch w0 are three kernel modes',
  );
  t.same(groups('ode', [cfg(), cfg()]), [[0], [1]], 'the ODE never shares');
  t.throws(() => native.launchGroups('warp', []), /engine: must be one of/);
});

t.test("the executor's batched path stores exactly what the one-run-per-thread path stores", async (t) => {
  const spec = {
    base: { ...full, engine: 'reduced', train: { batch: 100, steps: 400 } },
    axes: { 'model.pretrained.mu': [0.2, 0.5, 0.8], 'model.activation': ['linear', 'erf'] },
    seeds: { count: 2 },
  };
  const dirs = [mkdtempSync(join(tmpdir(), 'loradyn-many-')), mkdtempSync(join(tmpdir(), 'loradyn-many-'))];
  const stepsSeen: number[] = [];
  const batched = await runSweep(spec, ResultStore.open(dirs[0]!), {
    executor: new LocalExecutor({ batch: true, batchSize: 5 }),
    onProgress: (p) => stepsSeen.push(p.stepsDone),
  });
  const single = await runSweep(spec, ResultStore.open(dirs[1]!), { executor: new LocalExecutor({ concurrency: 2, batch: false }) });
  t.same([batched.computed, batched.failed.length], [12, 0], '12 runs in batches of 5');
  t.same([single.computed, single.failed.length], [12, 0]);
  const a = ResultStore.open(dirs[0]!),
    b = ResultStore.open(dirs[1]!);
  t.same(a.hashes().sort(), b.hashes().sort(), 'the same runs');
  for (const h of a.hashes()) t.same(a.get(h)!.run, b.get(h)!.run, `run ${h.slice(0, 8)} identical`);
  t.ok(stepsSeen.length > 0 && stepsSeen.at(-1)! <= 12 * 400, 'progress reported');
  // A run that cannot start (backend cuda, no device here) fails alone: the chunk is retried
  // run by run and the others are stored.
  const bad = { base: { ...full, engine: 'full', train: { batch: 5, steps: 50 } }, axes: { backend: ['cpu', 'cuda'] }, seeds: { count: 2 } };
  const rep = await runSweep(bad, ResultStore.open(mkdtempSync(join(tmpdir(), 'loradyn-many-'))), { executor: new LocalExecutor({ batch: true }) });
  if (loadNative().info().backends.cuda.available) t.same([rep.computed, rep.failed.length], [4, 0], 'a device is here: all four run');
  else {
    t.same([rep.computed, rep.failed.length], [2, 2], 'the two cpu runs stored, the two cuda runs failed');
    t.ok(
      rep.failed.every((f) => /cuda/.test(f.error)),
      'with the reason',
    );
  }
});
