// Sweeps on a BullMQ queue over a real redis-server: two worker processes and a coordinator, a
// worker SIGKILLed mid-run, a coordinator crashed and restarted, Redis crashed and restarted, a run
// failing for a deterministic reason, progress, and clear errors for an unreachable queue or another
// schema version. Every result must equal the local executor's, bit for bit.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { expandSweep, runHash } from '../lib/experiments/sweep.js';
import { ResultStore } from '../lib/experiments/store.js';
import { runSweep } from '../lib/experiments/runner.js';
import { LocalExecutor, type RunOutcome } from '../lib/experiments/executor.js';
import { checkQueue, QueueError, queueTarget } from '../lib/queue/connection.js';
import { QueueExecutor, type ClusterStatus } from '../lib/queue/executor.js';
import { startWorker } from '../lib/queue/worker.js';
import { QUEUE_PREFIX, QUEUE_SCHEMA_VERSION } from '../lib/queue/protocol.js';
import { jobBound } from '../lib/queue/bounds.js';
import { cliPath, runCli } from './support/cli.js';
import { freePort, redisMissing, startRedis, type TestRedis } from './support/redis.js';
import { nodeCommand } from './support/node_command.js';

const missing = redisMissing();
if (missing) {
  t.plan(0, `skipped: ${missing}`);
} else {
  await main();
}

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'loradyn-queue-'));
  const redis: TestRedis = await startRedis();
  const children = new Set<ChildProcess>();
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  // Runs of about 0.3 s of CPU each, so a worker can be killed in the middle of one.
  const sweep = {
    name: 'queue-test',
    base: { engine: 'full', backend: 'cpu', model: { d: 200, activation: 'erf' }, train: { batch: 1, steps: 80_000 }, record: { points: 30 } },
    axes: { 'model.pretrained.mu': [0.3, 0.8] },
    seeds: { count: 3, base: 7 },
  };
  const sweepFile = join(scratch, 'sweep.json');
  writeFileSync(sweepFile, JSON.stringify(sweep));
  const hashes = expandSweep(sweep)
    .runs.map((r) => r.hash)
    .sort();

  // The reference: the same sweep on the local executor.
  const localDir = join(scratch, 'local');
  const localRep = await runSweep(sweep, ResultStore.open(localDir), { executor: new LocalExecutor(1) });
  t.equal(localRep.computed, hashes.length, 'local reference computed');
  const local = ResultStore.open(localDir, false);

  /** Every run in `dir` equals the local one: same config and the same run record, byte for byte. */
  const sameAsLocal = (t: Tap, dir: string) => {
    const store = ResultStore.open(dir, false);
    t.same(store.hashes(), hashes, 'every run is stored, under its hash');
    let identical = 0;
    for (const h of hashes) {
      const a = local.get(h)!;
      const b = store.get(h)!;
      if (JSON.stringify(a.run) === JSON.stringify(b.run) && JSON.stringify(a.config) === JSON.stringify(b.config)) identical++;
    }
    t.equal(identical, hashes.length, 'each stored run is identical to the local run (config and every recorded number)');
  };

  interface Proc {
    child: ChildProcess;
    out: string[];
    exit: Promise<number | null>;
    waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  }
  const launch = (args: string[]): Proc => {
    const child = spawn(...nodeCommand([cliPath, ...args]), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const out: string[] = [];
    let buf = '';
    const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        out.push(line);
        for (const w of [...waiters]) {
          if (!w.re.test(line)) continue;
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return {
      child,
      out,
      exit,
      waitFor(re, timeoutMs = 60_000) {
        const seen = out.find((l) => re.test(l));
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${out.join('\n')}`)), timeoutMs);
          waiters.push({
            re,
            resolve: (l) => {
              clearTimeout(timer);
              resolve(l);
            },
          });
        });
      },
    };
  };
  const worker = (queueName: string, lockMs: number) =>
    launch(['worker', '--queue', redis.url, '--queue-name', queueName, '--threads', '1', '--lock-ms', String(lockMs)]);
  const stopped = async (p: Proc) => {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    return p.exit;
  };
  /** Hash -> how many times a worker completed it (its 'completed' log lines). */
  const completions = (procs: Proc[]) => {
    const n = new Map<string, number>();
    for (const p of procs)
      for (const l of p.out) {
        const m = / completed ([0-9a-f]{64})$/.exec(l);
        if (m) n.set(m[1]!, (n.get(m[1]!) ?? 0) + 1);
      }
    return n;
  };
  type Tap = Pick<typeof t, 'same' | 'equal'>;

  await t.test('two workers, one SIGKILLed in the middle of a run: the run is retried by the other, every run done once', async (t) => {
    const w1 = worker('kill', 1000);
    const w2 = worker('kill', 1000);
    await Promise.all([w1.waitFor(/ready on queue/), w2.waitFor(/ready on queue/)]);
    const out = join(scratch, 'kill');
    const coord = launch(['sweep', sweepFile, '--out', out, '--queue', redis.url, '--queue-name', 'kill']);
    const started = await w1.waitFor(/ start [0-9a-f]{64}$/);
    const victim = started.slice(-64);
    w1.child.kill('SIGKILL');
    await w1.exit;
    t.equal(await coord.exit, 0, 'the coordinator finished');
    t.match(coord.out.join('\n'), /6 run\(s\): 0 already stored, 6 computed, 0 failed/);
    t.notOk(
      w1.out.some((l) => l.endsWith(`completed ${victim}`)),
      'the killed worker did not finish its run',
    );
    t.ok(
      w2.out.some((l) => l.endsWith(`completed ${victim}`)),
      'the other worker computed the killed run',
    );
    const n = completions([w1, w2]);
    t.same([...n.keys()].sort(), hashes, 'every run was completed');
    t.ok(
      [...n.values()].every((c) => c === 1),
      'and each exactly once',
    );
    t.match(coord.out.join('\n'), /queue: 6\/6 done, 0 running, 0 queued, 0 failed.* 0 running [1-6] done/, 'progress names the workers and their runs');
    sameAsLocal(t, out);
    const q = new Queue('kill', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    t.equal(await q.count(), 0, 'collected jobs are removed from Redis (their results are in the store)');
    await q.close();
    await stopped(w2);
  });

  await t.test('coordinator crashed and restarted, Redis crashed and restarted: nothing is enqueued or computed twice, nothing lost', async (t) => {
    const w = worker('restart', 3000);
    await w.waitFor(/ready on queue/);
    const out = join(scratch, 'restart');
    const c1 = launch(['sweep', sweepFile, '--out', out, '--queue', redis.url, '--queue-name', 'restart', '--quiet']);
    // After the worker's second finished run, stop it (its next run goes back to the queue), let the
    // coordinator collect what is finished, then crash the coordinator.
    const tw = Date.now();
    while (w.out.filter((l) => / completed /.test(l)).length < 2 && Date.now() - tw < 60_000) await new Promise((r) => setTimeout(r, 10));
    w.child.kill('SIGTERM');
    t.equal(await w.exit, 0, 'the first worker stops cleanly on SIGTERM');
    const finished = w.out.filter((l) => / completed /.test(l)).length;
    const t0 = Date.now();
    while (ResultStore.open(out, false).hashes().length < finished && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    c1.child.kill('SIGKILL');
    await c1.exit;
    const collected = ResultStore.open(out, false).hashes();
    t.ok(collected.length >= 2 && collected.length < 6, `coordinator killed with ${collected.length} of 6 runs collected`);
    t.equal(collected.length, finished, 'it had collected every run the worker finished');
    const before = new Map(collected.map((h) => [h, readFileSync(join(out, 'runs', h.slice(0, 2), `${h}.json`), 'utf8')]));
    // The coordinator is restarted; Redis crashes and comes back while it waits for the remaining runs.
    const c2 = launch(['sweep', sweepFile, '--out', out, '--queue', redis.url, '--queue-name', 'restart']);
    await c2.waitFor(/^queue: \d+\/\d+ done/);
    const beforeCrash = ResultStore.open(out, false).hashes().length;
    await redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await redis.restart();
    t.comment(`Redis crashed with ${beforeCrash} of 6 runs collected`);
    const w2 = worker('restart', 3000);
    t.equal(await c2.exit, 0, 'the restarted coordinator finished');
    t.match(c2.out.join('\n'), new RegExp(`6 run\\(s\\): ${collected.length} already stored, ${6 - collected.length} computed, 0 failed`));
    for (const [h, text] of before)
      t.equal(readFileSync(join(out, 'runs', h.slice(0, 2), `${h}.json`), 'utf8'), text, `run ${h.slice(0, 8)} collected before the crashes is untouched`);
    const n = completions([w, w2]);
    t.same([...n.keys()].sort(), hashes, 'every run was completed');
    t.ok(
      [...n.values()].every((c) => c === 1),
      'and each exactly once: finished runs were not enqueued again',
    );
    sameAsLocal(t, out);
    await w2.waitFor(/ready on queue/);
    t.equal(await stopped(w2), 0, 'the second worker stops cleanly on SIGTERM');
  });

  await t.test('a run failing for a deterministic reason is reported once and not retried; progress per worker', async (t) => {
    const target = queueTarget(redis.url, 'bad');
    const w = await startWorker(target, { threads: 1, lockMs: 1000, name: 'inproc' });
    t.teardown(() => w.close());
    const good = expandSweep({ ...sweep, axes: {}, seeds: [1, 2], base: { ...sweep.base, train: { batch: 1, steps: 2000 } } }).runs;
    // A config the worker refuses (the coordinator's checks were bypassed on purpose).
    const badConfig = { ...good[0]!.config, model: { ...good[0]!.config.model, d: -5 } };
    const bad = { ...good[0]!, config: badConfig, hash: runHash(badConfig) };
    const outcomes: RunOutcome[] = [];
    const statuses: ClusterStatus[] = [];
    const ex = new QueueExecutor(target, { pollMs: 200, attempts: 5, onStatus: (s) => statuses.push(s) });
    await ex.run([bad, ...good], { onDone: (o) => void outcomes.push(o) });
    t.equal(outcomes.length, 3, 'one outcome per run');
    const failed = outcomes.filter((o) => o.error);
    t.equal(failed.length, 1, 'the bad run is reported once');
    t.equal(failed[0]!.spec.hash, bad.hash);
    t.match(failed[0]!.error!.message, /model\.d/, 'the error names the field');
    const q = new Queue('bad', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    const job = await q.getJob(bad.hash);
    t.equal(job?.attemptsMade, 1, 'it was attempted once although 5 attempts were allowed');
    t.equal(await q.getJobState(bad.hash), 'failed');
    await q.close();
    const last = statuses.at(-1)!;
    t.same(
      { total: last.total, done: last.done, failed: last.failed, running: last.running, queued: last.queued },
      { total: 3, done: 2, failed: 1, running: 0, queued: 0 },
    );
    t.same(last.workers, { inproc: { running: 0, done: 2 } }, 'runs done per worker');
  });

  await t.test('a worker that is stopped puts its unfinished run back in the queue without spending an attempt', async (t) => {
    const target = queueTarget(redis.url, 'stop');
    const long = expandSweep({ ...sweep, axes: {}, seeds: [3], base: { ...sweep.base, train: { batch: 1, steps: 5_000_000 } } }).runs[0]!;
    const q = new Queue('stop', { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const w = await startWorker(target, { threads: 1, lockMs: 1000, log: (l) => l.startsWith('start ') && started() });
    await q.add('run', { hash: long.hash, config: long.config, bound: jobBound(long.config) }, { jobId: long.hash, attempts: 3 });
    await isStarted;
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await w.close();
    t.ok(Date.now() - t0 < 5000, 'close() cancels the run instead of waiting for it');
    t.equal(await q.getJobState(long.hash), 'waiting', 'the run is waiting for another worker');
    t.equal((await q.getJob(long.hash))?.attemptsMade, 0, 'no attempt was spent');
    await q.obliterate({ force: true });
    await q.close();
  });

  await t.test('unreachable queue and another schema version: clear errors', async (t) => {
    const port = await freePort();
    const t0 = Date.now();
    await t.rejects(
      checkQueue(queueTarget(`redis://127.0.0.1:${port}`)),
      new RegExp(`cannot reach the queue at redis://127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
    );
    t.ok(Date.now() - t0 < 10_000, 'fails fast, without retrying forever');
    const w = runCli(['worker', '--queue', `redis://127.0.0.1:${port}`], { timeoutMs: 30_000 });
    t.equal(w.code, 1);
    t.match(w.stderr, /loradyn worker: cannot reach the queue/);
    const s = runCli(['sweep', sweepFile, '--out', join(scratch, 'unreach'), '--queue', `redis://127.0.0.1:${port}`], { timeoutMs: 30_000 });
    t.equal(s.code, 2);
    t.match(s.stderr, /cannot reach the queue/);
    t.match(runCli(['worker', '--queue', 'http://x:1']).stderr, /must use redis:\/\//);
    t.match(runCli(['worker', '--queue', redis.url, '--backend', 'gpu']).stderr, /--backend must be one of cpu, cuda, auto/);

    const client = new Redis(redis.url);
    await client.set(`${QUEUE_PREFIX}:old:loradyn-schema`, String(QUEUE_SCHEMA_VERSION + 1));
    await client.quit();
    await t.rejects(checkQueue(queueTarget(redis.url, 'old')), QueueError);
    await t.rejects(
      checkQueue(queueTarget(redis.url, 'old')),
      new RegExp(`schema version "${QUEUE_SCHEMA_VERSION + 1}", this loradyn speaks version ${QUEUE_SCHEMA_VERSION}`),
    );
    const ws = runCli(['worker', '--queue', redis.url, '--queue-name', 'old'], { timeoutMs: 30_000 });
    t.equal(ws.code, 1);
    t.match(ws.stderr, new RegExp(`speaks loradyn queue schema version "${QUEUE_SCHEMA_VERSION + 1}"`));
  });
}
