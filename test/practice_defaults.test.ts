// The practitioners' options (issue 16) must leave every config that does not use them as it was:
// the filled-in config, its hash and its results, bit for bit. The known answers below were
// computed with the build before these options existed (the same cases, the same fingerprint).
import t from 'tap';
import { createHash } from 'node:crypto';
import { simulate, parseConfig, type ConfigInput } from '../lib/index.js';
import { canonicalJson } from '../lib/config.js';
import { runHash } from '../lib/experiments/sweep.js';

const cases: Record<string, { config: ConfigInput; hash: string; result: string }> = {
  full_rank1: {
    config: {
      model: { d: 200, activation: 'erf', pretrained: { mu: 0.4 } },
      train: { batch: 50, eta: 0.3, steps: 200 },
      engine: 'full',
      backend: 'cpu',
      seeds: [1],
      record: { points: 20 },
    },
    hash: '891cd6e2fee1e5d569ce12dc8234f3ba9d04f50c36ff91a4a1b3c85c4261a2f7',
    result: '36be57d4b1411a45933f1130f20e84bf',
  },
  full_b1: {
    config: {
      model: { d: 300, activation: 'linear', pretrained: { mu: 0.3 }, u0: 0 },
      train: { batch: 1, eta: 0.05, steps: 400 },
      engine: 'full',
      backend: 'cpu',
      seeds: [2],
      record: { points: 20 },
    },
    hash: '3ddc60ea35a0050c2079df62c1da22e3a6b9c5d472091cc1bc8f36a7e7b85482',
    result: 'aa9d2cc3ec1e086c7cbd9af9b376fdc9',
  },
  full_committee: {
    config: {
      model: { d: 100, activation: 'tanh', rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: [0.3, 0.6] }, noise: 0.1 },
      train: { batch: 20, eta: 0.3, steps: 100 },
      engine: 'full',
      backend: 'cpu',
      seeds: [3],
      record: { points: 20 },
    },
    hash: '5c6d74b6b600dc912c9c294235851b84dc01166637233a1615756c0d7ad151b0',
    result: 'ced68f0d0a93883076c31dc3515b4e5e',
  },
  reduced_rank1: {
    config: {
      model: { d: 1000, activation: 'he3', pretrained: { mu: 0.2 } },
      train: { batch: 100, eta: 0.1, steps: 500 },
      engine: 'reduced',
      backend: 'cpu',
      seeds: [4],
      record: { points: 20 },
    },
    hash: '8f575b656a29c21286d2e8bfc3e6a387f8e8621de8924df88589bf2344fff738',
    result: '1831620b272716a0efae3f0c1cb2615e',
  },
  reduced_general: {
    config: {
      model: { d: 500, activation: 'relu', rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: 0.5 } },
      train: { batch: 30, eta: 0.2, steps: 200 },
      engine: 'reduced',
      backend: 'cpu',
      seeds: [5],
      record: { points: 20 },
    },
    hash: '2ea1b84944c03149c45cf30b69c6f15c054f55dd202b03c8a21b5aecd2596884',
    result: '421835d194978fa6e40f737c8eb93cfb',
  },
  ode_rank1: {
    config: {
      model: { d: 1000, activation: 'erf', pretrained: { mu: 0.5 } },
      train: { eta: 0.2, steps: 2000 },
      engine: 'ode',
      backend: 'cpu',
      seeds: [0],
      record: { points: 20 },
    },
    hash: 'bf0ee6ccd364fb21f76dac55f8b6f11d93ad7c30bee4f171e2f90ba2d9a8cc52',
    result: 'da38593e548e579a64a6646dc827887f',
  },
  ode_general: {
    config: {
      model: { d: 1000, activation: 'erf', rank: 2, hidden: 2, pretrained: { mu: [0.2, 0.7] } },
      train: { eta: 0.2, steps: 1000 },
      engine: 'ode',
      backend: 'cpu',
      seeds: [0],
      record: { points: 20 },
    },
    hash: '66b9f372c61025b0f7c9a9e1acc00209416cc47172352ef1658bd31076be64ee',
    result: '43a074ceefd186433f032e598de667f1',
  },
};

const EMPTY_JSON =
  '{"backend":"auto","engine":"full","model":{"activation":"linear","d":1000,"hidden":1,"noise":0,"pretrained":{"kind":"aligned","mu":0.5},"rank":1,"spherical":true,"teacher":"same","u0":null},"record":{"final":false,"points":200,"thresholds":[0.5]},"seeds":{"base":0,"count":1},"train":{"batch":500,"eta":0.2,"hermiteRescale":false,"steps":10000}}';

type Run = Awaited<ReturnType<typeof simulate>>['runs'][number];
function fingerprint(runs: Run[]): string {
  const h = createHash('sha256');
  for (const run of runs)
    for (const k of ['step', 't', 'm', 'u', 'M', 'Q', 'popLoss', 'batchLoss'] as const)
      h.update(Buffer.from(run[k].buffer, run[k].byteOffset, run[k].byteLength));
  h.update(JSON.stringify(runs.map((x) => [x.escape, x.stepsDone, x.divergedStep])));
  return h.digest('hex').slice(0, 32);
}

// The same run with every new option spelled out at its default.
function withExplicitDefaults(c: ConfigInput): ConfigInput {
  return {
    ...c,
    model: { ...c.model, adapter: 'lora' },
    train: { ...c.train, optimizer: 'sgd', weightDecay: 0, lrRatio: 1 },
    record: { ...c.record, lossThresholds: [] },
  };
}

t.test('the empty config fills in as before the options existed', async (t) => {
  const c = parseConfig({});
  t.equal(canonicalJson(c), EMPTY_JSON);
  t.equal(runHash(c), '93284a660af8d1a855a204d60d02c3353ec7106a585c77ee72e6899737cb5a21');
  for (const k of ['optimizer', 'weightDecay', 'lrRatio']) t.notOk(k in c.train, `no train.${k} key`);
  t.notOk('adapter' in c.model, 'no model.adapter key');
  t.notOk('lossThresholds' in c.record, 'no record.lossThresholds key');
});

for (const [name, k] of Object.entries(cases)) {
  t.test(`${name}: hash and results as before; explicit defaults are the same run`, async (t) => {
    t.equal(runHash(parseConfig(k.config)), k.hash, 'config hash');
    const explicit = parseConfig(withExplicitDefaults(k.config));
    t.equal(canonicalJson(explicit), canonicalJson(parseConfig(k.config)), 'explicit defaults fill in to the same config');
    t.equal(runHash(explicit), k.hash, 'and the same hash');
    const r = await simulate(k.config, { threads: 1 });
    t.equal(fingerprint(r.runs), k.result, 'results bit for bit');
    t.notOk('lossEscape' in r.runs[0]!, 'no lossEscape without record.lossThresholds');
  });
}
