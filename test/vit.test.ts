// Vision transformer: gradients, LoRA algebra, training, data loading, experiment plumbing.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  evalSchedule,
  firstStepReaching,
  forward,
  gradChecks,
  initParams,
  loadTask,
  meanCI,
  mergeLora,
  normalisation,
  ridgeProbe,
  runVitExperiment,
  subsample,
  train,
  vitLayout,
  writeVitResults,
  PIXELS,
} from '../lib/vit/index.js';
import { ConfigError } from '../lib/errors.js';

const small = { width: 16, depth: 2, heads: 2, mlp: 32, classes: 5 };

t.test('finite-difference gradient checks (float64) of every layer and the whole model', async (t) => {
  const checks = gradChecks(3);
  const names = checks.map((c) => c.name);
  t.ok(names.includes('precision.float32_logits'), 'float32 training path compared with float64');
  for (const layer of [
    'linear.W',
    'linear.x',
    'lora_linear.A',
    'lora_linear.B',
    'lora_linear.x',
    'layernorm.x',
    'layernorm.gamma',
    'gelu.x',
    'attention.qkv',
    'softmax_xent.logits',
  ])
    t.ok(names.includes(layer), `checks ${layer}`);
  // The whole-model check covers every tensor of the tiny model with adapters on all six layers.
  const tiny = vitLayout(
    { image: 4, patch: 2, width: 8, depth: 2, heads: 2, mlp: 6, classes: 3 },
    { rank: 2, alpha: 3, targets: ['q', 'k', 'v', 'o', 'fc1', 'fc2'] },
  );
  t.equal(names.filter((n) => n.startsWith('model.')).length, tiny.tensors.length, 'one model check per tensor');
  t.equal(names.filter((n) => n.startsWith('finetune.') && n !== 'finetune.frozen_zero').length, tiny.tensors.filter((x) => x.group !== 'base').length);
  for (const c of checks) {
    if (c.name === 'precision.float32_logits') {
      t.ok(c.maxError < 1e-5, `float32 logits agree with float64 to ${c.maxError.toExponential(2)} (relative) at the default size`);
      continue;
    }
    if (c.name === 'finetune.frozen_zero') {
      t.equal(c.maxError, 0, 'frozen base tensors receive exactly zero gradient');
      continue;
    }
    t.ok(c.maxError < 1e-4, `${c.name}: relative error ${c.maxError.toExponential(2)} < 1e-4`);
    // Key biases cannot change a softmax over keys: their gradient is exactly zero.
    if (!/\.k\.b$/.test(c.name)) t.ok(c.maxAbsGrad > 1e-4, `${c.name}: non-trivial gradient (${c.maxAbsGrad.toExponential(2)})`);
  }
});

function randomImages(n: number, seed: number): Float32Array {
  const x = new Float32Array(n * PIXELS);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  return x;
}

t.test('LoRA: fresh adapters (B = 0) and rank 0 leave the base model unchanged; merging is exact', async (t) => {
  const lora = { rank: 3, alpha: 6, targets: ['q', 'k', 'v', 'o', 'fc1', 'fc2'] as ('q' | 'k' | 'v' | 'o' | 'fc1' | 'fc2')[] };
  const base = initParams(small, null, 11);
  const withLora = initParams(small, lora, 11);
  const L0 = vitLayout(small, null);
  const L1 = vitLayout(small, lora);
  t.equal(vitLayout(small, { rank: 0 }).total, L0.total, 'rank 0 adds no parameters');
  t.equal(L1.baseSize, L0.total, 'adapters are appended after the base');
  t.same(Array.from(withLora.subarray(0, L0.total)), Array.from(base), 'same seed gives the same base');
  const x = randomImages(6, 5);
  const y0 = forward(small, null, base, x);
  const yRank0 = forward(small, { rank: 0 }, base, x);
  const y1 = forward(small, lora, withLora, x);
  t.same(Array.from(yRank0), Array.from(y0), 'rank-0 LoRA equals the base model');
  t.same(Array.from(y1), Array.from(y0), 'zero-initialised B: adapter output equals the base model exactly');
  // Random B: adapter forward vs merged weights W0 + (alpha/r) A B.
  const p = withLora.slice();
  let s = 7;
  for (const ten of L1.tensors.filter((q) => q.name.endsWith('lora_B')))
    for (let i = 0; i < ten.size; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      p[ten.offset + i] = (s / 2 ** 32 - 0.5) * 0.4;
    }
  const yAdapted = forward(small, lora, p, x);
  const merged = mergeLora(small, lora, p);
  t.equal(merged.length, L0.total);
  const yMerged = forward(small, null, merged, x);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < y0.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(yAdapted[i]! - yMerged[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(yAdapted[i]! - y0[i]!));
  }
  t.ok(maxAbs > 1e-2, `non-zero B changes the outputs (by ${maxAbs.toFixed(3)})`);
  t.ok(maxDiff < 1e-4, `merged model matches the adapter within float32 rounding (${maxDiff.toExponential(2)})`);
});

t.test('data: mnist and fashion-mnist load with the right shapes, labels and normalisation', async (t) => {
  const req = createRequire(import.meta.url);
  const raw5 = JSON.parse(readFileSync(join(req.resolve('mnist/package.json'), '..', 'src', 'digits', '5.json'), 'utf8')).data as number[];
  const raw6 = JSON.parse(readFileSync(join(req.resolve('mnist/package.json'), '..', 'src', 'digits', '6.json'), 'utf8')).data as number[];
  const n5 = raw5.length / PIXELS;
  const n6 = raw6.length / PIXELS;
  const task = loadTask('mnist', [5, 6]);
  t.equal(task.train.n + task.test.n, n5 + n6, 'every image of the two classes is used');
  t.equal(task.test.n, Math.floor(n5 / 5) + Math.floor(n6 / 5), 'image i is a test image iff i % 5 == 4');
  t.equal(task.train.x.length, task.train.n * PIXELS);
  t.equal(task.test.y.length, task.test.n);
  t.same([...new Set(task.train.y)].sort(), [0, 1], 'labels relabelled to 0..k-1');
  t.equal(task.train.y.filter((v) => v === 0).length, n5 - Math.floor(n5 / 5));
  const { mean, std } = normalisation.mnist;
  // Train image 0 is digit 5's image 0; test image 0 is its image 4.
  for (const j of [0, 300, 400, 783]) {
    t.ok(Math.abs(task.train.x[j]! - (raw5[j]! - mean) / std) < 1e-6);
    t.ok(Math.abs(task.test.x[j]! - (raw5[4 * PIXELS + j]! - mean) / std) < 1e-6);
  }
  const f = loadTask('fashion-mnist', [9, 0], { maxPerClass: 50 });
  t.equal(f.train.n, 80);
  t.equal(f.test.n, 20);
  t.equal(f.train.y[0], 0, 'label 0 stands for the first listed class (9)');
  t.equal(f.train.y[79], 1);
  const fraw = JSON.parse(readFileSync(join(req.resolve('fashion-mnist/package.json'), '..', 'src', 'clothes', '9.json'), 'utf8')).data as number[][];
  t.ok(Math.abs(f.train.x[400]! - (fraw[0]![400]! / 255 - normalisation['fashion-mnist'].mean) / normalisation['fashion-mnist'].std) < 1e-6);
  const sub = subsample(f.test, 10);
  t.same(Array.from(sub.y), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], 'subsample keeps the classes balanced');
  t.throws(() => loadTask('mnist', [3, 3]), ConfigError);
  t.throws(() => loadTask('mnist', [1, 12]), ConfigError);
  t.throws(() => loadTask('cifar' as 'mnist', [0, 1]), ConfigError);
});

t.test('training lowers the loss; fine-tuning leaves the base untouched; any thread count gives the same run', async (t) => {
  const task = loadTask('mnist', [0, 1, 2, 3, 4], { maxPerClass: 160 });
  const p0 = initParams(small, null, 3);
  const run = (threads: number) =>
    train({
      config: small,
      trainable: { base: true, head: true, lora: false },
      optimizer: { lr: 3e-3 },
      batch: 32,
      steps: 40,
      evalEvery: 20,
      seed: 5,
      params: p0,
      train: task.train,
      test: task.test,
      threads,
    });
  const a = await run(1);
  t.equal(a.stepsDone, 40);
  t.same(a.evalStep, [0, 20, 40]);
  t.ok(a.testLoss[2]! < a.testLoss[0]! - 0.3, `test loss ${a.testLoss[0]!.toFixed(3)} -> ${a.testLoss[2]!.toFixed(3)}`);
  t.ok(a.trainLoss[2]! < a.trainLoss[1]!, 'training loss keeps falling');
  t.ok(a.testAccuracy[2]! > 0.6, `test accuracy ${a.testAccuracy[2]} well above chance (0.2)`);
  const b = await run(2);
  t.same(Array.from(b.params), Array.from(a.params), 'bitwise identical with 1 and 2 threads');

  const lora = { rank: 2, alpha: 4 };
  const L = vitLayout(small, lora);
  const q0 = initParams(small, lora, 9);
  q0.set(a.params.subarray(0, L.baseSize), 0);
  const tgt = loadTask('mnist', [5, 6, 7, 8, 9], { maxPerClass: 100 });
  const ft = await train({
    config: small,
    lora,
    trainable: { base: false, head: true, lora: true },
    optimizer: { lr: 5e-3 },
    batch: 32,
    steps: 30,
    evalEvery: 30,
    seed: 1,
    params: q0,
    train: tgt.train,
    test: tgt.test,
    stopAccuracy: 0,
  });
  t.ok(ft.testLoss[1]! < ft.testLoss[0]!, 'LoRA fine-tuning lowers the target loss');
  const head = L.tensors.filter((x) => x.group === 'head')[0]!;
  let baseSame = true;
  for (const ten of L.tensors.filter((x) => x.group === 'base'))
    for (let i = ten.offset; i < ten.offset + ten.size; i++) if (ft.params[i] !== q0[i]) baseSame = false;
  t.ok(baseSame, 'frozen base is bit-for-bit unchanged');
  t.not(ft.params[head.offset], q0[head.offset], 'head learns');
  const bTensor = L.tensors.find((x) => x.name.endsWith('lora_B'))!;
  t.ok(
    Array.from(ft.params.subarray(bTensor.offset, bTensor.offset + bTensor.size)).some((v) => v !== 0),
    'B leaves zero',
  );

  const stop = await train({
    config: small,
    trainable: { base: true, head: true, lora: false },
    optimizer: { lr: 3e-3 },
    batch: 32,
    steps: 200,
    evalEvery: 5,
    stopAccuracy: 0.3,
    seed: 5,
    params: p0,
    train: task.train,
    test: task.test,
  });
  t.ok(stop.stepsDone < 200 && stop.testAccuracy[stop.testAccuracy.length - 1]! >= 0.3, `stops at the first evaluation reaching 0.3 (step ${stop.stepsDone})`);
});

t.test('optimisers: AdamW first step is lr * sign(g); SGD step is linear in lr and lowers the loss', async (t) => {
  const task = loadTask('mnist', [0, 1, 2, 3, 4], { maxPerClass: 40 });
  const p0 = initParams(small, null, 4);
  const one = (optimizer: object, steps = 1) =>
    train({
      config: small,
      trainable: { base: true, head: true, lora: false },
      optimizer,
      batch: 64,
      steps,
      seed: 2,
      params: p0,
      train: task.train,
      test: task.test,
    });
  const lr = 1e-3;
  const a = await one({ kind: 'adamw', lr, weightDecay: 0 });
  let near = 0;
  let maxStep = 0;
  for (let i = 0; i < p0.length; i++) {
    const d = Math.abs(a.params[i]! - p0[i]!);
    maxStep = Math.max(maxStep, d);
    if (Math.abs(d - lr) < 2e-5 + 1e-2 * lr) near++;
  }
  t.ok(maxStep < lr * 1.01, `no AdamW step exceeds lr (max ${maxStep.toExponential(3)})`);
  t.ok(near / p0.length > 0.9, `${((100 * near) / p0.length).toFixed(1)} % of parameters moved by lr`);
  const s1 = await one({ kind: 'sgd', lr: 0.01 });
  const s2 = await one({ kind: 'sgd', lr: 0.02 });
  let worst = 0;
  let moved = 0;
  for (let i = 0; i < p0.length; i++) {
    const d1 = s1.params[i]! - p0[i]!;
    const d2 = s2.params[i]! - p0[i]!;
    moved = Math.max(moved, Math.abs(d1));
    worst = Math.max(worst, Math.abs(d2 - 2 * d1));
  }
  t.ok(moved > 1e-4 && worst < 1e-6 + 1e-3 * moved, `SGD step doubles with lr (deviation ${worst.toExponential(2)})`);
  const sgd = await one({ kind: 'sgd', lr: 0.05, momentum: 0.9 }, 30);
  t.ok(sgd.testLoss[1]! < sgd.testLoss[0]!, `SGD with momentum lowers the loss (${sgd.testLoss[0]!.toFixed(3)} -> ${sgd.testLoss[1]!.toFixed(3)})`);
});

t.test('bad inputs fail with errors that name the field', async (t) => {
  t.throws(() => initParams({ patch: 5 }, null, 1), /patch/);
  t.throws(() => initParams({ width: 10, heads: 4 }, null, 1), /heads/);
  t.throws(() => initParams(small, { rank: 2, targets: ['x' as 'q'] }, 1), /targets/);
  t.throws(() => forward(small, null, new Float32Array(10), randomImages(1, 1)), /params/);
  const task = loadTask('mnist', [0, 1], { maxPerClass: 20 });
  const bad = { ...task.train, y: task.train.y.map(() => 7) };
  await t.rejects(
    train({
      config: small,
      trainable: { base: true, head: true, lora: false },
      batch: 8,
      steps: 1,
      seed: 1,
      params: initParams(small, null, 1),
      train: bad,
      test: task.test,
    }),
    /labels\[0\] = 7/,
  );
  await t.rejects(
    train({
      config: small,
      trainable: { base: true, head: true, lora: false },
      optimizer: { lr: -1 },
      batch: 8,
      steps: 1,
      seed: 1,
      params: initParams(small, null, 1),
      train: task.train,
      test: task.test,
    }),
    /optimizer.lr/,
  );
  await t.rejects(runVitExperiment({ seeds: 0 }), /seeds/);
});

t.test('probe, statistics and schedules', async (t) => {
  // Two well-separated Gaussian-free clusters: the probe must classify them perfectly.
  const n = 40;
  const F = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    F[2 * i] = y[i] ? 1 + (i % 7) * 0.01 : -1 - (i % 5) * 0.01;
    F[2 * i + 1] = (i % 3) * 0.1;
  }
  t.equal(ridgeProbe(F, y, F, y, 2, 2).testAccuracy, 1);
  const ci = meanCI([1, 2, 3, 4]);
  t.equal(ci.mean, 2.5);
  t.ok(Math.abs(ci.hi - (2.5 + (3.182 * Math.sqrt(5 / 3)) / 2)) < 1e-9, 't-interval with 3 degrees of freedom');
  t.same(evalSchedule(120), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 120]);
  t.equal(firstStepReaching([0, 10, 20], [0.1, 0.75, 0.9], 0.7), 10);
  t.equal(firstStepReaching([0, 10, 20], [0.1, 0.75, 0.9], 0.95), null);
});

t.test('a miniature experiment writes JSON, CSV and an SVG figure', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-vit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pairings = [
    {
      name: 'mnist 0-1 -> 2-3',
      source: { dataset: 'mnist' as const, classes: [0, 1] },
      target: { dataset: 'mnist' as const, classes: [2, 3] },
      maxPerClass: 60,
      thresholds: [0.6, 0.9],
    },
  ];
  const r = await runVitExperiment({
    pairings,
    budgets: [0, 1],
    seeds: 2,
    config: { width: 8, depth: 1, heads: 2, mlp: 16 },
    lora: { rank: 2, alpha: 2 },
    pretrain: { batch: 16 },
    finetune: { maxSteps: 20, batch: 16, evalImages: 20 },
  });
  t.equal(r.checkpoints.length, 4);
  t.equal(r.finetunes.length, 4);
  t.equal(r.summary.length, 2 * 2);
  t.equal(r.checkpoints.find((c) => c.budgetEpochs === 1)!.pretrainSteps, Math.floor(96 / 16));
  for (const f of r.finetunes) {
    const s = f.stepsTo['0.6'];
    if (s !== null) t.ok(f.testAccuracy[f.evalStep.indexOf(s!)]! >= 0.6);
  }
  const files = await writeVitResults(dir, r);
  t.match(readFileSync(files.svg, 'utf8'), /^<svg/);
  t.match(readFileSync(files.summaryCsv, 'utf8').split('\n')[0]!, /pairing,budget_epochs,threshold/);
  t.equal(readFileSync(files.runsCsv, 'utf8').trim().split('\n').length, 5);
  t.equal(JSON.parse(readFileSync(files.json, 'utf8')).finetunes.length, 4);
});
