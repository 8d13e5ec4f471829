// Several processes on one result store: temporary files of live writers are never removed (those
// of dead writers are), a claim held by a live process is respected and one held by a dead process
// is taken over at once, and two or three sweeps started together split the work: each run is
// computed once, none fails, every stored run verifies.
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandSweep } from '../lib/experiments/sweep.js';
import { ResultStore } from '../lib/experiments/store.js';
import { HOST } from '../lib/experiments/claims.js';
import { cliPath } from './support/cli.js';
import { nodeCommand } from './support/node_command.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'loradyn-shared-'));
const children = new Set<ChildProcess>();
t.teardown(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(...nodeCommand(['-e', 'process.stdout.write(String(process.pid))']), { encoding: 'utf8' });
  return Number(r.stdout);
}

t.test('temporary files: only those of writers that are gone are removed', async (t) => {
  const dir = tmp();
  const store = ResultStore.open(dir);
  const sub = join(dir, 'runs', 'ab');
  mkdirSync(sub, { recursive: true });
  const h = 'ab' + '0'.repeat(62);
  const dead = deadPid();
  // A live writer of this machine: a child that sleeps.
  const live = spawn(...nodeCommand(['-e', 'setTimeout(() => {}, 60000)']), { stdio: 'ignore' });
  children.add(live);
  const files = {
    mine: `${h}.json.tmp-${process.pid}-aaaaaa@${HOST}`,
    liveChild: `${h}.json.tmp-${live.pid}-bbbbbb@${HOST}`,
    dead: `${h}.json.tmp-${dead}-cccccc@${HOST}`,
    deadOldFormat: `${h}.json.tmp-${dead}-dddddd`,
    otherHostRecent: `${h}.json.tmp-${dead}-eeeeee@some-other-host`,
    otherHostOld: `${h}.json.tmp-${dead}-ffffff@some-other-host`,
  };
  for (const f of Object.values(files)) writeFileSync(join(sub, f), '{"partial":');
  const twoHoursAgo = (Date.now() - 7_200_000) / 1000;
  utimesSync(join(sub, files.otherHostOld), twoHoursAgo, twoHoursAgo);
  t.equal(store.sweepTemporaries(), 3, 'three removed');
  const left = (k: keyof typeof files) => existsSync(join(sub, files[k]));
  t.ok(left('mine'), "this process's own file in flight is kept");
  t.ok(left('liveChild'), "a live process's file in flight is kept");
  t.notOk(left('dead'), 'a dead writer of this machine: removed');
  t.notOk(left('deadOldFormat'), 'the same in the name format without a host');
  t.ok(left('otherHostRecent'), "another machine's recent file is kept (its writer cannot be asked)");
  t.notOk(left('otherHostOld'), "another machine's file over an hour old is removed");
  live.kill('SIGKILL');
});

t.test('claims: a live holder is respected, a dead one is taken over at once', async (t) => {
  const dir = tmp();
  const store = ResultStore.open(dir);
  const h = 'cd' + '1'.repeat(62);
  const claimsJs = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'experiments', 'claims.js');
  const script = `import { RunClaims } from ${JSON.stringify(claimsJs)};
const c = await new RunClaims(${JSON.stringify(dir)}).tryClaim(${JSON.stringify(h)});
process.stdout.write(c ? 'claimed\\n' : 'busy\\n');
setTimeout(() => {}, 60000);`;
  const holder = spawn(...nodeCommand(['--input-type=module', '-e', script]), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(holder);
  const said = await new Promise<string>((r) => holder.stdout!.once('data', (d) => r(String(d).trim())));
  t.equal(said, 'claimed', 'another process claims the run');
  t.equal(await store.claims.tryClaim(h), null, 'this process cannot claim it while that process lives');
  t.equal(await store.claims.isClaimed(h), true);
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  const t0 = Date.now();
  const c = await store.claims.tryClaim(h);
  t.ok(c, 'the claim of the killed process is taken over');
  t.ok(Date.now() - t0 < store.claims.staleMs / 4, 'at once, not after the stale period');
  t.equal(await store.claims.tryClaim(h), null, 'a held claim is not claimed twice');
  await c!.release();
  t.equal(await store.claims.isClaimed(h), false, 'released');
  const again = await store.claims.tryClaim(h);
  t.ok(again, 'and can be claimed again');
  await again!.release();
});

// About 0.1 s of CPU per run, so that the sweeps overlap for a second or two.
const sweep = {
  name: 'shared',
  base: { engine: 'reduced', backend: 'cpu', model: { d: 1000, activation: 'erf' }, train: { batch: 300, steps: 8000 }, record: { points: 30 } },
  axes: { 'model.pretrained.mu': [0.2, 0.4, 0.6, 0.8] },
  seeds: { count: 5 },
};
const N = 20;

interface Result {
  code: number | null;
  out: string;
  counts: { cached: number; computed: number; failed: number; byPeers: number } | null;
}
function sweepProcess(sweepFile: string, out: string): Promise<Result> {
  const c = spawn(...nodeCommand([cliPath, 'sweep', sweepFile, '--out', out, '--jobs', '1', '--quiet']), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(c);
  let text = '';
  c.stdout!.on('data', (d) => (text += d));
  c.stderr!.on('data', (d) => (text += d));
  return new Promise((resolve) =>
    c.on('exit', (code) => {
      const m = /(\d+) run\(s\): (\d+) already stored, (\d+) computed, (\d+) failed(?:, (\d+) computed by another process)?/.exec(text);
      resolve({ code, out: text, counts: m ? { cached: Number(m[2]), computed: Number(m[3]), failed: Number(m[4]), byPeers: Number(m[5] ?? 0) } : null });
    }),
  );
}

for (const n of [2, 3]) {
  t.test(`${n} sweeps started together on one store: each run computed once, none failed`, async (t) => {
    const dir = tmp();
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify(sweep));
    const out = join(dir, 'store');
    const results = await Promise.all(Array.from({ length: n }, () => sweepProcess(file, out)));
    for (const [i, r] of results.entries()) {
      t.equal(r.code, 0, `sweep ${i + 1} exits 0`);
      t.ok(r.counts, `sweep ${i + 1} reports: ${r.out.trim().split('\n').pop()}`);
    }
    const counts = results.map((r) => r.counts!);
    t.equal(
      counts.reduce((a, c) => a + c.computed, 0),
      N,
      `the ${N} runs were computed ${N} times in all: ${counts.map((c) => c.computed).join(' + ')}`,
    );
    t.ok(
      counts.every((c) => c.failed === 0),
      'none failed',
    );
    t.ok(
      counts.every((c) => c.cached + c.computed + c.byPeers === N),
      'each sweep accounts for every run',
    );
    t.ok(counts.filter((c) => c.computed > 0).length >= 2, 'the work was split');
    const store = ResultStore.open(out, false);
    const hashes = expandSweep(sweep)
      .runs.map((r) => r.hash)
      .sort();
    t.same(store.hashes(), hashes, 'every run is stored');
    t.ok(
      hashes.every((h) => store.get(h) !== null),
      'and verifies',
    );
    t.equal(store.quarantined.length, 0);
    t.equal(store.sweepTemporaries(), 0, 'no temporary file left behind');
  });
}
