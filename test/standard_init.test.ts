// The standard LoRA init (model.u0 = 0, i.e. B = 0, with random unit rows of V) in every engine:
// the gradient of u is not zero at u = 0, so u leaves 0 at the first step and the search starts
// at once; the engines agree on the escape, and it is that of the paper's u0 = 1/d^2.
import t from 'tap';
import { simulate } from '../lib/index.js';

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
};

t.test('u0 = 0 in full, reduced and ode', async (t) => {
  const meds: Record<string, { m: number; loss: number }> = {};
  for (const engine of ['full', 'reduced', 'ode'] as const) {
    const seeds = engine === 'ode' ? [0] : Array.from({ length: 12 }, (_, i) => i + 1);
    const run = (u0: number | null) =>
      simulate({
        model: { d: 500, activation: 'linear', pretrained: { mu: 0.3 }, u0 },
        train: { batch: 250, eta: 0.2, steps: 150 },
        engine,
        backend: 'cpu',
        seeds,
        record: { points: 150, lossThresholds: [0.5] },
      });
    const std = await run(0);
    const paper = await run(null);
    for (const r of std.runs) {
      t.equal(r.u[0], 0, `${engine} seed ${r.seed}: u = 0 at step 0`);
      t.not(r.u[1], 0, `${engine} seed ${r.seed}: u has moved after one step (${r.u[1]})`);
      t.type(r.escape['0.5'], 'number', `${engine} seed ${r.seed}: escapes`);
      t.type(r.lossEscape!['0.5'], 'number', `${engine} seed ${r.seed}: the loss halves`);
    }
    const m = median(std.runs.map((r) => r.escape['0.5']!));
    const loss = median(std.runs.map((r) => r.lossEscape!['0.5']!));
    meds[engine] = { m, loss };
    const mp = median(paper.runs.map((r) => r.escape['0.5']!));
    t.ok(Math.abs(m - mp) <= 2, `${engine}: median escape ${m} with u0 = 0, ${mp} with u0 = 1/d^2 (at most 2 steps apart)`);
  }
  // Full-d SGD and the chain have the same law; the ODE is their limit (its m0 = d^-1/2 is fixed).
  for (const k of ['m', 'loss'] as const) {
    const f = meds.full![k],
      r = meds.reduced![k],
      o = meds.ode![k];
    t.ok(Math.abs(f - r) <= 0.15 * r, `${k}: full ${f} and reduced ${r} medians within 15%`);
    t.ok(Math.abs(o - r) <= 0.2 * r, `${k}: ode ${o} and reduced ${r} within 20%`);
  }
});
