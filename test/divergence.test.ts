// A run whose state is not finite stops there with divergedStep, step 0 included: u0, init.u
// or a given w0 too large make the overlaps overflow before the first step; eta too large
// makes the first update overflow. Every engine; the CLI says DIVERGED.
import t from 'tap';
import { simulate, type ConfigInput } from '../lib/index.js';

const engines = ['full', 'reduced', 'ode'] as const;
const base = { model: { d: 30, activation: 'linear' }, train: { batch: 5, steps: 50 }, seeds: [1, 2], backend: 'cpu' as const, record: { points: 10 } };

const atStart: { what: string; config: ConfigInput; engines: readonly string[] }[] = [
  { what: 'u0 = 1e300', config: { ...base, model: { ...base.model, u0: 1e300 } }, engines },
  { what: 'init.u = [1e300]', config: { ...base, model: { ...base.model, init: { u: [1e300] } } }, engines },
  {
    what: 'a given w0 of 1e300 x ones',
    config: { ...base, model: { ...base.model, pretrained: { kind: 'given', w0: new Array(30).fill(1e300) } } },
    engines: ['full', 'reduced'],
  },
];

t.test('not finite at step 0: divergedStep 0, stepsDone 0, no steps taken', async (t) => {
  for (const c of atStart)
    for (const engine of c.engines) {
      const r = await simulate({ ...c.config, engine } as ConfigInput);
      for (const run of r.runs) {
        t.equal(run.divergedStep, 0, `${engine}, ${c.what}: diverged at step 0`);
        t.equal(run.stepsDone, 0);
        t.same(Array.from(run.step), [0], 'only step 0 recorded');
      }
    }
  // The reduced engine's practice chain (momentum, weight decay, lrRatio, adapter "full") checks its start too.
  for (const c of atStart.slice(0, 2)) {
    const config = { ...c.config, engine: 'reduced', train: { ...base.train, optimizer: { kind: 'momentum', beta: 0.9 } } };
    const r = await simulate(config as ConfigInput);
    for (const run of r.runs) {
      t.equal(run.divergedStep, 0, `reduced with momentum, ${c.what}: diverged at step 0`);
      t.equal(run.stepsDone, 0);
      t.same(Array.from(run.step), [0], 'only step 0 recorded');
    }
  }
});

t.test('finite at the start, not within two updates: divergedStep 1 or 2', async (t) => {
  for (const engine of ['full', 'reduced'] as const) {
    const r = await simulate({ ...base, engine, train: { ...base.train, eta: 1e300 } });
    for (const run of r.runs) {
      // After one update u is about -eta * gradient (1e298: finite, with m = 0 the state is);
      // the second overflows.
      t.ok(run.divergedStep === 1 || run.divergedStep === 2, `${engine}, eta = 1e300: diverged at step ${run.divergedStep}`);
      t.equal(run.stepsDone, run.divergedStep);
      t.ok(Number.isFinite(run.popLoss[0]!), 'step 0 is finite');
    }
  }
});

// Found by the fuzz test (seed 20260, case 348): the ODE's misaligned start takes the loss's
// gradient at the saddle, whose Gaussian expectations overflow for a huge Hermite coefficient;
// that escaped as a native error instead of a diverged run.
t.test('ODE, misaligned, an activation whose moments overflow: a diverged run, not an error', async (t) => {
  const r = await simulate({
    ...base,
    engine: 'ode',
    model: { d: 14, activation: { hermite: [0, 1, 1e308] }, teacher: 'sigmoid', pretrained: { kind: 'misaligned', mu: 0.3 } },
  });
  for (const run of r.runs) {
    t.ok(run.divergedStep !== null && run.divergedStep <= 1, `diverged at step ${run.divergedStep}`);
    t.equal(run.stepsDone, 0, 'no step taken');
  }
});
