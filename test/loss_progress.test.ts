// Progress by loss beside |m| (issue 18, item 3): the first step with L - noise/2 halved, on
// synthetic records with known answers, and the He3 case the reports flag: below mu_c runs reach
// |m| = 0.5 with the loss not halved (M -> 0), above it they do both.
import t from 'tap';
import { parseConfig, simulate } from '../lib/index.js';
import { escapedWithoutLoss, lossPassageStep, lossProgressPassages } from '../lib/experiments/loss_progress.js';
import type { StoredRun } from '../lib/experiments/store.js';

const stored = (input: object, run: Record<string, unknown>): StoredRun =>
  ({ hash: '0'.repeat(64), config: parseConfig(input), run, engine: 'reduced', backend: 'cpu', wallMs: 0 }) as unknown as StoredRun;

t.test('the first record point with L - noise/2 <= f (L(0) - noise/2)', async (t) => {
  const step = [0, 1, 10, 100, 1000];
  const run = (popLoss: (number | null)[], esc: number | null = null) => ({ step, popLoss, escape: { '0.5': esc }, stepsDone: 1000 });
  t.equal(lossPassageStep(stored({}, run([1, 0.9, 0.6, 0.5, 0.1]))), 100, 'halved exactly at step 100');
  t.equal(lossPassageStep(stored({}, run([1, 0.9, 0.6, 0.5, 0.1])), 0.2), 1000, 'fraction 0.2');
  t.equal(lossPassageStep(stored({}, run([1, 0.9, 0.8, 0.7, 0.6]))), null, 'never: censored');
  // With label noise 0.4 the floor is 0.2: (L - 0.2) must fall to half of 0.8, i.e. L <= 0.6.
  t.equal(lossPassageStep(stored({ model: { noise: 0.4 } }, run([1, 0.9, 0.61, 0.6, 0.3]))), 100, 'the noise floor is taken off');
  // A diverged record (null) is no progress.
  t.equal(lossPassageStep(stored({}, run([1, 0.9, null, null, null]))), null, 'null values are not progress');
  // The exact field of record.lossThresholds wins where a run has it.
  t.equal(lossPassageStep(stored({}, { ...run([1, 1, 1, 1, 0.1]), lossEscape: { '0.5': 417 } })), 417, 'RunResult.lossEscape when present');
  const runs = [stored({}, run([1, 0.4, 0.4, 0.4, 0.4], 1)), stored({}, run([1, 1, 1, 1, 1], 10)), stored({}, run([1, 1, 1, 1, 1], null))];
  t.same(lossProgressPassages(runs), [
    { step: 1, horizon: 1000 },
    { step: null, horizon: 1000 },
    { step: null, horizon: 1000 },
  ]);
  t.equal(escapedWithoutLoss(runs), 1, 'only the run that escaped by |m| and not by loss is flagged');
});

t.test('He3: below mu_c the |m| escapes are flagged, above it they are not', async (t) => {
  // mu_c = 0.3207 for He3 with eta / (k! k). Reduced chain at d = 1000, B = 500, eta = 0.2 / 18:
  // the escape law's q90 is about 5000 steps at mu = 0.2 and 104 at mu = 0.6.
  const at = async (mu: number, steps: number) => {
    const input = {
      model: { activation: 'he3', d: 1000, pretrained: { mu } },
      train: { batch: 500, eta: 0.2, hermiteRescale: true, steps },
      engine: 'reduced' as const,
      backend: 'cpu' as const,
      seeds: { count: 8, base: 5 },
      record: { points: 120 },
    };
    const r = await simulate(input);
    return r.runs.map((run) => stored(input, run as unknown as Record<string, unknown>));
  };
  const low = await at(0.2, 8000);
  const escaped = low.filter((r) => r.run.escape['0.5'] !== null).length;
  t.ok(escaped >= 6, `mu = 0.2: ${escaped}/8 reach |m| = 0.5`);
  t.equal(
    escapedWithoutLoss(low),
    escaped,
    `mu = 0.2: all ${escaped} flagged (loss at the end ${low.map((r) => r.run.popLoss.at(-1)!.toFixed(2)).join(', ')})`,
  );
  const high = await at(0.6, 1500);
  t.equal(high.filter((r) => r.run.escape['0.5'] !== null).length, 8, 'mu = 0.6: all escape');
  t.equal(escapedWithoutLoss(high), 0, 'mu = 0.6: none flagged');
  t.ok(
    high.every((r) => lossPassageStep(r) !== null),
    'mu = 0.6: the loss halves in every run',
  );
});
