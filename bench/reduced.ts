// Exact reduced chain: steps/s at d = 1e3 ... 1e9 (its cost must not grow with d), B = 1 and
// 500, rank 1, linear, one core, beside full-d loradyn and the numpy peer of the same chain.
import { simulate, type ConfigInput } from '../lib/index.js';
import { printTable, runPeer, writeResults } from './harness.js';

const dims = [1e3, 1e4, 1e6, 1e9];
const batches = [1, 500];
// Same per-sample learning rate at both batch sizes: eta = 0.2 at B = 500 (the paper's).
const etaFor = (B: number) => (0.2 * B) / 500;

function cfg(engine: 'full' | 'reduced', d: number, B: number, steps: number, rank = 1): ConfigInput {
  return {
    model: { d, activation: 'linear', rank, pretrained: { kind: 'aligned', mu: 0.5 } },
    train: { batch: B, eta: etaFor(B), steps },
    record: { points: 20 },
    engine, seeds: [1], backend: 'cpu',
  };
}

// Steps per CPU-second of this process (one native worker thread plus the idle event loop):
// on a shared machine wall time measures the neighbours, CPU time measures the code.
async function stepsPerSecond(c: ConfigInput): Promise<number> {
  const t0 = process.cpuUsage();
  const r = await simulate(c, { threads: 1 });
  const used = process.cpuUsage(t0);
  const s = r.runs[0]!.step.at(-1)!;
  return s / ((used.user + used.system) / 1e6);
}

export async function benchReduced(opts: { seconds?: number } = {}) {
  const seconds = opts.seconds ?? 1;
  const rows = [];
  for (const B of batches) {
    // Steps sized for about `seconds` at ~1e7 steps/s (B = 1) or ~3e7 samples/s (B = 500).
    const steps = B === 1 ? Math.round(1e7 * seconds) : Math.round((3e7 * seconds) / B);
    await stepsPerSecond(cfg('reduced', 1e3, B, Math.max(10, steps / 10)));  // warm-up
    for (const d of dims) {
      const ours = await stepsPerSecond(cfg('reduced', d, B, steps));
      const rank2 = await stepsPerSecond(cfg('reduced', d, B, Math.max(10, Math.round(steps / 3)), 2));
      const peerSteps = B === 1 ? 200_000 : 20_000;
      const peer = runPeer('reduced_numpy.py', [String(d), String(B), String(peerSteps), String(etaFor(B))]);
      // Full-d SGD only where it fits in a few seconds.
      const fullSteps = Math.round((2e7 * seconds) / (d * B));
      const full = fullSteps >= 5 ? await stepsPerSecond(cfg('full', d, B, fullSteps)) : NaN;
      rows.push({ d, batch: B, reducedStepsPerS: ours, reducedRank2StepsPerS: rank2, numpyStepsPerS: peer.steps_per_s!, fullStepsPerS: full, speedupVsNumpy: ours / peer.steps_per_s!, speedupVsFull: ours / full });
    }
  }
  printTable(
    'exact reduced chain, rank 1 (and rank 2), linear, one thread (steps per CPU-second)',
    ['d', 'B', 'reduced r=1', 'reduced r=2', 'numpy peer r=1', 'full-d loradyn', 'vs numpy', 'vs full'],
    rows.map((r) => [r.d, r.batch, r.reducedStepsPerS, r.reducedRank2StepsPerS, r.numpyStepsPerS, r.fullStepsPerS, r.speedupVsNumpy, r.speedupVsFull]),
  );
  for (const B of batches) {
    const sel = rows.filter((r) => r.batch === B).map((r) => r.reducedStepsPerS);
    process.stdout.write(`B = ${B}: steps/s ratio d = 1e3 over d = 1e9: ${(sel[0]! / sel.at(-1)!).toFixed(3)} (max/min over d: ${(Math.max(...sel) / Math.min(...sel)).toFixed(3)})\n`);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchReduced();
  process.stdout.write(`wrote ${writeResults('reduced', rows)}\n`);
}
