// How often stage 1 of the curriculum preset (He3 student, squared teacher, d = 200, B = 200,
// eta = 0.05 / 18, mu = 0.321, 3000 steps) diverges, with engine full and with the exact
// reduced chain (the same law), over many seeds: the preset's 6 seeds cannot tell whether 1 or 4
// divergences is typical. Run: npm run build:ts && node dist/bench/curriculum_stability.js [seeds]
import { simulate } from '../lib/index.js';

const seeds = Number(process.argv[2] ?? 300);
const base = {
  model: { activation: 'he3', d: 200, pretrained: { kind: 'aligned' as const, mu: 0.321 }, teacher: 'square' },
  train: { batch: 200, eta: 0.05, hermiteRescale: true, steps: 3000 },
  record: { points: 10 },
  seeds: Array.from({ length: seeds }, (_, i) => i + 1),
};
const counts: Record<string, number> = {};
for (const engine of ['full', 'reduced'] as const) {
  const r = await simulate({ ...base, engine, backend: 'cpu' });
  counts[engine] = r.runs.filter((x) => x.divergedStep != null).length;
  process.stdout.write(`${engine}: ${counts[engine]} of ${seeds} runs diverged\n`);
}
// Two-proportion z test (pooled), two-sided.
const p1 = counts.full! / seeds,
  p2 = counts.reduced! / seeds,
  p = (p1 + p2) / 2;
const z = (p1 - p2) / Math.sqrt(p * (1 - p) * (2 / seeds));
const erfc = (x: number) => {
  // Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): enough for a reported p-value.
  const t = 1 / (1 + 0.3275911 * x);
  return t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
};
process.stdout.write(`difference ${(p1 - p2).toFixed(3)}, z = ${z.toFixed(2)}, two-sided p = ${erfc(Math.abs(z) / Math.SQRT2).toFixed(2)}\n`);
