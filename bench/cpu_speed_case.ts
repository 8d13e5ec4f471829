// One engine-full timing in a fresh process (so its peak memory is its own):
//   node dist/bench/cpu_speed_case.js <d> <batch> <steps> [threads]
// Prints one JSON line: wall and CPU seconds, steps/s, peak resident memory.
import { simulate } from '../lib/index.js';

const [d, batch, steps, threads = 1] = process.argv.slice(2).map(Number) as [number, number, number, number?];
// The peer's model: rank 1, K = 1, aligned w0 (mu 0.5), spherical row, linear.
const config = {
  model: { d, activation: 'linear', pretrained: { kind: 'aligned' as const, mu: 0.5 } },
  train: { batch, steps, eta: 0.2 },
  engine: 'full' as const,
  backend: 'cpu' as const,
  seeds: [1],
  record: { points: 50 },
};
const c0 = process.cpuUsage();
const t0 = performance.now();
const res = await simulate(config, { threads });
const seconds = (performance.now() - t0) / 1000;
const cu = process.cpuUsage(c0);
const cpuSeconds = (cu.user + cu.system) / 1e6;
const run = res.runs[0]!;
process.stdout.write(
  JSON.stringify({
    d,
    batch,
    steps,
    threads,
    seconds,
    cpuSeconds,
    stepsPerS: steps / seconds,
    cpuStepsPerS: steps / cpuSeconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    m: run.m[run.m.length - 1],
  }) + '\n',
);
