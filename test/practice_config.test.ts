// The practitioners' options in the config (train.optimizer, train.weightDecay, train.lrRatio,
// model.adapter): defaults filled in, every bad value or combination refused naming its field,
// the CLI exiting 2 on them.
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate, parseConfig, ConfigError, type ConfigInput, type OptimizerSpec } from '../lib/index.js';

const fill = (c: ConfigInput) => parseConfig(c, 1);
import { runCli } from './support/cli.js';

const base = (): ConfigInput => ({ model: { d: 40, activation: 'linear' }, train: { steps: 10, batch: 4 }, backend: 'cpu' });

async function refused(t: Test, cfg: ConfigInput, path: string, msg: RegExp) {
  const e = await simulate(cfg).then(
    () => null,
    (x: unknown) => x,
  );
  t.type(e, ConfigError, `refused: ${JSON.stringify(cfg).slice(0, 160)}`);
  if (!(e instanceof ConfigError)) return;
  t.ok(
    e.issues.some((i) => i.path === path),
    `names ${path}: ${e.message}`,
  );
  t.match(e.message, msg);
}

t.test('options fill in their defaults; the defaults themselves are dropped', async (t) => {
  const mom = fill({ train: { optimizer: { kind: 'momentum' } } });
  const typed: OptimizerSpec | undefined = mom.train.optimizer; // the documented type is the schema's output
  t.same(typed, { kind: 'momentum', beta: 0.9 });
  const adam = fill({ train: { optimizer: { kind: 'adam', beta2: 0.99 } } });
  t.same(adam.train.optimizer, { kind: 'adam', beta1: 0.9, beta2: 0.99, eps: 1e-8 });
  const c = fill({ model: { adapter: 'full' }, train: { weightDecay: 0.01, lrRatio: 8 } });
  t.equal(c.model.adapter, 'full');
  t.equal(c.train.weightDecay, 0.01);
  t.equal(c.train.lrRatio, 8);
  const d = parseConfig({ model: { adapter: 'lora' }, train: { optimizer: 'sgd', weightDecay: 0, lrRatio: 1 } });
  t.same(Object.keys(d.train).sort(), ['batch', 'eta', 'hermiteRescale', 'steps']);
  t.notOk('adapter' in d.model);
});

t.test('bad values name the field and the allowed range', async (t) => {
  const tr = (train: object): ConfigInput => ({ ...base(), train: { ...base().train, ...train } as ConfigInput['train'] });
  await refused(t, tr({ optimizer: { kind: 'momentum', beta: 1 } }), 'train.optimizer.beta', /\[0, 1\)/);
  await refused(t, tr({ optimizer: { kind: 'momentum', beta: -0.1 } }), 'train.optimizer.beta', /\[0, 1\)/);
  await refused(t, tr({ optimizer: { kind: 'adam', beta1: 1 } }), 'train.optimizer.beta1', /\[0, 1\)/);
  await refused(t, tr({ optimizer: { kind: 'adam', beta2: 1.5 } }), 'train.optimizer.beta2', /\[0, 1\)/);
  await refused(t, tr({ optimizer: { kind: 'adam', eps: 0 } }), 'train.optimizer.eps', /> 0/);
  await refused(t, tr({ optimizer: 'adam' }), 'train.optimizer', /"sgd", \{ kind: "momentum"/);
  await refused(t, tr({ optimizer: { kind: 'nesterov' } }), 'train.optimizer.kind', /"sgd", \{ kind: "momentum"/);
  await refused(t, tr({ optimizer: { kind: 'momentum', lr: 1 } }), 'train.optimizer', /unknown field/);
  await refused(t, tr({ lrRatio: 0 }), 'train.lrRatio', /> 0/);
  await refused(t, tr({ lrRatio: -2 }), 'train.lrRatio', /> 0/);
  await refused(t, tr({ lrRatio: Infinity }), 'train.lrRatio', /finite/);
  await refused(t, tr({ weightDecay: -1e-3 }), 'train.weightDecay', />= 0/);
  await refused(t, { ...base(), model: { d: 40, adapter: 'dora' as 'full' } }, 'model.adapter', /"lora" or "full"/);
});

t.test('adapter "full" needs a pre-trained w0, one delta row per unit and no U', async (t) => {
  await refused(t, { ...base(), model: { d: 40, adapter: 'full', pretrained: { kind: 'scratch' } } }, 'model.adapter', /scratch/);
  await refused(t, { ...base(), model: { d: 40, adapter: 'full', rank: 2 } }, 'model.rank', /rank must equal hidden \(1\)/);
  await refused(t, { ...base(), model: { d: 40, adapter: 'full', u0: 0.1 } }, 'model.u0', /no meaning/);
  await refused(t, { ...base(), model: { d: 40, adapter: 'full', init: { u: [0.1] } } }, 'model.init.u', /no meaning/);
});

t.test('adam is refused by the reduced chain and the ODE, naming train.optimizer', async (t) => {
  for (const engine of ['reduced', 'ode'] as const)
    await refused(t, { ...base(), engine, train: { steps: 10, batch: 4, optimizer: { kind: 'adam' } } }, 'train.optimizer', /rotation invariant|do not close/);
});

t.test('backend cuda names the CPU-only field; auto runs on the CPU', async (t) => {
  for (const [path, cfg] of [
    ['train.optimizer', { train: { steps: 10, batch: 4, optimizer: { kind: 'momentum' } } }],
    ['train.weightDecay', { train: { steps: 10, batch: 4, weightDecay: 0.1 } }],
    ['train.lrRatio', { train: { steps: 10, batch: 4, lrRatio: 4 } }],
    ['model.adapter', { model: { d: 40, adapter: 'full' } }],
  ] as const)
    await refused(t, { ...base(), ...cfg, backend: 'cuda' } as ConfigInput, path, /backend "cuda"/);
  await refused(t, { ...base(), backend: 'cuda', record: { lossThresholds: [0.5] } }, 'record.lossThresholds', /backend "cuda"/);
  // auto: the same run as backend cpu, bit for bit (with or without a GPU: these options are CPU-only).
  for (const engine of ['full', 'reduced'] as const) {
    const cfg: ConfigInput = {
      ...base(),
      engine,
      seeds: [3],
      train: { steps: 30, batch: 4, optimizer: { kind: 'momentum' }, lrRatio: 2 },
      record: { points: 5, lossThresholds: [0.5] },
    };
    const [auto, cpu] = await Promise.all([simulate({ ...cfg, backend: 'auto' }), simulate({ ...cfg, backend: 'cpu' })]);
    t.equal(auto.backend, 'cpu', `${engine}: backend auto reports the CPU`);
    t.same(Array.from(auto.runs[0]!.m), Array.from(cpu.runs[0]!.m), `${engine}: backend auto runs on the CPU`);
    t.same(auto.runs[0]!.lossEscape, cpu.runs[0]!.lossEscape);
  }
});

t.test('the CLI exits 2 naming the field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-practice-'));
  const file = join(dir, 'adam-reduced.json');
  writeFileSync(file, JSON.stringify({ model: { d: 100 }, train: { steps: 10, batch: 4, optimizer: { kind: 'adam' } }, engine: 'reduced', backend: 'cpu' }));
  const r = runCli(['simulate', file, '--json']);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /train\.optimizer: engine "reduced" cannot run adam/);
});
