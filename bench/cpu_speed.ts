// CPU speed of engine "full" (issue 7): the generator alone (the roofline) on every SIMD path,
// then full-d SGD steps/s for d in {1e3, 1e4, 1e5} and B in {1, 500} beside the numpy peer
// run in the same session, with the ratio, the fraction of the roofline reached and the
// peak memory; last, peak memory for 1x and 10x the steps (it must not grow). Each full-d cell is
// measured several times, loradyn and numpy by turns (LORADYN_BENCH_REPEATS, default 3).
//
// The machine may be shared: every rate is given by wall clock and by the CPU time of the
// process measured (one thread each), and the load average is recorded.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { loadNative } from '../lib/native.js';
import { benchDir, printTable, runPeer } from './harness.js';

interface CaseResult {
  seconds: number;
  cpuSeconds: number;
  stepsPerS: number;
  cpuStepsPerS: number;
  peakRssMiB: number;
}

function runCase(d: number, batch: number, steps: number, threads = 1): CaseResult {
  const script = join(benchDir, '..', 'dist', 'bench', 'cpu_speed_case.js');
  const r = spawnSync(process.execPath, [script, String(d), String(batch), String(steps), String(threads)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`cpu_speed_case failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as CaseResult;
}

// repeats: runs per cell of the full-d table (default 3, or LORADYN_BENCH_REPEATS).
export async function benchCpuSpeed(opts: { seconds?: number; repeats?: number } = {}) {
  const seconds = opts.seconds ?? 1.5;
  const native = loadNative().testing;
  const load0 = os.loadavg();

  // 1. Generator alone, 65536 coordinates per fill (512 KB: in L2), in both precisions: engine
  // full draws its inputs in single precision, so that one is the roofline.
  const paths = native.simdPaths();
  const generator = paths.available.flatMap((path) =>
    (['single', 'double'] as const).map((precision) => {
      const count = 1 << 16;
      const probe = native.benchGenerator(path, count, 20, precision);
      const repeats = Math.max(20, Math.round((seconds * 20) / probe.cpuSeconds));
      const g = native.benchGenerator(path, count, repeats, precision);
      return { path, precision, gaussians: g.gaussians, perS: g.gaussians / g.seconds, cpuPerS: g.gaussians / g.cpuSeconds };
    }),
  );
  const roof = generator.find((g) => g.path === paths.best && g.precision === 'single')!;
  printTable(
    `Gaussians/s, generator alone, one thread (best path here: ${paths.best}; engine full's inputs are single precision)`,
    ['path', 'precision', 'wall', 'CPU time'],
    generator.map((g) => [g.path, g.precision, g.perS, g.cpuPerS]),
  );

  // 2. Full-d SGD against numpy: each cell `repeats` times, loradyn and numpy by turns, so that the
  // machine's drift (5-10% over minutes here) falls on both; medians, and the pairs' spread.
  const repeats = opts.repeats ?? Number(process.env.LORADYN_BENCH_REPEATS ?? 3);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be a positive integer, got ${repeats}`);
  const median = (xs: number[]) => {
    const a = [...xs].sort((p, q) => p - q);
    return a.length % 2 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
  };
  const rows = [];
  for (const d of [1000, 10000, 100000])
    for (const batch of [1, 500]) {
      const work = d * batch;
      const steps = Math.max(5, Math.round((seconds * 4e8) / work));
      const peerSteps = Math.max(3, Math.round((seconds * 6e7) / work));
      const pairs = Array.from({ length: repeats }, () => {
        const ours = runCase(d, batch, steps);
        const peer = runPeer('full_sgd_numpy.py', ['--d', String(d), '--batch', String(batch), '--steps', String(peerSteps)]);
        return { ours, peerWall: peer.steps_per_s!, peerCpu: peer.cpu_steps_per_s as number, peerMiB: peer.peak_rss_mib as number };
      });
      const ratios = pairs.map((p) => p.ours.cpuStepsPerS / p.peerCpu);
      const shares = pairs.map((p) => (p.ours.cpuStepsPerS * work) / roof.cpuPerS);
      const ourCpu = median(pairs.map((p) => p.ours.cpuStepsPerS));
      rows.push({
        d,
        batch,
        steps,
        peerSteps,
        repeats,
        loradynStepsPerS: median(pairs.map((p) => p.ours.stepsPerS)),
        loradynCpuStepsPerS: ourCpu,
        numpyStepsPerS: median(pairs.map((p) => p.peerWall)),
        numpyCpuStepsPerS: median(pairs.map((p) => p.peerCpu)),
        ratioWall: median(pairs.map((p) => p.ours.stepsPerS / p.peerWall)),
        ratioCpu: median(ratios),
        ratioCpuMin: Math.min(...ratios),
        ratioCpuMax: Math.max(...ratios),
        gaussiansPerCpuS: ourCpu * work,
        fractionOfRoofline: median(shares),
        fractionOfRooflineMin: Math.min(...shares),
        fractionOfRooflineMax: Math.max(...shares),
        loradynPeakRssMiB: Math.max(...pairs.map((p) => p.ours.peakRssMiB)),
        numpyPeakRssMiB: Math.max(...pairs.map((p) => p.peerMiB)),
      });
    }
  const pct = (x: number) => (100 * x).toFixed(0);
  printTable(
    `engine full, rank 1, K 1, linear, one thread: steps/s (CPU time), medians of ${repeats} runs each, taken by turns; ratio range over the pairs`,
    ['d', 'B', 'loradyn', 'numpy', 'ratio', '(range)', '(wall ratio)', 'Gaussians/s', 'of roofline', '(range)', 'peak MiB', 'numpy MiB'],
    rows.map((r) => [
      r.d,
      r.batch,
      r.loradynCpuStepsPerS,
      r.numpyCpuStepsPerS,
      r.ratioCpu,
      `(${r.ratioCpuMin.toFixed(1)}-${r.ratioCpuMax.toFixed(1)})`,
      `(${r.ratioWall.toFixed(2)})`,
      r.gaussiansPerCpuS,
      `${pct(r.fractionOfRoofline)}%`,
      `(${pct(r.fractionOfRooflineMin)}-${pct(r.fractionOfRooflineMax)}%)`,
      r.loradynPeakRssMiB,
      r.numpyPeakRssMiB,
    ]),
  );

  // 3. Memory does not grow with the number of steps.
  const memSteps = Math.round((seconds * 4e8) / 1e4 / 4);
  const memory = [memSteps, 10 * memSteps].map((steps) => ({ d: 10000, batch: 1, steps, peakRssMiB: runCase(10000, 1, steps).peakRssMiB }));
  printTable(
    'peak resident memory against steps (d 1e4, B 1)',
    ['steps', 'peak MiB'],
    memory.map((m) => [m.steps, m.peakRssMiB]),
  );

  // 4. One run, batch across threads (B 500, d 1e4).
  const threads = os.availableParallelism();
  const scaling = [1, threads]
    .filter((t, i, a) => a.indexOf(t) === i)
    .map((t) => {
      const r = runCase(10000, 500, Math.max(5, Math.round((seconds * 4e8) / 5e6)), t);
      return { threads: t, stepsPerS: r.stepsPerS };
    });
  printTable(
    'one run, batch shared by threads (d 1e4, B 500): wall steps/s',
    ['threads', 'steps/s'],
    scaling.map((s) => [s.threads, s.stepsPerS]),
  );

  const load1 = os.loadavg();
  process.stdout.write(
    `load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${load1.map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)\n`,
  );
  return {
    command: 'npm run bench -- cpu_speed',
    bestPath: paths.best,
    generator,
    full: rows,
    memory,
    threadScaling: scaling,
    loadAverage: { start: load0, end: load1 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeResults } = await import('./harness.js');
  const data = await benchCpuSpeed();
  process.stdout.write(`wrote ${writeResults('cpu_speed', data)}\n`);
}
