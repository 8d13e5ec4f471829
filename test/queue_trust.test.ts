// The queue keeps the truth, over real redis-server processes that the test starts and stops:
// - a rogue worker's forged and malformed results are rejected, counted and logged, their runs sent
//   back and after a bounded number of rejections reported failed; nothing forged is stored;
// - a malformed result left in Redis by a rogue worker does not crash a coordinator (it used to, on
//   every restart): it is rejected, an honest worker computes the run, every run matches a local one;
// - workers refuse jobs over their limits (--max-work, memory, one seed, a bound that is not the
//   config's) and stop one that runs past --max-seconds;
// - the connection comes from LORADYN_REDIS_URL or --queue, with a password (never printed, masked in
//   the process's command line) and over TLS (rediss://).
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { expandSweep, runHash, type RunSpec } from '../lib/experiments/sweep.js';
import { ResultStore } from '../lib/experiments/store.js';
import { runSweep } from '../lib/experiments/runner.js';
import { LocalExecutor } from '../lib/experiments/executor.js';
import { queueTarget } from '../lib/queue/connection.js';
import { QueueExecutor, type ClusterStatus } from '../lib/queue/executor.js';
import { startWorker } from '../lib/queue/worker.js';
import { sizeArg } from '../lib/cli/worker.js';
import { jobBound } from '../lib/queue/bounds.js';
import { QUEUE_PREFIX, type RunJobData } from '../lib/queue/protocol.js';
import { simulate } from '../lib/simulate.js';
import { runToJson } from '../lib/result_json.js';
import { cliPath, runCli } from './support/cli.js';
import { makeCertificates, redisMissing, startRedis, tlsMissing, type TestRedis } from './support/redis.js';
import { nodeCommand } from './support/node_command.js';

const missing = redisMissing();
if (missing) t.plan(0, `skipped: ${missing}`);
else await main();

type Tap = Pick<typeof t, 'same' | 'equal'>;

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'loradyn-trust-'));
  const redis: TestRedis = await startRedis();
  const children = new Set<ChildProcess>();
  const closers: (() => Promise<unknown>)[] = [];
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const c of closers) await c().catch(() => {});
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  // Six runs of a few milliseconds each.
  const sweep = {
    name: 'trust',
    base: { engine: 'reduced', backend: 'cpu', model: { d: 500, activation: 'linear' }, train: { batch: 100, steps: 600 }, record: { points: 20 } },
    axes: { 'model.pretrained.mu': [0.3, 0.7] },
    seeds: { count: 3, base: 11 },
  };
  const sweepFile = join(scratch, 'sweep.json');
  writeFileSync(sweepFile, JSON.stringify(sweep));
  const specs = expandSweep(sweep).runs;
  const hashes = specs.map((r) => r.hash).sort();
  const localDir = join(scratch, 'local');
  await runSweep(sweep, ResultStore.open(localDir), { executor: new LocalExecutor(1) });
  const local = ResultStore.open(localDir, false);
  const sameAsLocal = (t: Tap, dir: string) => {
    const store = ResultStore.open(dir, false);
    t.same(store.hashes(), hashes, 'every run is stored');
    t.equal(
      hashes.filter((h) => JSON.stringify(store.get(h)?.run) === JSON.stringify(local.get(h)!.run)).length,
      hashes.length,
      'each equal to the local run, number for number',
    );
  };

  const queue = (name: string) => {
    const q = new Queue<RunJobData>(name, { connection: { url: redis.url }, prefix: QUEUE_PREFIX });
    closers.push(() => q.close());
    return q;
  };
  const genuine = async (config: RunSpec['config']) => runToJson((await simulate(config, { threads: 1 })).runs[0]!);
  const envelope = (run: unknown, worker = 'rogue') => ({ run, backend: 'cpu', wallMs: 1, worker, version: '0.1.0' });

  /** A worker that answers every job with a forgery, a different kind each time. */
  const forgeries: { name: string; make: (job: Job<RunJobData>) => Promise<unknown> }[] = [
    {
      name: 'escape at step 1',
      make: async (j) => {
        const r = await genuine(j.data.config);
        r.escape['0.5'] = 1;
        return envelope(r);
      },
    },
    { name: 'an extra field in the run', make: async (j) => envelope({ ...(await genuine(j.data.config)), verified: true }) },
    { name: 'an extra field in the result', make: async (j) => ({ ...envelope(await genuine(j.data.config)), admin: true }) },
    { name: 'a string', make: async () => 'garbage' },
    { name: 'a run that is null', make: async () => envelope(null) },
    {
      name: 'a shortened m',
      make: async (j) => {
        const r = await genuine(j.data.config);
        r.m.pop();
        return envelope(r);
      },
    },
    { name: "another seed's run", make: async (j) => envelope(await genuine({ ...j.data.config, seeds: [(j.data.config.seeds as number[])[0]! + 100] })) },
    { name: 'an oversized result', make: async () => envelope('x'.repeat(400_000)) },
    {
      name: 'a string among the numbers',
      make: async (j) => {
        const r = (await genuine(j.data.config)) as unknown as { m: unknown[] };
        r.m[1] = '0.5';
        return envelope(r);
      },
    },
    {
      name: 'more steps than asked',
      make: async (j) => {
        const r = await genuine(j.data.config);
        r.stepsDone += 1000;
        r.step[r.step.length - 1]! += 1000;
        return envelope(r);
      },
    },
    {
      name: 'terminal escapes in the name',
      make: async (j) => {
        const r = await genuine(j.data.config);
        r.escape['0.5'] = 1;
        return envelope(r, 'evil\u001b[2J\u001b[31mname');
      },
    },
    { name: 'a missing step array', make: async () => envelope({ step: [0] }) },
  ];
  const rogueWorker = (name: string, pick: (n: number) => number) => {
    let n = 0;
    const w = new Worker<RunJobData>(name, async (job) => forgeries[pick(n++)]!.make(job), {
      connection: { url: redis.url },
      prefix: QUEUE_PREFIX,
      concurrency: 1,
    });
    closers.push(() => w.close());
    return w;
  };

  await t.test(
    'a rogue worker: every forged or malformed result is rejected, counted and logged; runs fail after 2 rejections; nothing forged is stored',
    async (t) => {
      const rogue = rogueWorker('rogue', (n) => n % forgeries.length);
      t.teardown(() => rogue.close());
      const warnings: string[] = [];
      const statuses: ClusterStatus[] = [];
      const dir = join(scratch, 'rogue');
      const store = ResultStore.open(dir);
      const ex = new QueueExecutor(queueTarget(redis.url, 'rogue'), {
        pollMs: 200,
        maxRejections: 2,
        onWarning: (m) => warnings.push(m),
        onStatus: (s) => statuses.push(s),
      });
      const rep = await runSweep(sweep, store, { executor: ex });
      t.same([rep.computed, rep.failed.length], [0, 6], 'no run stored, all six reported failed');
      t.equal(statuses.at(-1)!.rejected, 12, '12 results rejected (2 per run)');
      const rejections = warnings.filter((w) => w.startsWith('rejected the result of run'));
      t.equal(rejections.length, 12, 'each rejection logged');
      t.equal(rejections.filter((w) => w.endsWith('the run goes back to the workers')).length, 6, 'the first of each run sends it back');
      t.equal(rejections.filter((w) => w.endsWith('the run has failed')).length, 6, 'the second fails it');
      const expect: [string, RegExp][] = [
        ['escape at step 1', /escape\[0\.5\] = 1 but max \|m\| = \S+ < 0\.5/],
        ['an extra field in the run', /run: unknown field\(s\) "verified"/],
        ['an extra field in the result', /not a job result: unknown field\(s\) "admin"/],
        ['a string', /not a job result/],
        ['a run that is null', /run: .*(object|expected)/i],
        ['a shortened m', /m has \d+ values, expected \d+/],
        ["another seed's run", /seed is \d+, the config's seed is/],
        ['an oversized result', /the result takes \d+ characters, more than a run of this config can/],
        ['a string among the numbers', /run\.m\.1/],
        ['more steps than asked', /beyond train\.steps 600/],
        ['a missing step array', /run\.(seed|rank|t|m)/],
      ];
      for (const [what, re] of expect)
        t.ok(
          rejections.some((w) => re.test(w)),
          `${what}: rejected with its reason`,
        );
      t.ok(
        rejections.some((w) => w.includes('from worker evil?[2J?[31mname')),
        'a worker name is shown without its terminal escapes',
      );
      t.notOk(
        rejections.some((w) => w.includes('\u001b')),
        'no escape character reaches the log',
      );
      t.ok(
        rep.failed.every((f) => /2 result\(s\) returned through the queue were rejected; the last: /.test(f.error)),
        'each failure says why',
      );
      t.same(store.hashes(), [], 'nothing forged was stored');
      t.equal(await queue('rogue').count(), 0, 'the failed jobs were removed from Redis');
    },
  );

  await t.test('a malformed result left in Redis does not crash the coordinator: it is rejected and an honest worker computes the run', async (t) => {
    // The rogue completes every job while no coordinator runs, with a result that crashed the old one.
    const q = queue('crash');
    await q.addBulk(
      specs.map((s) => ({
        name: 'run',
        data: { hash: s.hash, config: s.config, bound: jobBound(s.config) },
        opts: { jobId: s.hash, attempts: 3, removeOnComplete: false, removeOnFail: false },
      })),
    );
    const rogue = rogueWorker('crash', () => forgeries.findIndex((f) => f.name === 'a missing step array'));
    const t0 = Date.now();
    while ((await q.getCompletedCount()) < specs.length && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    await rogue.close();
    t.equal(await q.getCompletedCount(), 6, 'six malformed results wait in Redis');
    const honest = spawn(...nodeCommand([cliPath, 'worker', '--queue', redis.url, '--queue-name', 'crash', '--threads', '1']), { stdio: 'ignore' });
    children.add(honest);
    const out = join(scratch, 'crash');
    const coord = runCliAsync(['sweep', sweepFile, '--out', out, '--queue', redis.url, '--queue-name', 'crash']);
    const r = await coord;
    honest.kill('SIGTERM');
    t.equal(r.code, 0, 'the coordinator finishes');
    t.match(r.stdout, /6 run\(s\): 0 already stored, 6 computed, 0 failed/);
    t.equal(
      (r.stderr.match(/queue: rejected the result of run [0-9a-f]{64} from worker rogue \(1 of 3\)/g) ?? []).length,
      6,
      'each malformed result rejected once, and said',
    );
    t.notOk(/TypeError| {4}at /.test(r.stderr), 'no stack trace');
    sameAsLocal(t, out);
  });

  await t.test('job bounds: a worker refuses jobs over its limits, of several seeds or with a false bound, and stops one past --max-seconds', async (t) => {
    const target = queueTarget(redis.url, 'bounds');
    const w = await startWorker(target, { threads: 1, lockMs: 1000, name: 'bounded', maxWork: 1e7, maxBytes: 2e6 });
    closers.push(() => w.close());
    const small = specs[0]!;
    const mk = (patch: Record<string, unknown>, seed = 1) => expandSweep({ ...sweep, axes: {}, seeds: [seed], base: { ...sweep.base, ...patch } }).runs[0]!;
    const bigWork = mk({ train: { batch: 1000, steps: 100_000 } });
    // Within the work bound (10 x 1 x 2e5 x 1 = 2e6) but its full-d state is about 10 MB by the
    // core's estimate, over the 2 MB allowed.
    const bigMemory = mk({ engine: 'full', model: { d: 200_000, activation: 'linear' }, train: { batch: 1, steps: 10 } });
    const ex = new QueueExecutor(target, { pollMs: 200 });
    const outcomes: { hash: string; error?: string }[] = [];
    await ex.run([small, bigWork, bigMemory], { onDone: (o) => void outcomes.push({ hash: o.spec.hash, error: o.error?.message }) });
    const by = new Map(outcomes.map((o) => [o.hash, o.error]));
    t.equal(by.get(small.hash), undefined, 'a job within the limits is computed');
    t.match(
      by.get(bigWork.hash),
      /refused by worker bounded: its work 3\.00e8 \(steps x batch x \(rank \+ hidden \+ 1\) x seeds\) is over this worker's --max-work 1\.00e7/,
    );
    t.match(
      by.get(bigMemory.hash),
      /refused by worker bounded: it needs about \d+\.\d+ GiB by the engine's estimate, over this worker's 0\.00 GiB per job \(--max-memory\)/,
    );
    const q = queue('bounds');
    t.equal((await q.getJob(bigWork.hash))?.attemptsMade, 1, 'refused once, not retried');

    // Jobs written straight into Redis, past the coordinator's checks.
    const forged = async (id: string, data: unknown) => {
      await q.add('run', data as RunJobData, { jobId: id, attempts: 3 });
      const t0 = Date.now();
      while ((await q.getJobState(id)) !== 'failed' && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
      return (await q.getJob(id))?.failedReason ?? '';
    };
    const many = { ...small.config, seeds: { count: 20_000, base: 0 } };
    t.match(
      await forged('many-seeds', { hash: runHash(many as RunSpec['config']), config: many, bound: jobBound(many as RunSpec['config']) }),
      /a job is one run \(one seed\)/,
      '20 000 seeds in one job: refused',
    );
    t.match(
      await forged('false-bound', { hash: small.hash, config: small.config, bound: { work: 1, bytes: 1 } }),
      /the job's work bound \{"work":1,"bytes":1\} is not that of its config/,
      'a bound that understates the work: refused',
    );
    t.match(
      await forged('no-bound', { hash: small.hash, config: small.config }),
      /the job's work bound null is not that of its config/,
      'a job without a bound: refused',
    );
    t.match(await forged('not-a-job', 'hello'), /not a loradyn run job/, 'data that is not a job: refused');
    const huge = { ...small.config, train: { ...small.config.train, steps: 2 ** 52 } };
    t.match(
      await forged('huge-steps', { hash: runHash(huge), config: huge, bound: jobBound(huge) }),
      /its work 1\.35e18 .* is over this worker's --max-work/,
      'steps = 2^52: refused',
    );
    await w.close();

    const slowTarget = queueTarget(redis.url, 'slow');
    const sw = await startWorker(slowTarget, { threads: 1, lockMs: 1000, name: 'timed', maxSeconds: 1 });
    closers.push(() => sw.close());
    const long = mk({ train: { batch: 100, steps: 5_000_000 } });
    const t0 = Date.now();
    const slow: { error?: string }[] = [];
    await new QueueExecutor(slowTarget, { pollMs: 200 }).run([long], { onDone: (o) => void slow.push({ error: o.error?.message }) });
    t.match(slow[0]?.error, /stopped by worker timed: still running after 1 s \(--max-seconds 1\)/, 'a job past --max-seconds is stopped and failed');
    t.ok(Date.now() - t0 < 15_000, `within seconds (${Date.now() - t0} ms)`);
    await sw.close();

    const r = runCli(['worker', '--queue', redis.url, '--max-work', 'lots']);
    t.equal(r.code, 2, 'a bad limit is a usage error');
    t.match(r.stderr, /--max-work must be a number >= 1 \(got "lots"\)/);
    t.same(
      ['4G', '512M', '1.5GiB', '100000', '2kb'].map((v) => sizeArg(v)),
      [4 * 2 ** 30, 512 * 2 ** 20, 1.5 * 2 ** 30, 100000, 2048],
      '--max-memory sizes',
    );
    t.throws(() => sizeArg('4 apples'), /--max-memory must be a size such as 4G/);
  });

  await t.test('connection: LORADYN_REDIS_URL or --queue, a password never printed nor left in the command line', async (t) => {
    const secret = 'pw-s3cret-4711';
    const locked = await startRedis({ password: secret });
    closers.push(() => locked.stop());
    const env = { ...process.env, LORADYN_REDIS_URL: locked.url };
    // From the flag: warned about, and masked in what ps shows and in what the worker prints.
    const w2 = launch(['worker', '--queue', locked.url, '--queue-name', 'pw', '--threads', '1'], process.env);
    await w2.waitFor(/ready on queue "pw"/);
    t.match(w2.text(), /at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/, 'the URL is shown with the password masked');
    t.match(w2.text(), /warning: a password on the command line can be seen by other users .* LORADYN_REDIS_URL/);
    if (process.platform === 'linux') {
      const cmdline = readFileSync(`/proc/${w2.child.pid}/cmdline`, 'utf8');
      t.notOk(cmdline.includes(secret), `the password is not in /proc/PID/cmdline (${cmdline.replace(/\0/g, ' ').trim()})`);
      t.match(cmdline, /redis:\/\/:\*\*\*@/);
    }
    // A sweep with a bare --queue takes the URL from the environment.
    const out = join(scratch, 'pw');
    const s = await runCliAsync(['sweep', sweepFile, '--out', out, '--queue', '--queue-name', 'pw'], env);
    t.equal(s.code, 0, s.stderr);
    t.match(s.stdout, /6 computed, 0 failed/);
    sameAsLocal(t, out);
    w2.child.kill('SIGTERM');
    await w2.exit;
    t.notOk(w2.text().includes(secret), 'the worker never printed the password');
    t.notOk(s.stdout.includes(secret) || s.stderr.includes(secret), 'the coordinator never printed the password');

    const wrong = await runCliAsync(['worker'], { ...process.env, LORADYN_REDIS_URL: locked.url.replace(encodeURIComponent(secret), 'not-the-password') });
    t.equal(wrong.code, 1);
    t.match(wrong.stderr, /the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? refused the connection: .*(WRONGPASS|invalid).*give the password in the URL/);
    t.notOk(wrong.stderr.includes('not-the-password'), 'a wrong password is not printed either');
    const none = await runCliAsync(['worker'], { ...process.env, LORADYN_REDIS_URL: '' });
    t.equal(none.code, 2);
    t.match(none.stderr, /no queue given: pass --queue redis:\/\/HOST:PORT, or set LORADYN_REDIS_URL/);
    const bad = runCli(['sweep', sweepFile, '--out', join(scratch, 'x'), '--queue', 'redis//:hidden-pw@host']);
    t.notOk(bad.stderr.includes('hidden-pw'), 'a malformed URL is not echoed with its password');
    await locked.stop();
  });

  const noTls = tlsMissing();
  await t.test('TLS: rediss:// with a password and a private CA (NODE_EXTRA_CA_CERTS)', { skip: noTls ?? false }, async (t) => {
    const certs = makeCertificates(mkdtempSync(join(scratch, 'tls-')));
    const secret = 'tls-pw-0815';
    const tls = await startRedis({ password: secret, tls: certs });
    closers.push(() => tls.stop());
    t.match(tls.url, /^rediss:\/\/:tls-pw-0815@localhost:\d+$/);
    const env = { ...process.env, LORADYN_REDIS_URL: tls.url, NODE_EXTRA_CA_CERTS: certs.ca };
    const untrusted = await runCliAsync(['worker'], { ...process.env, LORADYN_REDIS_URL: tls.url });
    t.equal(untrusted.code, 1, 'without the CA the worker refuses the server');
    t.match(untrusted.stderr, /cannot verify the TLS certificate of the queue at rediss:\/\/:\*\*\*@localhost:\d+\/?: .* NODE_EXTRA_CA_CERTS/);
    const w = launch(['worker', '--queue-name', 'tls', '--threads', '1'], env);
    await w.waitFor(/ready on queue "tls" at rediss:\/\/:\*\*\*@localhost/);
    const out = join(scratch, 'tls');
    const s = await runCliAsync(['sweep', sweepFile, '--out', out, '--queue', '--queue-name', 'tls'], env);
    t.equal(s.code, 0, s.stderr);
    t.match(s.stdout, /6 computed, 0 failed/);
    sameAsLocal(t, out);
    w.child.kill('SIGTERM');
    await w.exit;
    await tls.stop();
  });

  function launch(args: string[], env: NodeJS.ProcessEnv) {
    const child = spawn(...nodeCommand([cliPath, ...args]), { stdio: ['ignore', 'pipe', 'pipe'], env });
    children.add(child);
    let buf = '';
    const waiters: { re: RegExp; resolve: () => void }[] = [];
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (const w of [...waiters]) {
        if (!w.re.test(buf)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    return {
      child,
      exit,
      text: () => buf,
      waitFor(re: RegExp, timeoutMs = 30_000) {
        if (re.test(buf)) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${buf}`)), timeoutMs);
          waiters.push({
            re,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
          void exit.then(() => reject(new Error(`exited while waiting for ${re}:\n${buf}`)));
        });
      },
    };
  }
  function runCliAsync(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(...nodeCommand([cliPath, ...args]), { stdio: ['ignore', 'pipe', 'pipe'], env });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  }
}
