// `loradyn results`: refuses a threshold the runs did not record, shows every field that varies,
// accepts a reproduce folder; `loradyn reproduce` refuses another preset's folder.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../lib/experiments/runner.js';
import { ResultStore } from '../lib/experiments/store.js';
import { LocalExecutor } from '../lib/experiments/executor.js';
import { fieldLabels, varyingFields } from '../lib/experiments/fields.js';
import { parseConfig } from '../lib/config.js';
import { verifyStoredRun } from '../lib/experiments/run_schema.js';
import { runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'loradyn-results-'));
const storeDir = join(dir, 'runs');
const sweep = {
  base: { engine: 'reduced', model: { d: 300, pretrained: { mu: 0.3 } }, train: { batch: 50, steps: 800 }, record: { points: 10, thresholds: [0.5, 0.7] } },
  axes: { 'model.noise': [0, 0.5], 'model.spherical': [true, false] },
  seeds: { count: 2 },
};

t.before(async () => {
  await runSweep(sweep, ResultStore.open(storeDir), { executor: new LocalExecutor(2) });
});

t.test('varying fields', async (t) => {
  const a = parseConfig({ model: { noise: 0 } });
  const b = parseConfig({ model: { noise: 0.5, spherical: false } });
  t.same(varyingFields([a, b]), ['model.noise', 'model.spherical']);
  t.same(varyingFields([a, b], ['model.spherical']), ['model.spherical', 'model.noise'], 'axes first');
  t.same(varyingFields([a, a]), []);
  t.same([...fieldLabels(['model.pretrained.mu', 'model.noise', 'train.steps', 'train.batch']).values()], ['mu', 'noise', 'steps', 'batch']);
  t.same([...fieldLabels(['a.x', 'b.x']).values()], ['a.x', 'b.x'], 'colliding last segments keep more of the path');
});

t.test('every varying field is a column: no rows that look identical', async (t) => {
  const r = runCli(['results', storeDir]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const head = lines[1]!.split('\t');
  t.same(head.slice(0, 2), ['noise', 'spherical']);
  const rows = lines.slice(2).map((l) => l.split('\t').slice(0, 2).join(' '));
  t.equal(rows.length, 4);
  t.equal(new Set(rows).size, 4, `four distinct settings: ${rows.join(' | ')}`);
  const j = JSON.parse(runCli(['results', storeDir, '--json']).stdout);
  t.same(j.fields, ['model.noise', 'model.spherical']);
  t.same(
    j.settings.map((s: { fields: Record<string, unknown> }) => s.fields),
    [
      { 'model.noise': 0, 'model.spherical': false },
      { 'model.noise': 0, 'model.spherical': true },
      { 'model.noise': 0.5, 'model.spherical': false },
      { 'model.noise': 0.5, 'model.spherical': true },
    ],
  );
  const csv = runCli(['results', storeDir, '--csv']).stdout.split('\n')[0]!.split(',');
  t.ok(csv.includes('model.noise') && csv.includes('model.spherical'), 'the CSV has them too');
});

t.test('each stored run carries its sweep axes, checked against its config', async (t) => {
  const store = ResultStore.open(storeDir, false);
  const runs = store.hashes().map((h) => store.get(h)!);
  t.equal(runs.length, 8);
  for (const r of runs) {
    t.same(Object.keys(r.sweep!.axes), ['model.noise', 'model.spherical']);
    t.same(r.sweep!.axes, { 'model.noise': r.config.model.noise, 'model.spherical': r.config.model.spherical });
  }
  const rec = JSON.parse(JSON.stringify(runs[0]));
  // biome-ignore lint/suspicious/noExplicitAny: the test edits the stored JSON freely, as a hand-edited file would be
  const check = (edit: (x: any) => void) => {
    const x = structuredClone(rec);
    edit(x);
    return verifyStoredRun(x, rec.hash);
  };
  t.ok(check(() => {}).ok);
  t.ok(check((x) => delete x.sweep).ok, 'older runs without it still read');
  t.match(
    check((x) => (x.sweep.axes['model.noise'] = 0.25)),
    { ok: false, reason: /sweep\.axes: model\.noise is 0\.25, the config's is/ },
  );
  t.match(
    check((x) => (x.sweep.axes['model.nose'] = 0)),
    { ok: false, reason: /"model\.nose" is not a config field/ },
  );
  t.match(
    check((x) => (x.sweep.extra = 1)),
    { ok: false, reason: /sweep: unknown field\(s\) "extra"/ },
  );
  t.match(
    check((x) => (x.sweep.name = 3)),
    { ok: false, reason: /sweep\.name/ },
  );
});

t.test('a threshold the runs did not record is refused, naming the recorded ones', async (t) => {
  const r = runCli(['results', storeDir, '--threshold', '0.9']);
  t.equal(r.code, 2);
  t.match(r.stderr, /threshold 0\.9 was not recorded .*recorded: 0\.5, 0\.7/);
  const ok = runCli(['results', storeDir, '--threshold', '0.70', '--json']);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(JSON.parse(ok.stdout).threshold, 0.7);
  const d2 = join(dir, 'only03');
  await runSweep({ ...sweep, base: { ...sweep.base, record: { points: 10, thresholds: [0.3] } }, axes: {}, seeds: [0] }, ResultStore.open(d2), {
    executor: new LocalExecutor(1),
  });
  const def = runCli(['results', d2, '--json']);
  t.equal(def.code, 0, def.stderr);
  t.equal(JSON.parse(def.stdout).threshold, 0.3, 'without --threshold: 0.5 when recorded, else the first recorded one');
});

t.test('results accepts a reproduce folder (its store is DIR/store)', async (t) => {
  const out = join(dir, 'repro');
  const r = runCli(['reproduce', 'headline', '--out', out, '--scale', 'tiny', '--quiet']);
  t.equal(r.code, 0, r.stderr);
  const a = runCli(['results', out, '--json']);
  t.equal(a.code, 0, a.stderr);
  const b = runCli(['results', join(out, 'store'), '--json']);
  t.same(JSON.parse(a.stdout).settings, JSON.parse(b.stdout).settings);
  const none = runCli(['results', join(dir, 'nothing')]);
  t.equal(none.code, 2);
  t.match(none.stderr, /not a loradyn result store.*nor a reproduce folder/);

  // Another preset (or scale) into the same folder would replace its report and summary: refused.
  const other = runCli(['reproduce', 'hermite', '--out', out, '--scale', 'tiny', '--quiet']);
  t.equal(other.code, 2);
  t.match(other.stderr, /holds preset headline \(tiny scale\).*use another --out/);
  const scale = runCli(['reproduce', 'headline', '--out', out, '--scale', 'quick', '--quiet']);
  t.equal(scale.code, 2, 'another scale of the same preset too');
  const again = runCli(['reproduce', 'headline', '--out', out, '--scale', 'tiny', '--quiet']);
  t.equal(again.code, 0, 'the same preset and scale resumes');
  writeFileSync(join(dir, 'plain.txt'), 'x');
});
