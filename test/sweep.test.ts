// Sweeps: expansion, bad input before anything runs, the result store's schema guard, and
// resumption after SIGKILL in the middle of a sweep (nothing stored is recomputed, no corrupt file).
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, runHash } from '../lib/experiments/sweep.js';
import { ResultStore, StoreError, STORE_SCHEMA_VERSION } from '../lib/experiments/store.js';
import { runSweep } from '../lib/experiments/runner.js';
import { LocalExecutor, type Executor } from '../lib/experiments/executor.js';
import { loadSettings, runsCsv, settingRows } from '../lib/experiments/results.js';
import { ConfigError } from '../lib/errors.js';
import { canonicalJson } from '../lib/config.js';
import { cliPath, runCli } from './support/cli.js';
import { nodeCommand } from './support/node_command.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'loradyn-sweep-'));
const base = { engine: 'reduced', backend: 'cpu', model: { d: 1000, activation: 'linear' }, train: { batch: 200, steps: 1500 }, record: { points: 40 } };

t.test('expansion: cartesian product, one run per seed, hash of the single-seed config', async (t) => {
  const ex = expandSweep({ base, axes: { 'model.pretrained.mu': [0.2, 0.5, 0.8], 'model.activation': ['linear', 'erf'] }, seeds: { count: 3, base: 10 } });
  t.equal(ex.points.length, 6);
  t.equal(ex.runs.length, 18);
  t.same(ex.points[1]!.coords, { 'model.pretrained.mu': 0.2, 'model.activation': 'erf' }, 'the last axis varies fastest');
  t.same(
    ex.runs.slice(0, 3).map((r) => r.seed),
    [10, 11, 12],
  );
  const r0 = ex.runs[0]!;
  t.same(r0.config.seeds, [10]);
  t.equal(r0.config.model.pretrained.mu, 0.2);
  t.match(r0.hash, /^[0-9a-f]{64}$/);
  t.equal(r0.hash, runHash(r0.config));
  t.equal(new Set(ex.runs.map((r) => r.hash)).size, 18, 'every run has its own hash');
  const again = expandSweep({
    base: { ...base, model: { activation: 'linear', d: 1000 } },
    axes: { 'model.activation': ['erf', 'linear'], 'model.pretrained.mu': [0.8, 0.5, 0.2] },
    seeds: [12, 11, 10],
  });
  t.same(new Set(again.runs.map((r) => r.hash)), new Set(ex.runs.map((r) => r.hash)), 'the hash depends on the config, not on how the sweep was written');
  t.ok(canonicalJson(r0.config).includes('"seeds":[10]'));
});

t.test('bad sweeps are refused before anything runs, naming the field or the grid point', async (t) => {
  const bad = (spec: unknown, re: RegExp, msg: string) => {
    try {
      expandSweep(spec);
      t.fail(msg);
    } catch (e) {
      t.ok(e instanceof ConfigError, msg);
      t.match((e as Error).message, re, msg);
    }
  };
  bad({ base, axes: { 'model.mu': [0.1] } }, /axes\.model\.mu: "model\.mu" is not a config field/, 'nonexistent field');
  bad({ base, axes: { 'model.pretrained.mu.x': [0.1] } }, /is not a config field/, 'path through a number');
  bad({ base, axes: { 'model.d': [] } }, /axes\.model\.d: is empty/, 'empty axis');
  bad({ base, axes: { 'model.d': 5 } }, /must be a list/, 'axis not a list');
  bad(
    { base, axes: { 'model.pretrained.mu': [0.3, 1.5] } },
    /model\.pretrained\.mu: must be in \[0, 1\] \(grid point 1: model\.pretrained\.mu=1\.5\)/,
    'a point failing validation is reported with the point',
  );
  bad({ base, axes: { 'model.activation': ['erf', 'nosuch'] } }, /grid point 1: model\.activation="nosuch"/, 'native validation (activation name) per point');
  bad({ base, axes: {}, seeds: [] }, /seeds/, 'empty seeds');
  bad({ base, axes: {}, extra: 1 }, /extra: unknown sweep field/, 'unknown top-level field');
  bad([1, 2], /must be a JSON object/, 'not an object');
  const r = runCli(['sweep', '/nonexistent.json', '--out', tmp()]);
  t.equal(r.code, 2);
  t.match(r.stderr, /cannot read \/nonexistent\.json/);
});

t.test('store: schema version guard', async (t) => {
  const dir = tmp();
  ResultStore.open(dir);
  t.same(JSON.parse(readFileSync(join(dir, 'loradyn-store.json'), 'utf8')).schema, STORE_SCHEMA_VERSION);
  ResultStore.open(dir);
  const other = tmp();
  writeFileSync(join(other, 'loradyn-store.json'), JSON.stringify({ schema: STORE_SCHEMA_VERSION + 1 }));
  t.throws(() => ResultStore.open(other), StoreError);
  t.throws(() => ResultStore.open(other), /schema version 2.*refusing to mix/);
  const sw = join(other, 'sw.json');
  writeFileSync(sw, JSON.stringify({ base, axes: {} }));
  const r = runCli(['sweep', sw, '--out', other]);
  t.equal(r.code, 2, 'the CLI refuses it with exit code 2');
  t.match(r.stderr, /refusing to mix/);
  t.notOk(existsSync(join(other, 'runs')), 'nothing was written there');
  const legacy = tmp();
  mkdirSync(join(legacy, 'runs'));
  t.throws(() => ResultStore.open(legacy), /no loradyn-store\.json/);
  t.throws(() => ResultStore.open(tmp(), false), /not a loradyn result store/);
});

t.test('a custom executor plugs in behind runSweep; results read back', async (t) => {
  const dir = tmp();
  const store = ResultStore.open(dir);
  const seen: string[] = [];
  const local = new LocalExecutor(2);
  const counting: Executor = {
    name: 'counting',
    run: (specs, hooks, signal) => {
      seen.push(...specs.map((s) => s.hash));
      return local.run(specs, hooks, signal);
    },
  };
  const spec = { base, axes: { 'model.pretrained.mu': [0.2, 0.5] }, seeds: { count: 3 } };
  const rep = await runSweep(spec, store, { executor: counting });
  t.same([rep.total, rep.cached, rep.computed, rep.failed.length], [6, 0, 6, 0]);
  t.equal(seen.length, 6);
  const rep2 = await runSweep(spec, store, { executor: counting });
  t.same([rep2.cached, rep2.computed], [6, 0]);
  t.equal(seen.length, 6, 'a rerun hands the executor nothing');
  const settings = loadSettings(store);
  t.equal(settings.length, 2);
  const rows = settingRows(settings);
  t.same(
    rows.map((r) => r.setting.mu),
    [0.2, 0.5],
  );
  for (const r of rows) t.equal(r.summary.runs, 3);
  t.ok(rows[0]!.summary.median! < rows[1]!.summary.median!, 'linear: mu = 0.5 escapes later than mu = 0.2 (tau grows with mu, SPEC 4)');
  const csv = runsCsv(settings).trim().split('\n');
  t.equal(csv.length, 7);
  t.match(csv[0]!, /^hash,engine,activation/);
  const cli = runCli(['results', dir, '--csv']);
  t.equal(cli.code, 0);
  t.equal(cli.stdout.trim().split('\n').length, 7);
});

t.test('SIGKILL in the middle of a sweep loses at most runs in flight; the rerun recomputes nothing stored', async (t) => {
  const dir = tmp();
  const sw = join(dir, 'sweep.json');
  const out = join(dir, 'store');
  // 48 runs of 10 000 steps (tens of ms each), so the kill lands mid-sweep.
  writeFileSync(
    sw,
    JSON.stringify({
      base: { ...base, train: { batch: 200, steps: 10000 } },
      axes: { 'model.pretrained.mu': [0.1, 0.3, 0.5, 0.7], 'model.activation': ['linear', 'erf', 'relu'] },
      seeds: { count: 4 },
    }),
  );
  const child = spawn(...nodeCommand([cliPath, 'sweep', sw, '--out', out, '--jobs', '2', '--quiet']), { stdio: 'ignore' });
  const count = () => {
    const root = join(out, 'runs');
    if (!existsSync(root)) return 0;
    return readdirSync(root).reduce((n, s) => n + readdirSync(join(root, s)).filter((f) => /^[0-9a-f]{64}\.json$/.test(f)).length, 0);
  };
  const t0 = Date.now();
  while (count() < 6 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const stored = count();
  t.ok(stored >= 6 && stored < 48, `killed with ${stored} of 48 runs stored`);
  const store = ResultStore.open(out);
  const hashes = store.hashes();
  const mtimes = new Map(hashes.map((h) => [h, statSync(join(out, 'runs', h.slice(0, 2), `${h}.json`)).mtimeMs]));
  for (const h of hashes) {
    const rec = store.get(h)!;
    t.equal(rec.hash, h);
    if (runHash(rec.config) !== h) t.fail(`stored config of ${h} does not hash to its name`);
  }
  t.pass(`all ${hashes.length} stored files parse and hash to their names`);
  const r = runCli(['sweep', sw, '--out', out, '--jobs', '2']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`48 run\\(s\\): ${stored} already stored, ${48 - stored} computed, 0 failed`));
  for (const [h, m] of mtimes) if (statSync(join(out, 'runs', h.slice(0, 2), `${h}.json`)).mtimeMs !== m) t.fail(`${h} was rewritten`);
  t.equal(count(), 48);
  const leftovers = readdirSync(join(out, 'runs'))
    .flatMap((s) => readdirSync(join(out, 'runs', s)))
    .filter((f) => f.includes('.tmp-'));
  t.same(leftovers, [], 'no temporary files remain after the rerun');
});
