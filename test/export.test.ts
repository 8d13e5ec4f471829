// Exports read back by an independent reader (DuckDB, through @duckdb/node-api): row counts, column
// names and types, and values against the store, for Parquet, CSV and JSON lines, per run and per
// record point. pandas (Debian's python3-pandas) reads the CSV and JSON lines too where it is installed.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runSweep } from '../lib/experiments/runner.js';
import { ResultStore, type StoredRun } from '../lib/experiments/store.js';
import { LocalExecutor } from '../lib/experiments/executor.js';
import { storeTable, type ExportOptions, type ExportSummary } from '../lib/experiments/export.js';
import { cliPath, runCli } from './support/cli.js';
import { nodeCommand } from './support/node_command.js';

// exportStore runs in a plain Node process, as a library user calls it: tap's TypeScript loader
// (ts-node) cannot resolve the subpath import that hyparquet-writer makes of hyparquet.
const indexJs = join(cliPath, '..', 'index.js');
async function exportStore(store: string, file: string, o: ExportOptions = {}): Promise<ExportSummary> {
  const code = `import { exportStore } from ${JSON.stringify(indexJs)}; const s = await exportStore(${JSON.stringify(store)}, ${JSON.stringify(file)}, ${JSON.stringify(o)}); console.log(JSON.stringify(s));`;
  const r = spawnSync(...nodeCommand(['--input-type=module', '-e', code]), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as ExportSummary;
}

const dir = mkdtempSync(join(tmpdir(), 'loradyn-export-'));
const storeDir = join(dir, 'store');
// The case that printed identical-looking rows: a sweep over fields the old table did not show.
const sweep = {
  name: 'noise x spherical',
  base: {
    engine: 'reduced',
    model: { d: 300, activation: 'erf', pretrained: { mu: 0.4 } },
    train: { batch: 50, eta: 0.2, steps: 1500 },
    record: { points: 20, thresholds: [0.3, 0.5] },
  },
  axes: { 'model.noise': [0, 0.5], 'model.spherical': [true, false] },
  seeds: { count: 3 },
};

const duck = async () => (await DuckDBInstance.create(':memory:')).connect();
const q = async (sql: string) => (await (await duck()).runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

let runs: StoredRun[] = [];

t.before(async () => {
  const store = ResultStore.open(storeDir);
  await runSweep(sweep, store, { executor: new LocalExecutor(2) });
  runs = store.hashes().map((h) => store.get(h)!);
});

t.test('each stored run carries its sweep axes and values', async (t) => {
  t.equal(runs.length, 12);
  for (const r of runs) {
    t.equal(r.sweep?.name, 'noise x spherical');
    t.same(Object.keys(r.sweep!.axes), ['model.noise', 'model.spherical']);
    t.equal(r.sweep!.axes['model.noise'], r.config.model.noise);
    t.equal(r.sweep!.axes['model.spherical'], r.config.model.spherical);
  }
});

t.test('one row per run: every varying field, escapes per threshold, final values (Parquet, CSV, JSON lines)', async (t) => {
  const table = storeTable(runs);
  const names = table.columns.map((c) => c.name);
  t.same(names.slice(0, 4), ['hash', 'seed', 'model.noise', 'model.spherical'], 'the sweep axes come first, in their order');
  t.notOk(names.includes('model.d'), 'fields that do not vary are not columns');
  for (const c of [
    'escape_0.3',
    'escape_0.5',
    'stepsDone',
    'divergedStep',
    'final_m_r0_h0',
    'final_u_h0_r0',
    'final_M_h0_h0',
    'final_Q_h0_h0',
    'final_popLoss',
  ])
    t.ok(names.includes(c), c);
  for (const [fmt, read] of [
    ['parquet', (f: string) => `read_parquet('${f}')`],
    ['csv', (f: string) => `read_csv('${f}', header = true)`],
    ['jsonl', (f: string) => `read_json('${f}', format = 'newline_delimited')`],
  ] as const) {
    const file = join(dir, `runs.${fmt}`);
    const s = await exportStore(storeDir, file);
    t.equal(s.format, fmt);
    t.equal(s.rows, 12);
    const rows = await q(`SELECT * FROM ${read(file)} ORDER BY hash`);
    t.equal(rows.length, 12, `${fmt}: 12 rows read back`);
    t.same(Object.keys(rows[0]!), names, `${fmt}: the columns, in order`);
    const byHash = new Map(runs.map((r) => [r.hash, r]));
    for (const row of rows) {
      const r = byHash.get(String(row.hash))!;
      t.ok(r, `${fmt}: row ${row.hash} is a stored run`);
      t.equal(num(row.seed), r.run.seed);
      t.equal(num(row['model.noise']), r.config.model.noise, `${fmt}: model.noise`);
      t.equal(String(row['model.spherical']), String(r.config.model.spherical), `${fmt}: model.spherical`);
      t.equal(num(row['escape_0.5']), r.run.escape['0.5'], `${fmt}: escape_0.5 (null = censored)`);
      t.equal(num(row['escape_0.3']), r.run.escape['0.3']);
      t.equal(num(row.stepsDone), r.run.stepsDone);
      const last = r.run.step.length - 1;
      t.equal(num(row.final_popLoss), r.run.popLoss[last], `${fmt}: final_popLoss exact`);
      t.equal(num(row.final_m_r0_h0), r.run.m[last], `${fmt}: final m exact`);
    }
  }
  const types = await q(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(dir, 'runs.parquet')}'))`);
  const type = Object.fromEntries(types.map((x) => [x.column_name, x.column_type]));
  t.same(
    [type.hash, type.seed, type['model.noise'], type['model.spherical'], type['escape_0.5'], type.final_popLoss],
    ['VARCHAR', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'BIGINT', 'DOUBLE'],
    'Parquet column types',
  );
});

t.test('one row per run and record point', async (t) => {
  const file = join(dir, 'traj.parquet');
  const s = await exportStore(storeDir, file, { trajectories: true });
  const points = runs.reduce((a, r) => a + r.run.step.length, 0);
  t.equal(s.rows, points);
  const rows = await q(`SELECT * FROM read_parquet('${file}') ORDER BY hash, point`);
  t.equal(rows.length, points, 'every record point of every run');
  t.same(Object.keys(rows[0]!), [
    'hash',
    'seed',
    'model.noise',
    'model.spherical',
    'point',
    'step',
    't',
    'm_r0_h0',
    'u_h0_r0',
    'M_h0_h0',
    'Q_h0_h0',
    'popLoss',
    'batchLoss',
  ]);
  const r = runs.find((x) => x.hash === rows[0]!.hash)!;
  const mine = rows.filter((x) => x.hash === r.hash);
  t.same(
    mine.map((x) => num(x.step)),
    r.run.step,
  );
  t.same(
    mine.map((x) => num(x.t)),
    r.run.t,
  );
  t.same(
    mine.map((x) => num(x.m_r0_h0)),
    r.run.m,
  );
  t.same(
    mine.map((x) => num(x.u_h0_r0)),
    r.run.u,
  );
  t.same(
    mine.map((x) => num(x.Q_h0_h0)),
    r.run.Q,
  );
  t.same(
    mine.map((x) => num(x.popLoss)),
    r.run.popLoss,
  );
  t.equal(mine[0]!.batchLoss, null, 'no batch loss before the first step: null');
  const csv = join(dir, 'traj.csv');
  await exportStore(storeDir, csv, { trajectories: true });
  t.equal(num((await q(`SELECT count(*) AS n FROM read_csv('${csv}', header = true)`))[0]!.n), points, 'CSV: same row count');
});

t.test('the CLI: a reproduce folder, formats, errors', async (t) => {
  const out = join(dir, 'cli.parquet');
  const r = runCli(['export', dir, '--out', out, '--json']);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { rows: 12, runs: 12, format: 'parquet' }, 'the folder above store/ is accepted');
  t.equal(num((await q(`SELECT count(*) AS n FROM read_parquet('${out}')`))[0]!.n), 12);
  const bad = runCli(['export', storeDir, '--out', join(dir, 'x.txt')]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /cannot tell the format/);
  const fmt = runCli(['export', storeDir, '--out', join(dir, 'x.txt'), '--format', 'jsonl']);
  t.equal(fmt.code, 0, fmt.stderr);
  t.equal(readFileSync(join(dir, 'x.txt'), 'utf8').trim().split('\n').length, 12);
  const none = runCli(['export', join(dir, 'nothing'), '--out', join(dir, 'y.csv')]);
  t.equal(none.code, 2);
  t.match(none.stderr, /not a loradyn result store/);
});

t.test('a threshold recorded by some runs only is left out, and said so', async (t) => {
  const d2 = join(dir, 'mixed');
  const store = ResultStore.open(d2);
  await runSweep({ ...sweep, axes: {}, seeds: [0] }, store, { executor: new LocalExecutor(1) });
  await runSweep({ ...sweep, base: { ...sweep.base, record: { points: 20, thresholds: [0.5] } }, axes: {}, seeds: [0] }, store, {
    executor: new LocalExecutor(1),
  });
  const s = await exportStore(d2, join(dir, 'mixed.csv'));
  t.same(s.droppedThresholds, ['escape 0.3']);
  t.ok(s.columns.includes('escape_0.5') && !s.columns.includes('escape_0.3'));
  t.ok(s.columns.includes('record.thresholds'), 'the thresholds themselves differ, so they are a column');
});

const pandas = spawnSync('/usr/bin/python3', ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0;
t.test('pandas reads the CSV and JSON lines', { skip: pandas ? false : "Debian's python3-pandas is not installed here" }, async (t) => {
  const py = `import pandas as pd, json, sys
a = pd.read_csv(sys.argv[1]); b = pd.read_json(sys.argv[2], lines=True)
print(json.dumps({"rows": [len(a), len(b)], "cols": list(a.columns), "mu": sorted(set(a["model.noise"])), "esc": [None if pd.isna(x) else int(x) for x in a.sort_values("hash")["escape_0.5"]]}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', py, join(dir, 'runs.csv'), join(dir, 'runs.jsonl')], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  t.same(o.rows, [12, 12]);
  t.same(o.mu, [0, 0.5]);
  t.same(
    o.esc,
    [...runs].sort((a, b) => (a.hash < b.hash ? -1 : 1)).map((x) => x.run.escape['0.5']),
  );
  t.ok(existsSync(join(dir, 'runs.parquet')));
});
