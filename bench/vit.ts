// ViT benchmark: one pre-training epoch over 5,000 MNIST training images at the default size
// (28x28, patch 7, width 64, depth 4, 4 heads, MLP 128; batch 64, AdamW), on 1 thread and on
// every core; plus LoRA fine-tuning steps (frozen base) and inference throughput.
import os from 'node:os';
import { evaluate, initParams, loadTask, subsample, train } from '../lib/vit/index.js';
import { printTable } from './harness.js';

export interface VitBenchRow {
  what: string;
  threads: number;
  seconds: number;
  imagesPerSecond: number;
}

export async function benchVit(): Promise<{ rows: VitBenchRow[]; config: object }> {
  const all = loadTask('mnist', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const data = subsample(all.train, 5000);
  const test = subsample(all.test, 1000);
  const config = { classes: 10 };
  const batch = 64;
  const steps = Math.ceil(data.n / batch); // 79 steps = 5,056 images, one pass over the 5,000
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const rows: VitBenchRow[] = [];
  for (const threads of [...new Set([1, cores])]) {
    const r = await train({
      config,
      trainable: { base: true, head: true, lora: false },
      optimizer: { lr: 1e-3 },
      batch,
      steps,
      seed: 1,
      params: initParams(config, null, 1),
      train: data,
      test: subsample(test, 16),
      threads,
    });
    rows.push({ what: 'pre-train epoch (5,000 images)', threads, seconds: r.wallMs / 1000, imagesPerSecond: (steps * batch) / (r.wallMs / 1000) });
  }
  const lora = { rank: 4, alpha: 8 };
  const ftSteps = 100;
  const t = await train({
    config,
    lora,
    trainable: { base: false, head: true, lora: true },
    optimizer: { lr: 3e-3 },
    batch: 32,
    steps: ftSteps,
    seed: 1,
    params: initParams(config, lora, 1),
    train: data,
    test: subsample(test, 16),
    threads: cores,
  });
  rows.push({ what: 'LoRA fine-tune, 100 steps of 32', threads: cores, seconds: t.wallMs / 1000, imagesPerSecond: (ftSteps * 32) / (t.wallMs / 1000) });
  const t0 = performance.now();
  await evaluate(config, null, initParams(config, null, 1), test, cores);
  const s = (performance.now() - t0) / 1000;
  rows.push({ what: 'inference (1,000 images)', threads: cores, seconds: s, imagesPerSecond: test.n / s });
  printTable(
    'ViT (float32, default size) on this machine',
    ['what', 'threads', 'seconds', 'images/s'],
    rows.map((r) => [r.what, r.threads, r.seconds, r.imagesPerSecond]),
  );
  return { rows, config: { ...config, image: 28, patch: 7, width: 64, depth: 4, heads: 4, mlp: 128, batch } };
}

// Run alone: node dist/bench/vit.js
if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeResults } = await import('./harness.js');
  process.stdout.write(`wrote ${writeResults('vit', await benchVit())}\n`);
}
