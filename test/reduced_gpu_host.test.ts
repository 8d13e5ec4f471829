// The CUDA backend's general reduced chain (native/cuda/sgd_reduced_general.cu) without a GPU: its
// host side (native/core/reduced/general_launch.cpp: launch arrays, point 0, the replay of the
// record points) and the kernel's per-run function (general_chunk.hpp, compiled here for the
// host) run over chunks of steps as the launches would, and must give the CPU chain's records
// bit for bit. On a GPU the same function runs on the device (bench/device.sh checks that).
import t from 'tap';
import { parseConfig } from '../lib/config.js';
import { loadNative, type NativeRunRecord } from '../lib/native.js';

const native = loadNative().testing;

interface Case {
  name: string;
  model: Record<string, unknown>;
  train: Record<string, unknown>;
  record?: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'K 4 r 2 erf, the two-layer shape',
    model: { d: 60, activation: 'erf', rank: 2, hidden: 4, pretrained: { kind: 'aligned', mu: [0.1, 0.1, 1, 1] }, u0: 0.05 },
    train: { batch: 30, eta: 0.5, steps: 120 },
  },
  { name: 'K 1 r 4 linear, label noise', model: { d: 40, rank: 4, noise: 0.1, u0: 0.1 }, train: { batch: 7, eta: 0.05, steps: 90 } },
  {
    name: 'K 2 r 2 relu misaligned, not spherical',
    model: { d: 50, activation: 'relu', rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: 0.4 }, spherical: false, u0: 0.1 },
    train: { batch: 13, eta: 0.05, steps: 60 },
  },
  {
    name: 'K 4 r 4 sigmoid misaligned',
    model: { d: 80, activation: 'sigmoid', rank: 4, hidden: 4, pretrained: { kind: 'misaligned', mu: 0.5 }, u0: 0.1 },
    train: { batch: 5, eta: 0.2, steps: 40 },
  },
  {
    name: 'K 2 r 2 he3 scratch',
    model: { d: 30, activation: 'he3', rank: 2, hidden: 2, pretrained: { kind: 'scratch', mu: 0 } },
    train: { batch: 3, eta: 0.002, steps: 80 },
  },
  {
    name: 'K 2 r 1 tanh, squared teacher',
    model: { d: 40, activation: 'tanh', rank: 1, hidden: 2, teacher: 'square', u0: 0.1 },
    train: { batch: 9, eta: 0.05, steps: 50 },
  },
  { name: 'K 1 r 3 he2+erf (a general link)', model: { d: 40, activation: 'he2+erf', rank: 3, u0: 0.1 }, train: { batch: 4, eta: 0.02, steps: 50 } },
  { name: "K 1 r 1 linear (the rank-1 kernel's shape, through the general one)", model: { d: 40, u0: 0.1 }, train: { batch: 6, eta: 0.05, steps: 70 } },
  {
    name: 'record.stopAt and two thresholds',
    model: { d: 30, rank: 2, u0: 0.2 },
    train: { batch: 15, eta: 0.4, steps: 400 },
    record: { thresholds: [0.3, 0.5], stopAt: 0.5 },
  },
  { name: 'a diverging run', model: { d: 30, rank: 2, spherical: false, u0: 0.5 }, train: { batch: 2, eta: 40, steps: 300 } },
  { name: 'no steps', model: { d: 30, rank: 2, hidden: 2 }, train: { batch: 2, eta: 0.1, steps: 0 } },
];

const keys = ['step', 't', 'm', 'u', 'M', 'Q', 'popLoss', 'batchLoss'] as const;
function differences(a: NativeRunRecord, b: NativeRunRecord): string[] {
  const out: string[] = [];
  for (const k of keys) {
    const x = a[k] as ArrayLike<number>,
      y = b[k] as ArrayLike<number>;
    if (x.length !== y.length) out.push(`${k}: ${x.length} values against ${y.length}`);
    else
      for (let i = 0; i < x.length; i++)
        if (!Object.is(x[i], y[i])) {
          out.push(`${k}[${i}]: ${x[i]} against ${y[i]}`);
          break;
        }
  }
  for (const k of ['escape', 'stepsDone', 'divergedStep', 'cancelled'] as const)
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k}: ${JSON.stringify(a[k])} against ${JSON.stringify(b[k])}`);
  return out;
}

t.test("the GPU general chain's logic, run on the host, gives the CPU chain's records bit for bit", async (tt) => {
  const seeds = [5, 6, 7];
  for (const c of cases) {
    const cfg = parseConfig(
      { model: c.model, train: c.train, record: { points: 15, thresholds: [0.5], ...c.record }, engine: 'reduced', backend: 'cpu', seeds },
      1,
    );
    const cpu = seeds.map((s) => native.reducedRun(cfg, s, true));
    // Chunks of 1 step, of 7 (record points and first passages fall inside and on the edges) and
    // one launch for the whole run.
    for (const chunk of [1, 7, 1e6]) {
      const gpu = native.reducedGpuEmulated(cfg, chunk);
      tt.equal(gpu.length, seeds.length, `${c.name}: one record per seed`);
      const diff = seeds.flatMap((s, i) => differences(cpu[i]!, gpu[i]!).map((d) => `seed ${s}: ${d}`));
      tt.same(diff, [], `${c.name}, chunks of ${chunk}`);
    }
  }
});

t.test('the cases reach what they are named for', async (tt) => {
  const one = (name: string) => {
    const c = cases.find((x) => x.name === name)!;
    const cfg = parseConfig(
      { model: c.model, train: c.train, record: { points: 15, thresholds: [0.5], ...c.record }, engine: 'reduced', backend: 'cpu', seeds: [5] },
      1,
    );
    return native.reducedGpuEmulated(cfg, 7)[0]!;
  };
  const stop = one('record.stopAt and two thresholds');
  tt.ok(stop.stepsDone < 400 && stop.escape[1] === stop.stepsDone, `stopped at its passage of 0.5 (step ${stop.stepsDone})`);
  tt.ok(stop.escape[0] !== null && stop.escape[0]! <= stop.escape[1]!, 'the lower threshold first');
  const div = one('a diverging run');
  tt.ok(div.divergedStep !== null && div.divergedStep < 300, `diverged at step ${div.divergedStep}`);
  tt.equal(one('no steps').step.length, 1, 'no steps: point 0 only');
});

t.test('shapes beyond the kernel are refused clearly', async (tt) => {
  const cfg = parseConfig({ model: { d: 60, rank: 5 }, train: { batch: 2, steps: 3 }, engine: 'reduced', backend: 'cpu', seeds: [1] }, 1);
  tt.throws(() => native.reducedGpuEmulated(cfg, 1), /model.rank <= 4/);
});
