// A thread that cannot be started is a clear error: the call rejects with NativeError
// LORADYN_THREADS, the threads already started are joined, nothing terminates or hangs, and
// the next call runs normally. Injected (every start of a call in turn) and, where this
// machine lets a test make a pids cgroup, for real through the CLI.
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { simulate, NativeError, type ConfigInput } from '../lib/index.js';
import { loadNative } from '../lib/native.js';
import { cliPath } from './support/cli.js';

const testing = loadNative().testing;
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

// Four seeds over four threads (parallel_for), and one seed whose batch is shared by four
// threads (the step's TaskPool); with onProgress the call also starts its runner thread.
const cases: { what: string; config: ConfigInput }[] = [
  { what: 'seeds over threads', config: { model: { d: 300 }, train: { batch: 8, steps: 20 }, seeds: [1, 2, 3, 4], backend: 'cpu' } },
  { what: 'one run, batch parts over threads', config: { model: { d: 300 }, train: { batch: 256, steps: 5 }, seeds: [1], backend: 'cpu' } },
  { what: 'reduced', config: { engine: 'reduced', model: { d: 300 }, train: { batch: 8, steps: 20 }, seeds: [1, 2, 3, 4], backend: 'cpu' } },
];

t.test('every thread start of a call may fail: a clear error, then the next call runs', async (t) => {
  for (const c of cases) {
    const good = await simulate(c.config, { threads: 4 });
    let failures = 0;
    for (let nth = 1; nth <= 6; nth++) {
      testing.injectThreadFailure(nth);
      try {
        await simulate(c.config, { threads: 4, onProgress: () => {} });
      } catch (e) {
        failures++;
        t.ok(e instanceof NativeError, `${c.what}, start ${nth} refused: a NativeError (${(e as Error).message.slice(0, 80)})`);
        t.equal((e as NativeError).code, 'LORADYN_THREADS');
        t.match((e as Error).message, /could not start .*thread.*lower the thread count/);
      } finally {
        testing.injectThreadFailure(0);
      }
      const again = await simulate(c.config, { threads: 4 });
      t.equal(bits(again.runs[0]!.m), bits(good.runs[0]!.m), `${c.what}: after start ${nth} failed, a run gives the same bits`);
    }
    t.ok(failures >= 2, `${c.what}: at least the runner and one worker start were refused (${failures})`);
  }
});

// A real limit: a pids cgroup (v1 under /sys/fs/cgroup/pids, or v2) with room for Node's own
// threads but not for 64 workers.
function pidsCgroup(): string | null {
  const roots = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup'];
  for (const root of roots) {
    if (!existsSync(join(root, 'cgroup.procs'))) continue;
    if (root === '/sys/fs/cgroup' && !existsSync(join(root, 'cgroup.subtree_control'))) continue;
    const dir = join(root, `loradyn-test-${process.pid}`);
    try {
      mkdirSync(dir);
      if (!existsSync(join(dir, 'pids.max'))) {
        rmdirSync(dir);
        continue;
      }
      return dir;
    } catch {
      // not allowed here: try the next hierarchy
    }
  }
  return null;
}

t.test('inside a pids cgroup, --threads 64 and 256 fail clearly instead of terminating or hanging', async (t) => {
  const cg = pidsCgroup();
  if (!cg) {
    t.comment('no pids cgroup can be made here (the injected failures above cover the same paths)');
    return;
  }
  t.teardown(() => rmdirSync(cg));
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-threads-'));
  const cfg = join(dir, 'many.json');
  writeFileSync(cfg, JSON.stringify({ model: { d: 2000 }, train: { batch: 64, steps: 200 }, seeds: { count: 256 }, backend: 'cpu' }));
  for (const [max, threads] of [
    [40, 64],
    [24, 256],
  ] as const) {
    writeFileSync(join(cg, 'pids.max'), String(max));
    const t0 = Date.now();
    const r = spawnSync(
      'sh',
      ['-c', `echo $$ > ${join(cg, 'cgroup.procs')} && exec "${process.execPath}" "${cliPath}" simulate "${cfg}" --threads ${threads} --quiet`],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    t.not(r.signal, 'SIGTERM', `pids.max ${max}, --threads ${threads}: did not hang (${Date.now() - t0} ms)`);
    t.equal(r.status, 1, `exit 1 (a runtime failure): ${r.stderr.slice(0, 300)}`);
    t.match(r.stderr, /could not start .*thread/, 'says which thread could not start');
    t.notMatch(r.stderr, /terminate called/, 'no std::terminate');
  }
});
