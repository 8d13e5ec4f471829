// The README's Node quickstart; test/examples.test.ts compiles it under tsc --strict and runs it.
import { simulate, type SimulationResult } from 'loradyn';

const result: SimulationResult = await simulate(
  {
    model: { activation: 'erf', d: 1000, pretrained: { kind: 'aligned', mu: 0.5 } },
    train: { batch: 500, eta: 0.2, steps: 3000 },
    engine: 'reduced', // the exact d-free chain; 'full' is literal SGD, 'ode' the d -> infinity limit
    seeds: { count: 8 },
    record: { points: 100, thresholds: [0.5, 0.9] },
  },
  { onProgress: (p) => console.log(`${(100 * p.fraction).toFixed(0)}%`), signal: AbortSignal.timeout(60_000) },
);
for (const run of result.runs) console.log(run.seed, run.escape['0.5'], run.popLoss[run.popLoss.length - 1]);
