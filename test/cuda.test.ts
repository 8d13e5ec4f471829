// The CUDA backend. Everywhere: the binary reports whether CUDA works (and why not), "auto"
// falls back to the CPU, and "cuda" without a device is a clear error. On a GPU: the kernels
// draw the same Philox inputs as the CPU, so the same seeds follow the same trajectories up to
// floating-point rounding (reduction order, FMA contraction, libm vs CUDA math ulps).
import t, { type Test } from 'tap';
import { simulate, simulateMany, info, ConfigError, type ConfigInput, type SimulationResult } from '../lib/index.js';

const cuda = info().backends.cuda;
const noDevice = cuda.available ? false : `no usable CUDA device (${cuda.reason ?? 'no reason given'}); the GPU agreement tests need one`;

t.test('info() says whether CUDA is compiled in and, if it cannot run, why', async (t) => {
  t.type(cuda.compiled, 'boolean');
  t.type(cuda.available, 'boolean');
  if (!cuda.available) {
    t.type(cuda.reason, 'string');
    t.ok((cuda.reason ?? '').length > 10, `reason is stated: ${cuda.reason}`);
  } else {
    t.ok(cuda.compiled, 'an available backend is compiled in');
    t.match(cuda.device ?? '', /sm_\d+/, `device named: ${cuda.device}`);
  }
  if (info().build.includes('cuda')) t.ok(cuda.compiled, 'a cmake-js cuda build has the backend compiled in');
});

const small: ConfigInput = {
  model: { activation: 'relu', d: 100, pretrained: { kind: 'aligned', mu: 0.5 } },
  train: { batch: 1, eta: 0.01, steps: 200 },
  seeds: [1, 2],
  record: { points: 20 },
};

t.test('backend "auto" runs everywhere, on the CPU when CUDA is unavailable', async (t) => {
  const auto = await simulate({ ...small, backend: 'auto' });
  t.equal(auto.backend, cuda.available ? 'cuda' : 'cpu');
  const cpu = await simulate({ ...small, backend: 'cpu' });
  t.equal(auto.runs.length, 2);
  t.same(Array.from(auto.runs[0]!.step), Array.from(cpu.runs[0]!.step), 'same record grid as the CPU');
});

t.test(
  'backend "cuda" without a usable device is a clear error, not a crash',
  { skip: cuda.available ? 'a CUDA device is available here' : false },
  async (t) => {
    await t.rejects(simulate({ ...small, backend: 'cuda' }), ConfigError);
    try {
      await simulate({ ...small, backend: 'cuda' });
    } catch (e) {
      t.match((e as Error).message, /backend/);
      t.match((e as Error).message, /unavailable/);
      if (cuda.reason) t.ok((e as Error).message.includes(cuda.reason), 'the error carries the reason from info()');
    }
    // The process is still fine: the CPU keeps working after the refusal.
    const cpu = await simulate({ ...small, backend: 'cpu' });
    t.equal(cpu.runs[0]!.stepsDone, 200);
  },
);

// Largest |a - b| / (abs + rel * |b|) over two arrays; <= 1 means within tolerance.
function worst(a: Float64Array, b: Float64Array, abs: number, rel: number): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    w = Math.max(w, Math.abs(x - y) / (abs + rel * Math.abs(y)));
  }
  return w;
}

function compare(t: Test, gpu: SimulationResult, cpu: SimulationResult, minSameEscape: number) {
  t.equal(gpu.backend, 'cuda');
  t.equal(gpu.runs.length, cpu.runs.length);
  let same = 0,
    escaped = 0;
  for (let i = 0; i < cpu.runs.length; i++) {
    const g = gpu.runs[i]!,
      c = cpu.runs[i]!;
    t.equal(g.seed, c.seed);
    t.equal(g.stepsDone, c.stepsDone, `seed ${c.seed}: steps done`);
    t.same(Array.from(g.step), Array.from(c.step), `seed ${c.seed}: same record points`);
    for (const k of ['m', 'M', 'Q', 'popLoss'] as const) t.ok(worst(g[k], c[k], 1e-7, 1e-6) <= 1, `seed ${c.seed}: ${k} agrees to 1e-7 + 1e-6 relative`);
    t.ok(worst(g.u, c.u, 1e-12, 1e-6) <= 1, `seed ${c.seed}: u agrees to 1e-6 relative`);
    t.ok(worst(g.batchLoss, c.batchLoss, 1e-9, 1e-6) <= 1, `seed ${c.seed}: batch loss agrees`);
    for (const th of Object.keys(c.escape)) {
      if (c.escape[th] !== null) escaped++;
      if (g.escape[th] === c.escape[th]) same++;
    }
  }
  const total = cpu.runs.length * Object.keys(cpu.runs[0]!.escape).length;
  t.ok(escaped > 0, `some runs escape (${escaped} of ${total}), so the escape check means something`);
  t.ok(same >= minSameEscape * total, `identical escape steps: ${same} of ${total} (need ${minSameEscape * 100}%)`);
}

t.test('GPU and CPU follow the same trajectory: rank 1, B = 1, 5000 steps', { skip: noDevice }, async (t) => {
  const cfg: ConfigInput = {
    model: { activation: 'relu', d: 100, pretrained: { kind: 'aligned', mu: 0.5 } },
    train: { batch: 1, eta: 0.01, steps: 5000 },
    seeds: { count: 24 },
    record: { points: 60, thresholds: [0.3, 0.5, 0.9] },
  };
  const cpu = await simulate({ ...cfg, backend: 'cpu' });
  const gpu = await simulate({ ...cfg, backend: 'cuda' });
  compare(t, gpu, cpu, 0.9);
});

t.test('GPU: sweep points sharing one launch (simulateMany) give the bits each gets alone, and agree with the CPU', { skip: noDevice }, async (t) => {
  // mu, eta and noise vary: one launch; the relu point is a second launch in the same call.
  const point = (activation: string, mu: number, eta: number, noise: number): ConfigInput => ({
    model: { activation, d: 400, noise, pretrained: { kind: 'aligned', mu } },
    train: { batch: 10, eta, steps: 1500 },
    seeds: { count: 6 },
    record: { points: 40, thresholds: [0.3, 0.5] },
    backend: 'cuda',
  });
  const points = [point('erf', 0.2, 0.1, 0), point('erf', 0.5, 0.15, 0.05), point('erf', 0.8, 0.2, 0.1), point('relu', 0.5, 0.1, 0)];
  const many = await simulateMany(points);
  const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  for (let i = 0; i < points.length; i++) {
    const alone = await simulate(points[i]!);
    for (let k = 0; k < alone.runs.length; k++)
      for (const key of ['m', 'u', 'M', 'Q', 'batchLoss'] as const)
        t.equal(bits(many[i]!.runs[k]![key]), bits(alone.runs[k]![key]), `point ${i} seed ${alone.runs[k]!.seed}: ${key} identical in a shared launch`);
    compare(t, many[i]!, await simulate({ ...points[i]!, backend: 'cpu' }), 0.75);
  }
});

t.test('GPU: record.stopAt ends runs at their first passage, as on the CPU', { skip: noDevice }, async (t) => {
  for (const engine of ['full', 'reduced'] as const) {
    const cfg: ConfigInput = {
      engine,
      model: { activation: 'relu', d: 300, pretrained: { kind: 'aligned', mu: 0.5 } },
      train: { batch: 10, eta: 0.1, steps: 4000 },
      seeds: { count: 16 },
      record: { points: 40, thresholds: [0.3, 0.5], stopAt: 0.5 },
    };
    const gpu = await simulate({ ...cfg, backend: 'cuda' });
    const cpu = await simulate({ ...cfg, backend: 'cpu' });
    let same = 0,
      stopped = 0;
    for (let i = 0; i < gpu.runs.length; i++) {
      const g = gpu.runs[i]!,
        c = cpu.runs[i]!;
      if (g.escape['0.5'] !== null) {
        stopped++;
        t.equal(g.stepsDone, g.escape['0.5'], `${engine} seed ${g.seed}: the GPU run ends at its passage`);
        t.equal(g.step.at(-1), g.stepsDone, 'and records it');
      }
      if (g.stepsDone === c.stepsDone) same++;
    }
    t.ok(stopped > 0, `${engine}: runs stopped (${stopped})`);
    t.ok(same >= 0.75 * gpu.runs.length, `${engine}: the same stop step as the CPU for ${same} of ${gpu.runs.length} seeds`);
  }
});

t.test('GPU and CPU agree at the paper size d = 1000 (two 4-groups per thread)', { skip: noDevice }, async (t) => {
  const cfg: ConfigInput = {
    model: { activation: 'relu', d: 1000, pretrained: { kind: 'aligned', mu: 0.5 } },
    train: { batch: 1, eta: 0.02, steps: 4000 },
    seeds: { count: 8 },
    record: { points: 40, thresholds: [0.5] },
  };
  compare(t, await simulate({ ...cfg, backend: 'cuda' }), await simulate({ ...cfg, backend: 'cpu' }), 0.75);
});

t.test('GPU and CPU agree for a batched committee: K = 2, r = 2, misaligned, noise', { skip: noDevice }, async (t) => {
  const cfg: ConfigInput = {
    model: { activation: 'erf', d: 300, rank: 2, hidden: 2, pretrained: { kind: 'misaligned', mu: [0.3, 0.6] }, noise: 0.1 },
    train: { batch: 20, eta: 0.3, steps: 1500 },
    seeds: { count: 6 },
    record: { points: 30, thresholds: [0.2, 0.5], final: true },
  };
  const cpu = await simulate({ ...cfg, backend: 'cpu' });
  const gpu = await simulate({ ...cfg, backend: 'cuda' });
  compare(t, gpu, cpu, 0.75);
  const gv = gpu.runs[0]!.final!.v,
    cv = cpu.runs[0]!.final!.v;
  t.ok(worst(gv, cv, 1e-8, 1e-6) <= 1, 'final V agrees coordinate by coordinate');
});

t.test('GPU: scratch baseline and a dimension beyond 4096 (1024-thread blocks)', { skip: noDevice }, async (t) => {
  const scratch: ConfigInput = {
    model: { activation: 'relu', d: 200, pretrained: { kind: 'scratch', mu: 0.5 } },
    train: { batch: 4, eta: 0.05, steps: 1000 },
    seeds: { count: 4 },
    record: { points: 20, thresholds: [0.5] },
  };
  compare(t, await simulate({ ...scratch, backend: 'cuda' }), await simulate({ ...scratch, backend: 'cpu' }), 0.75);
  const big: ConfigInput = {
    model: { activation: 'linear', d: 6000, pretrained: { kind: 'aligned', mu: 0.5 } },
    train: { batch: 2, eta: 0.001, steps: 300 },
    seeds: { count: 2 },
    record: { points: 10, thresholds: [0.5] },
  };
  const g = await simulate({ ...big, backend: 'cuda' });
  const c = await simulate({ ...big, backend: 'cpu' });
  for (let i = 0; i < 2; i++) t.ok(worst(g.runs[i]!.m, c.runs[i]!.m, 1e-8, 1e-6) <= 1, `d = 6000, seed ${i}: m agrees`);
});

t.test('GPU: cancel stops between launches and reports a cancelled result', { skip: noDevice }, async (t) => {
  const ac = new AbortController();
  const cfg: ConfigInput = {
    model: { activation: 'relu', d: 1000, pretrained: { kind: 'aligned', mu: 0.5 } },
    train: { batch: 500, eta: 0.2, steps: 1_000_000 },
    seeds: { count: 256 },
    backend: 'cuda',
  };
  setTimeout(() => ac.abort(), 500);
  const t0 = Date.now();
  await t.rejects(simulate(cfg, { signal: ac.signal }));
  t.ok(Date.now() - t0 < 20000, 'stopped within seconds');
});

t.test('GPU and CPU run the same reduced chain: rank 1, B = 1 and B = 50 with label noise', { skip: noDevice }, async (t) => {
  const one: ConfigInput = {
    model: { activation: 'relu', d: 100, pretrained: { kind: 'aligned', mu: 0.5 } },
    train: { batch: 1, eta: 0.01, steps: 5000 },
    engine: 'reduced',
    seeds: { count: 24 },
    record: { points: 60, thresholds: [0.3, 0.5, 0.9] },
  };
  compare(t, await simulate({ ...one, backend: 'cuda' }), await simulate({ ...one, backend: 'cpu' }), 0.9);
  const noisy: ConfigInput = {
    model: { activation: 'he3+0.5*he5', teacher: 'same', d: 2000, pretrained: { kind: 'aligned', mu: 0.3 }, noise: 0.05 },
    train: { batch: 50, eta: 0.05, steps: 3000, hermiteRescale: true },
    engine: 'reduced',
    seeds: { count: 16 },
    record: { points: 40, thresholds: [0.5] },
  };
  const g = await simulate({ ...noisy, backend: 'cuda' });
  const c = await simulate({ ...noisy, backend: 'cpu' });
  for (let i = 0; i < c.runs.length; i++) t.ok(worst(g.runs[i]!.m, c.runs[i]!.m, 1e-7, 1e-6) <= 1, `seed ${c.runs[i]!.seed}: m agrees`);
});

t.test(
  'GPU and CPU run the same general reduced chain (K = 2, r = 2), and configs beyond its kernel fail clearly on "cuda" and run on the CPU with "auto"',
  { skip: noDevice },
  async (t) => {
    const wide: ConfigInput = {
      model: { activation: 'erf', d: 100, rank: 2, hidden: 2, pretrained: { kind: 'aligned', mu: 0.5 } },
      train: { batch: 4, eta: 0.1, steps: 2000 },
      engine: 'reduced',
      seeds: { count: 16 },
      record: { points: 40, thresholds: [0.3, 0.5] },
    };
    // The general kernel runs the CPU's operations; only the chi-squares' log and cos come from
    // CUDA's libdevice rather than the C library, so the runs agree to rounding.
    compare(t, await simulate({ ...wide, backend: 'cuda' }), await simulate({ ...wide, backend: 'cpu' }), 0.75);
    const beyond: ConfigInput = { ...wide, model: { ...wide.model!, rank: 5 }, train: { batch: 4, eta: 0.1, steps: 50 } };
    await t.rejects(simulate({ ...beyond, backend: 'cuda' }), /model\.rank in \[1, 4\]/);
    const auto = await simulate({ ...beyond, backend: 'auto' });
    t.equal(auto.backend, 'cpu');
    const big: ConfigInput = { ...wide, engine: 'full', model: { ...wide.model!, hidden: 5, rank: 1 } };
    t.equal((await simulate({ ...big, backend: 'auto' })).backend, 'cpu', 'hidden = 5 exceeds the full-d kernel (K <= 4): auto uses the CPU');
  },
);
