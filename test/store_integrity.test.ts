// The result store keeps the truth: every read verifies a run file (schema, the config's hash against
// the file's name, the run's consistency). Empty, truncated, garbage, wrongly shaped, misnamed and
// misplaced files are quarantined with a warning that names them, no command crashes on them, and the
// next sweep computes them again, bit for bit as before. The consistency rules accept real runs of
// every engine and refuse forged ones.
import t from 'tap';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, runHash } from '../lib/experiments/sweep.js';
import { ResultStore, StoreError } from '../lib/experiments/store.js';
import { runSweep } from '../lib/experiments/runner.js';
import { LocalExecutor } from '../lib/experiments/executor.js';
import { verifyRunJson, verifyStoredRun } from '../lib/experiments/run_schema.js';
import { simulate } from '../lib/simulate.js';
import { runToJson } from '../lib/result_json.js';
import type { ConfigInput } from '../lib/config.js';
import { runCli } from './support/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'loradyn-integrity-'));
const base = { engine: 'reduced', backend: 'cpu', model: { d: 500, activation: 'linear' }, train: { batch: 100, steps: 800 }, record: { points: 30 } };
const sweep = { name: 'integrity', base, axes: { 'model.pretrained.mu': [0.2, 0.6] }, seeds: { count: 4 } };
const runFile = (dir: string, h: string) => join(dir, 'runs', h.slice(0, 2), `${h}.json`);

/** A real single-seed run of `input` as a store record (what put() writes). */
async function record(input: ConfigInput) {
  const r = await simulate({ ...input, seeds: [3] }, { threads: 1 });
  const config = r.config;
  const hash = runHash(config);
  return {
    hash,
    rec: JSON.parse(
      JSON.stringify({
        hash,
        config,
        run: runToJson(r.runs[0]!),
        engine: config.engine,
        backend: r.backend,
        wallMs: 1,
        version: '0',
        finishedAt: new Date().toISOString(),
      }),
    ),
  };
}

t.test('the consistency rules accept real runs of every engine and refuse forged ones', async (t) => {
  const inputs: [string, ConfigInput][] = [
    [
      'full',
      {
        engine: 'full',
        backend: 'cpu',
        model: { d: 100, activation: 'erf' },
        train: { batch: 20, steps: 600 },
        record: { points: 30, thresholds: [0.3, 0.5, 1] },
      },
    ],
    [
      'reduced K=2 r=2',
      {
        engine: 'reduced',
        backend: 'cpu',
        model: { d: 100, activation: 'erf', hidden: 2, rank: 2 },
        train: { batch: 200, steps: 1500, eta: 0.3 },
        record: { points: 30 },
      },
    ],
    ['ode', { engine: 'ode', backend: 'cpu', model: { d: 1000, activation: 'relu' }, train: { steps: 3000 }, record: { points: 30 } }],
    [
      'stopAt, hermite rescale',
      {
        engine: 'reduced',
        backend: 'cpu',
        model: { d: 1000, activation: 'he3' },
        train: { batch: 200, steps: 3000, hermiteRescale: true },
        record: { points: 20, stopAt: 0.5 },
      },
    ],
    ['diverged', { engine: 'full', backend: 'cpu', model: { d: 50 }, train: { batch: 10, steps: 200, eta: 50 }, record: { points: 20 } }],
    ['record.final', { engine: 'full', backend: 'cpu', model: { d: 40, hidden: 2 }, train: { batch: 10, steps: 50 }, record: { points: 10, final: true } }],
    // A curriculum's stage 1 can diverge: its non-finite final weights are stored (as null) so that it is counted.
    [
      'diverged with record.final',
      { engine: 'full', backend: 'cpu', model: { d: 50 }, train: { batch: 10, steps: 200, eta: 50 }, record: { points: 20, final: true } },
    ],
  ];
  const recs: Record<string, Awaited<ReturnType<typeof record>>> = {};
  for (const [name, input] of inputs) {
    const r = await record(input);
    recs[name] = r;
    const v = verifyStoredRun(r.rec, r.hash);
    t.ok(v.ok, `${name}: accepted${v.ok ? '' : ` (refused: ${v.reason})`}`);
  }
  t.equal(recs.diverged!.rec.run.divergedStep !== null, true, 'the diverged case does diverge');
  const divFinal = recs['diverged with record.final']!.rec.run;
  t.not(divFinal.divergedStep, null, 'the diverged record.final case diverges');
  t.ok(
    [...divFinal.final!.u, ...divFinal.final!.v].some((x) => x === null),
    'its final weights hold non-finite values, stored as null',
  );
  {
    const { hash: h, rec: r } = recs['record.final']!;
    const f = structuredClone(r);
    f.run.final!.v[3] = null;
    const v = verifyStoredRun(f, h);
    t.notOk(v.ok, 'refused: a null final weight in a run that did not diverge');
    if (!v.ok) t.match(v.reason, /final\.v\[3\] is not finite \(null\) but the run did not diverge/, 'the reason names the weight');
  }

  const { hash, rec } = recs.full!;
  const forged = (what: string, change: (r: typeof rec) => void, re: RegExp) => {
    const f = structuredClone(rec);
    change(f);
    const v = verifyStoredRun(f, hash);
    t.notOk(v.ok, `refused: ${what}`);
    if (!v.ok) t.match(v.reason, re, `the reason says why (${what})`);
  };
  forged('escape at step 1', (r) => (r.run.escape['0.5'] = 1), /escape\[0\.5\] = 1 but max \|m\| = 0\.\d+ < 0\.5 at that recorded step/);
  forged('escape never (censored) although the trajectory crosses', (r) => (r.run.escape['0.5'] = null), /escape\[0\.5\] = null \(never\) but max \|m\|/);
  forged(
    'escape later than a recorded crossing',
    (r) => (r.run.escape['0.3'] = r.run.stepsDone),
    /escape\[0\.3\] = 600 but max \|m\| = .* >= 0\.3 at the recorded step/,
  );
  forged('escape beyond the run', (r) => (r.run.escape['1'] = 10_000), /escape\[1\] = 10000 is beyond stepsDone 600/);
  forged('an extra field in the run', (r) => (r.run.genuine = true), /run: unknown field\(s\) "genuine"/);
  forged('an extra field in the record', (r) => (r.note = 'x'), /unknown field\(s\) "note"/);
  forged('a shortened m', (r) => r.run.m.pop(), /m has \d+ values, expected \d+/);
  forged('a record point dropped from popLoss', (r) => r.run.popLoss.pop(), /popLoss has/);
  forged('steps out of order', (r) => ([r.run.step[3], r.run.step[4]] = [r.run.step[4], r.run.step[3]]), /not increasing/);
  forged(
    'more steps than the config runs',
    (r) => {
      r.run.stepsDone = 900;
      r.run.step[r.run.step.length - 1] = 900;
    },
    /beyond train\.steps 600/,
  );
  forged('t not step x eta', (r) => (r.run.t[5] *= 1.5), /t at point 5/);
  forged('a string for a number', (r) => (r.run.m[2] = '0.5'), /run\.m\.2/);
  forged('another seed', (r) => (r.run.seed = 4), /seed is 4/);
  forged('a cancelled run', (r) => (r.run.cancelled = true), /cancelled/);
  forged('escape thresholds the config does not record', (r) => (r.run.escape = { '0.5': r.run.escape['0.5'] }), /escape thresholds/);
  forged('another config under the same name', (r) => (r.config.train.eta = 0.3), /its config hashes to [0-9a-f]{64}, not to/);
  forged('another hash inside', (r) => (r.hash = '0'.repeat(64)), /it says it is run 0{64}/);
  forged('two seeds', (r) => (r.config.seeds = [3, 4]), /config\.seeds must be one seed/);
  forged('final weights that were not asked for', (r) => (r.run.final = { u: [1], v: [1], teacher: [1], w0: [1] }), /final weights the config did not ask for/);
  forged('a bad config value', (r) => (r.config.model.d = -1), /config\.model\.d/);
  t.notOk(verifyRunJson('not a run', rec.config).ok, 'a string is not a run');
  t.notOk(verifyStoredRun(null, hash).ok, 'null is not a record');
  t.notOk(verifyStoredRun([], hash).ok, 'an array is not a record');
});

t.test('corrupt, empty, truncated, garbage, misnamed and misplaced run files: quarantined with a warning, reported, recomputed', async (t) => {
  const dir = tmp();
  const store = ResultStore.open(dir);
  const first = await runSweep(sweep, store, { executor: new LocalExecutor(1) });
  t.same([first.computed, first.failed.length], [8, 0]);
  const hashes = expandSweep(sweep).runs.map((r) => r.hash);
  const original = new Map(hashes.map((h) => [h, JSON.parse(readFileSync(runFile(dir, h), 'utf8')).run]));
  const [hEmpty, hTrunc, hGarbage, hShape, hMisnamed, hMisplaced] = hashes;
  writeFileSync(runFile(dir, hEmpty!), '');
  const text = readFileSync(runFile(dir, hTrunc!), 'utf8');
  writeFileSync(runFile(dir, hTrunc!), text.slice(0, Math.floor(text.length / 2)));
  writeFileSync(runFile(dir, hGarbage!), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x13, 0x37]));
  writeFileSync(runFile(dir, hShape!), JSON.stringify({ hash: hShape, run: { escape: {} } }));
  // A valid file of another run copied under this run's name: one seed would count twice.
  copyFileSync(runFile(dir, hashes[7]!), runFile(dir, hMisnamed!));
  // A valid file moved into a subfolder where its hash does not belong.
  const wrongSub = hMisplaced!.slice(0, 2) === 'ff' ? 'fe' : 'ff';
  mkdirSync(join(dir, 'runs', wrongSub), { recursive: true });
  renameSync(runFile(dir, hMisplaced!), join(dir, 'runs', wrongSub, `${hMisplaced}.json`));
  const bad = [hEmpty, hTrunc, hGarbage, hShape, hMisnamed].map((h) => runFile(dir, h!));

  // `loradyn results` used to die with a SyntaxError naming no file: it lists the good runs and names each bad file.
  const res = runCli(['results', dir]);
  t.equal(res.code, 0, `results exits 0 (${res.stderr.slice(0, 300)})`);
  t.match(res.stdout, /2 run\(s\) in 1 setting\(s\)/, 'the 2 good runs are listed');
  for (const f of bad) t.ok(res.stderr.includes(`bad run file ${f}:`), `the warning names ${f.slice(-20)}`);
  t.match(res.stderr, /the file is empty/);
  t.match(res.stderr, /not JSON .*truncated or overwritten/);
  t.match(res.stderr, /it says it is run [0-9a-f]{64}, but it is stored as run/, 'the misnamed copy is caught by its hash');
  t.match(res.stderr, new RegExp(`runs/${wrongSub}/, where run ${hMisplaced} does not belong`), 'the misplaced file is caught');
  t.notOk(/SyntaxError|TypeError| {4}at /.test(res.stderr), 'no stack trace');
  for (const f of bad) t.notOk(existsSync(f), `moved away: ${f.slice(-20)}`);
  const q = readdirSync(join(dir, 'quarantine'));
  t.equal(q.filter((f) => f.endsWith('.reason.txt')).length, 6, 'six files in quarantine/, each with its reason');
  t.equal(q.filter((f) => /\.json$/.test(f)).length, 6);
  t.match(readFileSync(join(dir, 'quarantine', q.find((f) => f.startsWith(hEmpty!) && f.endsWith('.reason.txt'))!), 'utf8'), /the file is empty/);

  // The rerun computes exactly the six missing runs, identical to the first time.
  const again = runCli(['sweep', writeSweep(dir), '--out', dir, '--jobs', '1']);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /8 run\(s\): 2 already stored, 6 computed, 0 failed/);
  const after = ResultStore.open(dir, false);
  for (const h of hashes) t.same(after.get(h)?.run, original.get(h), `run ${h.slice(0, 8)} is back, as before`);
  t.equal(after.quarantined.length, 0, 'nothing left to quarantine');
});

t.test('a sweep meeting a bad file reports it, quarantines it and recomputes the run; a bad result is never stored', async (t) => {
  const dir = tmp();
  const warnings: string[] = [];
  const store = ResultStore.open(dir, true, { onWarning: (m) => warnings.push(m) });
  const small = { ...sweep, seeds: [1] };
  await runSweep(small, store, { executor: new LocalExecutor(1) });
  const h = expandSweep(small).runs[0]!.hash;
  const good = readFileSync(runFile(dir, h), 'utf8');
  const forged = JSON.parse(good);
  forged.run.escape['0.5'] = 1;
  writeFileSync(runFile(dir, h), JSON.stringify(forged));
  const rep = await runSweep(small, store, { executor: new LocalExecutor(1) });
  t.same([rep.cached, rep.computed, rep.quarantined, rep.failed.length], [1, 1, 1, 0], 'one stored, one quarantined and computed again');
  t.equal(warnings.length, 1);
  t.match(warnings[0]!, new RegExp(`bad run file .*${h}\\.json: run: escape\\[0\\.5\\] = 1 but`));
  t.same(JSON.parse(readFileSync(runFile(dir, h), 'utf8')).run, JSON.parse(good).run, 'the recomputed run is the genuine one');

  // put() verifies before it writes: an inconsistent result is refused and nothing is written.
  const spec = expandSweep({ ...sweep, seeds: [9] }).runs[0]!;
  const r = await simulate(spec.config, { threads: 1 });
  const run = { ...r.runs[0]!, escape: { '0.5': 1 } };
  t.throws(() => store.put(spec.hash, spec.config, run, { engine: 'reduced', backend: 'cpu', wallMs: 1 }), StoreError);
  t.throws(
    () => store.put(spec.hash, spec.config, run, { engine: 'reduced', backend: 'cpu', wallMs: 1 }),
    /refusing to store run [0-9a-f]{64}: run: escape\[0\.5\] = 1/,
  );
  t.notOk(existsSync(runFile(dir, spec.hash)), 'nothing written');
  t.equal(store.get(spec.hash), null);
  t.equal(store.put(spec.hash, spec.config, r.runs[0]!, { engine: 'reduced', backend: 'cpu', wallMs: 1 }), true, 'the genuine run is stored');
  t.equal(
    store.put(spec.hash, spec.config, r.runs[0]!, { engine: 'reduced', backend: 'cpu', wallMs: 2 }),
    false,
    'a second copy is not written over the first',
  );
});

function writeSweep(dir: string): string {
  const f = join(dir, '..', `${dir.split('/').pop()}-sweep.json`);
  writeFileSync(f, JSON.stringify(sweep));
  return f;
}
