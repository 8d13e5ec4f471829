// The async API: typed results without copies, progress, cancellation, info().
import t from 'tap';
import { simulate, info, AbortError } from '../lib/index.js';

t.test('info() reports version, build, threads and backends', async (t) => {
  const i = info();
  t.match(i.version, /^\d+\.\d+\.\d+/);
  t.ok(i.threads >= 1);
  t.equal(i.backends.cpu.available, true);
  t.ok(i.backends.cpu.engines?.includes('full'));
  if (!i.backends.cuda.available) t.match(i.backends.cuda.reason, /\w+/, 'CUDA unavailable comes with a reason');
});

t.test('results are typed arrays with the documented shapes', async (t) => {
  const r = await simulate({
    model: { d: 50, rank: 2, hidden: 3, activation: 'tanh' },
    train: { steps: 100, batch: 4 },
    seeds: [1, 2],
    record: { points: 10, thresholds: [0.5, 0.9] },
    backend: 'cpu',
  });
  t.equal(r.runs.length, 2);
  t.equal(r.backend, 'cpu');
  const run = r.runs[0]!;
  const P = run.step.length;
  t.ok(run.m instanceof Float64Array);
  t.equal(run.m.length, P * 2 * 3);
  t.equal(run.u.length, P * 3 * 2);
  t.equal(run.M.length, P * 9);
  t.equal(run.popLoss.length, P);
  t.equal(run.step[P - 1], 100);
  t.same(Object.keys(run.escape), ['0.5', '0.9']);
  t.equal(run.stepsDone, 100);
  t.equal(run.divergedStep, null);
  // Zero-copy: each array owns an external buffer of exactly its size.
  t.equal(run.m.byteOffset, 0);
  t.equal(run.m.buffer.byteLength, run.m.byteLength);
});

t.test('onProgress reports steps up to the total', async (t) => {
  const seen: number[] = [];
  const r = await simulate(
    { model: { d: 4000 }, train: { steps: 200, batch: 200 }, seeds: { count: 2 }, backend: 'cpu' },
    { onProgress: (p) => seen.push(p.fraction) },
  );
  t.equal(r.runs.length, 2);
  t.ok(seen.length >= 1, `progress called ${seen.length} times`);
  t.ok(
    seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!)),
    'fractions rise within [0, 1]',
  );
});

t.test('AbortSignal stops a long run within a fraction of a second', async (t) => {
  const ac = new AbortController();
  const t0 = performance.now();
  const p = simulate({ model: { d: 10000 }, train: { steps: 1e9, batch: 500 }, seeds: { count: 2 }, backend: 'cpu' }, { signal: ac.signal });
  setTimeout(() => ac.abort(), 200);
  await t.rejects(p, AbortError);
  const ms = performance.now() - t0 - 200;
  t.ok(ms < 500, `stopped ${ms.toFixed(0)} ms after abort`);
});

t.test('an already aborted signal rejects at once', async (t) => {
  const ac = new AbortController();
  ac.abort();
  await t.rejects(simulate({ model: { d: 10 }, train: { steps: 10 } }, { signal: ac.signal }), AbortError);
});

t.test('the event loop stays free while native work runs', async (t) => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  await simulate({ model: { d: 2000 }, train: { steps: 300, batch: 500 }, seeds: { count: 2 }, backend: 'cpu' });
  clearInterval(timer);
  t.ok(ticks >= 3, `timer ticked ${ticks} times during the run`);
});
