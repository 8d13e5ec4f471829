// The memory estimate (estimateMemory, native/core/engine/memory.hpp) against the peak
// resident memory a child process measures, at several sizes of every engine: within a
// factor 1.5 either way. And the limit: a call that does not fit is refused before it
// allocates, naming the field to lower and the estimate; the budget follows the cgroup.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { simulate, estimateMemory, parseConfig, ConfigError, type ConfigInput } from '../lib/index.js';
import { loadNative } from '../lib/native.js';
import { nodeCommand } from './support/node_command.js';

const index = fileURLToPath(new URL('../lib/index.js', import.meta.url));

// Runs `config` in a fresh process: its peak RSS above the RSS just before the call.
function measure(config: ConfigInput, threads: number): { peak: number; estimate: number } {
  const script = `
    import { simulate, estimateMemory, parseConfig } from ${JSON.stringify(index)};
    const config = ${JSON.stringify(config)};
    await simulate({ model: { d: 10 }, train: { steps: 2 }, backend: 'cpu' });  // load and warm up
    globalThis.gc?.();
    const before = process.memoryUsage.rss();
    const estimate = estimateMemory(parseConfig(config, ${threads}), { threads: ${threads} }).bytes;
    await simulate(config, { threads: ${threads} });
    const peak = process.resourceUsage().maxRSS * 1024 - before;
    process.stdout.write(JSON.stringify({ peak, estimate }));`;
  const r = spawnSync(...nodeCommand(['--expose-gc', '--input-type=module', '-e', script]), { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const cases: [string, ConfigInput, number][] = [
  ['full, d = 2e6, B = 1 (float inputs)', { model: { d: 2_000_000 }, train: { batch: 1, steps: 2 }, seeds: [1], backend: 'cpu' }, 1],
  ['full, d = 1e6, B = 1000 (16 batch parts, 2 workers)', { model: { d: 1_000_000 }, train: { batch: 1000, steps: 0 }, seeds: [1], backend: 'cpu' }, 2],
  [
    'full, d = 3e5, B = 64, rank 2, misaligned, 4 seeds on 2 threads',
    { model: { d: 300_000, rank: 2, pretrained: { kind: 'misaligned', mu: 0.5 } }, train: { batch: 64, steps: 0 }, seeds: [1, 2, 3, 4], backend: 'cpu' },
    2,
  ],
  ['reduced, B = 1e7', { engine: 'reduced', model: { d: 1000 }, train: { batch: 10_000_000, steps: 1 }, seeds: [1], backend: 'cpu' }, 1],
  [
    'ode, 100 seeds x 20000 record points',
    { engine: 'ode', model: { d: 1000 }, train: { steps: 20000 }, record: { points: 20000 }, seeds: { count: 100 }, backend: 'cpu' },
    2,
  ],
];

t.test('estimates within a factor 1.5 of the measured peak', async (t) => {
  for (const [what, config, threads] of cases) {
    const { peak, estimate } = measure(config, threads);
    const ratio = peak / estimate;
    t.comment(`${what}: estimate ${(estimate / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB, ratio ${ratio.toFixed(2)}`);
    t.ok(ratio > 1 / 1.5 && ratio < 1.5, `${what}: peak / estimate = ${ratio.toFixed(2)} in [0.67, 1.5]`);
  }
});

t.test('a call that does not fit is refused before it allocates, naming the field and the estimate', async (t) => {
  const refuse = async (config: ConfigInput, path: string, threads = 1) => {
    let e: unknown = null;
    await simulate(config, { threads, maxBytes: 64 * 2 ** 20 }).catch((x: unknown) => (e = x));
    t.ok(e instanceof ConfigError, `${path}: ConfigError (${(e as Error)?.message?.slice(0, 200)})`);
    const issue = (e as ConfigError).issues?.find((i) => i.path === path);
    t.ok(issue, `names ${path}`);
    t.match(issue?.message ?? '', /needs about [\d.]+ [MG]iB .*more than the 64\.0 MiB allowed \(maxBytes/, 'with the estimate and the limit');
  };
  await refuse({ model: { d: 10_000_000 }, train: { batch: 1, steps: 1 }, backend: 'cpu' }, 'model.d');
  await refuse({ model: { d: 500_000 }, train: { batch: 1000, steps: 1 }, backend: 'cpu' }, 'train.batch', 2);
  await refuse({ engine: 'reduced', model: { d: 1000 }, train: { batch: 1e9, steps: 1 }, backend: 'cpu' }, 'train.batch');
  await refuse({ model: { d: 40 }, train: { steps: 1000 }, record: { points: 1000 }, seeds: { count: 100_000 }, backend: 'cpu' }, 'record.points');
  // The batched call: the config that does not fit is named by its index.
  let e: unknown = null;
  const { simulateMany } = await import('../lib/index.js');
  await simulateMany(
    [
      { model: { d: 50 }, backend: 'cpu' },
      { model: { d: 10_000_000 }, train: { batch: 1 }, backend: 'cpu' },
    ],
    { maxBytes: 64 * 2 ** 20 },
  ).catch((x: unknown) => (e = x));
  t.ok(
    (e as ConfigError).issues?.some((i) => i.path === '[1].model.d'),
    'simulateMany names [1].model.d',
  );
  // parseConfig refuses it too (a sweep grid point), with LORADYN_MAX_BYTES.
  process.env.LORADYN_MAX_BYTES = String(64 * 2 ** 20);
  t.throws(() => parseConfig({ model: { d: 10_000_000 }, train: { batch: 1 }, backend: 'cpu' }), /model\.d: this call needs about/);
  delete process.env.LORADYN_MAX_BYTES;
});

t.test('reduced runs: only the rank-1 loop holds the whole batch', async (t) => {
  const B = 10_000_000;
  const bytes = (c: ConfigInput) =>
    estimateMemory(
      parseConfig(
        { engine: 'reduced', model: { d: 1000, ...(c.model ?? {}) }, train: { batch: B, steps: 1, ...(c.train ?? {}) }, seeds: [1], backend: 'cpu' },
        1,
      ),
      { threads: 1 },
    ).bytes;
  // Rank 1, one unit: B x 2 frame coordinates (160 MB at B = 1e7).
  const rank1 = bytes({});
  t.ok(rank1 >= B * 2 * 8, `rank 1 counts the batch: ${(rank1 / 2 ** 20).toFixed(1)} MiB`);
  // The general loop and the practice chain hold 2^16 samples at a time, whatever B.
  for (const [what, c] of [
    ['rank 2', { model: { rank: 2 } }],
    ['two units', { model: { hidden: 2 } }],
    ['momentum (the practice chain)', { train: { optimizer: { kind: 'momentum' } } }],
  ] as [string, ConfigInput][]) {
    const b = bytes(c);
    t.ok(b < 16 * 2 ** 20, `${what}: ${(b / 2 ** 20).toFixed(2)} MiB, not the batch`);
  }
  // So a batch of 1e9 at rank 2 fits in 64 MiB (it was refused as 40 GB before).
  const big = parseConfig({ engine: 'reduced', model: { d: 1000, rank: 2 }, train: { batch: 1e9, steps: 1 }, seeds: [1], backend: 'cpu' }, 1);
  t.ok(estimateMemory(big, { threads: 1, maxBytes: 64 * 2 ** 20 }).bytes < 64 * 2 ** 20);
});

t.test('the default limit: 3/4 of the least of physical memory and the cgroup limits', async (t) => {
  const est = estimateMemory(parseConfig({ model: { d: 100 } }));
  t.ok(est.limit > 0 && est.limit <= 0.75 * (await import('node:os')).totalmem() * 1.0001, `limit ${(est.limit / 2 ** 30).toFixed(1)} GiB: ${est.limitSource}`);
  t.match(est.limitSource, /^3\/4 of /);
  t.ok(est.jsLimit > 0 && est.jsBytes > 0);
  // The cgroup files, parsed by the core (a fake tree: this test does not touch real cgroups).
  const budget = loadNative().testing.memoryBudget;
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = mkdtempSync(join((await import('node:os')).tmpdir(), 'loradyn-cgroup-'));
  mkdirSync(join(root, 'memory', 'a', 'b'), { recursive: true });
  writeFileSync(join(root, 'memory', 'a', 'memory.limit_in_bytes'), String(2 ** 30));
  writeFileSync(join(root, 'memory', 'a', 'b', 'memory.limit_in_bytes'), '9223372036854771712');
  const v1 = budget(64 * 2 ** 30, '4:memory:/a/b\n0::/\n', root);
  t.equal(v1.bytes, 0.75 * 2 ** 30, "v1: the ancestor's 1 GiB limit applies");
  t.match(v1.source, /memory\.limit_in_bytes \(\/a\)/);
  mkdirSync(join(root, 'c'));
  writeFileSync(join(root, 'c', 'memory.max'), String(512 * 2 ** 20));
  const v2 = budget(64 * 2 ** 30, '0::/c\n', root);
  t.equal(v2.bytes, 0.75 * 512 * 2 ** 20, 'v2: memory.max');
  writeFileSync(join(root, 'c', 'memory.max'), 'max');
  t.equal(budget(8 * 2 ** 30, '0::/c\n', root).bytes, 0.75 * 8 * 2 ** 30, 'no limit: physical memory');
});
