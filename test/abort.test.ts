// An abort is observed inside a step, not only between steps: at d = 1e5, B = 1e5 (one step
// is 1e10 coordinate-samples, many seconds) and with a reduced batch of 2^24 samples, the call
// rejects soon after the signal (the reduced case runs 100 steps: since the chain's speed-up a
// few of its steps take less than the 1.5 s before the abort). The bound asserted is loose (the
// machine is shared); the latency measured is printed.
import t from 'tap';
import { simulate, AbortError, type ConfigInput } from '../lib/index.js';

async function latency(config: ConfigInput, afterMs: number): Promise<number> {
  const ac = new AbortController();
  const p = simulate(config, { signal: ac.signal, threads: 2 });
  await new Promise((r) => setTimeout(r, afterMs));
  const t0 = performance.now();
  ac.abort();
  try {
    await p;
  } catch (e) {
    if (!(e instanceof AbortError)) throw e;
    return performance.now() - t0;
  }
  throw new Error('the run finished before the abort');
}

t.test('abort inside one long step', async (t) => {
  const cases: [string, ConfigInput][] = [
    ['full d = 1e5, B = 1e5', { model: { d: 100_000 }, train: { batch: 100_000, steps: 3 }, seeds: [1], backend: 'cpu' }],
    ['full d = 1e5, B = 1e5, two seeds', { model: { d: 100_000 }, train: { batch: 100_000, steps: 3 }, seeds: [1, 2], backend: 'cpu' }],
    ['reduced B = 2^24', { engine: 'reduced', model: { d: 1000 }, train: { batch: 2 ** 24, steps: 100 }, seeds: [1], backend: 'cpu' }],
  ];
  for (const [what, config] of cases) {
    const ms = await latency(config, 1500);
    t.comment(`${what}: rejected ${ms.toFixed(1)} ms after the abort`);
    t.ok(ms < 1000, `${what}: AbortError within 1 s of the signal (${ms.toFixed(1)} ms; a step takes many seconds)`);
  }
});
