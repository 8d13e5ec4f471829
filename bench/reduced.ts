// Exact reduced chain, one core, linear, aligned mu = 0.5:
// 1. steps/s at d = 1e3 ... 1e9 (its cost must not grow with d), B = 1 and 500, rank 1 (and 2),
//    beside full-d loradyn and the numpy peer of the same chain;
// 2. the general loop (rank 2, rank 4, K = 4) at d = 1e3 and B = 1, 500, 5000 beside the rank-1
//    loop at the same B and the numpy peer of the general chain, each cell measured
//    LORADYN_BENCH_REPEATS times (default 3), loradyn and numpy by turns: per sample, the cost
//    of a step per tracked vector (p = q = the frame's dimension: K teacher rows, r rows of V)
//    against the rank-1 loop's (p = 2).
import { simulate, type ConfigInput } from '../lib/index.js';
import { printTable, runPeer, writeResults } from './harness.js';

const dims = [1e3, 1e4, 1e6, 1e9];
const batches = [1, 500];
// Same per-sample learning rate at both batch sizes: eta = 0.2 at B = 500 (the paper's).
const etaFor = (B: number) => (0.2 * B) / 500;
// The general rows at B = 5000 run at the two-layer preset's eta 0.5: B = 500's per-sample rate
// (eta 2) makes the linear chain diverge there, and a bench must not time overflowing arithmetic.
const etaGeneral = (B: number) => (B > 500 ? 0.5 : etaFor(B));

function cfg(engine: 'full' | 'reduced', d: number, B: number, steps: number, rank = 1, hidden = 1, eta = etaFor(B)): ConfigInput {
  return {
    model: { d, activation: 'linear', rank, hidden, pretrained: { kind: 'aligned', mu: hidden > 1 ? Array(hidden).fill(0.5) : 0.5 } },
    train: { batch: B, eta, steps },
    record: { points: 20 },
    engine,
    seeds: [1],
    backend: 'cpu',
  };
}

// Steps per CPU-second of this process (one native worker thread plus the idle event loop):
// on a shared machine wall time measures the neighbours, CPU time measures the code.
async function stepsPerSecond(c: ConfigInput): Promise<number> {
  const t0 = process.cpuUsage();
  const r = await simulate(c, { threads: 1 });
  const used = process.cpuUsage(t0);
  const run = r.runs[0]!;
  if (run.divergedStep !== null) throw new Error(`bench config diverged at step ${run.divergedStep}: ${JSON.stringify(c)}`);
  const s = run.step.at(-1)!;
  return s / ((used.user + used.system) / 1e6);
}

export async function benchReduced(opts: { seconds?: number; repeats?: number } = {}) {
  const seconds = opts.seconds ?? 1;
  const repeats = opts.repeats ?? Number(process.env.LORADYN_BENCH_REPEATS ?? 3);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${repeats}`);
  const rows = [];
  for (const B of batches) {
    // Steps sized for about `seconds` at ~1e7 steps/s (B = 1) or ~3e7 samples/s (B = 500).
    const steps = B === 1 ? Math.round(1e7 * seconds) : Math.round((3e7 * seconds) / B);
    await stepsPerSecond(cfg('reduced', 1e3, B, Math.max(10, steps / 10))); // warm-up
    for (const d of dims) {
      const ours = await stepsPerSecond(cfg('reduced', d, B, steps));
      const rank2 = await stepsPerSecond(cfg('reduced', d, B, Math.max(10, Math.round(steps / 3)), 2));
      const peerSteps = B === 1 ? 200_000 : 20_000;
      const peer = runPeer('reduced_numpy.py', [String(d), String(B), String(peerSteps), String(etaFor(B))]);
      // Full-d SGD only where it fits in a few seconds.
      const fullSteps = Math.round((2e7 * seconds) / (d * B));
      const full = fullSteps >= 5 ? await stepsPerSecond(cfg('full', d, B, fullSteps)) : NaN;
      rows.push({
        d,
        batch: B,
        reducedStepsPerS: ours,
        reducedRank2StepsPerS: rank2,
        numpyStepsPerS: peer.steps_per_s!,
        fullStepsPerS: full,
        speedupVsNumpy: ours / peer.steps_per_s!,
        speedupVsFull: ours / full,
      });
    }
  }
  printTable(
    'exact reduced chain, rank 1 (and rank 2), linear, one thread (steps per CPU-second)',
    ['d', 'B', 'reduced r=1', 'reduced r=2', 'numpy peer r=1', 'full-d loradyn', 'vs numpy', 'vs full'],
    rows.map((r) => [r.d, r.batch, r.reducedStepsPerS, r.reducedRank2StepsPerS, r.numpyStepsPerS, r.fullStepsPerS, r.speedupVsNumpy, r.speedupVsFull]),
  );
  for (const B of batches) {
    const sel = rows.filter((r) => r.batch === B).map((r) => r.reducedStepsPerS);
    process.stdout.write(
      `B = ${B}: steps/s ratio d = 1e3 over d = 1e9: ${(sel[0]! / sel.at(-1)!).toFixed(3)} (max/min over d: ${(Math.max(...sel) / Math.min(...sel)).toFixed(3)})\n`,
    );
  }
  const general = await benchGeneral(seconds, repeats);
  return { rank1: rows, general };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// The general loop's shapes: [rank, K]; p = K + r tracked vectors (aligned w0 adds none).
const shapes: [number, number][] = [
  [2, 1],
  [4, 1],
  [1, 4],
];
const generalBatches = [1, 500, 5000];

async function benchGeneral(seconds: number, repeats: number) {
  const d = 1e3;
  const rows = [];
  for (const B of generalBatches) {
    // Steps sized for about `seconds`: roughly 2.5 ns per sample and tracked vector, plus
    // 150 ns per step and row of V (the frame move).
    const stepsFor = (r: number, K: number) => Math.max(10, Math.round(seconds / (B * 2.5e-9 * (K + r) + 1.5e-7 * r)));
    const peerSteps = B === 1 ? 20_000 : B === 500 ? 2_000 : 300;
    const eta = etaGeneral(B);
    await stepsPerSecond(cfg('reduced', d, B, Math.max(10, Math.round(stepsFor(2, 1) / 10)), 2, 1, eta)); // warm-up
    for (const [rank, K] of shapes) {
      // By turns: this shape, the rank-1 loop at the same B (the reference, p = 2), numpy.
      const p = K + rank;
      const turns = [];
      for (let k = 0; k < repeats; k++) {
        const ours = await stepsPerSecond(cfg('reduced', d, B, stepsFor(rank, K), rank, K, eta));
        const rank1 = await stepsPerSecond(cfg('reduced', d, B, stepsFor(1, 1), 1, 1, eta));
        const peer = runPeer('reduced_general_numpy.py', [String(d), String(B), String(peerSteps), String(eta), String(rank), String(K)]);
        // Cost per sample and tracked vector, over the rank-1 loop's: (rank1 / ours) (2 / p).
        turns.push({ ours, rank1, peer: peer.steps_per_s!, perVector: ((rank1 / ours) * 2) / p });
      }
      const ours = median(turns.map((x) => x.ours));
      const vsNumpy = turns.map((x) => x.ours / x.peer),
        perVector = turns.map((x) => x.perVector);
      rows.push({
        rank,
        hidden: K,
        trackedVectors: p,
        batch: B,
        d,
        repeats,
        reducedStepsPerS: ours,
        nsPerSample: 1e9 / (ours * B),
        numpyStepsPerS: median(turns.map((x) => x.peer)),
        speedupVsNumpy: median(vsNumpy),
        speedupVsNumpyRange: [Math.min(...vsNumpy), Math.max(...vsNumpy)],
        rank1StepsPerS: median(turns.map((x) => x.rank1)),
        // Goal (issue 22): at most 1.5.
        costPerVectorVsRank1: median(perVector),
        costPerVectorVsRank1Range: [Math.min(...perVector), Math.max(...perVector)],
      });
    }
  }
  printTable(
    `the general loop (d = 1e3, linear, aligned mu = 0.5, one thread, steps per CPU-second, medians of ${repeats} runs by turns with numpy)`,
    ['r', 'K', 'p', 'B', 'loradyn', 'ns/sample', 'numpy chain', 'vs numpy', 'rank-1 loop', 'per vector / rank-1', 'range'],
    rows.map((r) => [
      r.rank,
      r.hidden,
      r.trackedVectors,
      r.batch,
      r.reducedStepsPerS,
      r.nsPerSample,
      r.numpyStepsPerS,
      r.speedupVsNumpy,
      r.rank1StepsPerS,
      r.costPerVectorVsRank1,
      r.costPerVectorVsRank1Range.map((x) => x.toFixed(2)).join('-'),
    ]),
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchReduced();
  process.stdout.write(`wrote ${writeResults('reduced', rows)}\n`);
}
