// Settings of the search protocol (docs/vit.md): the scales, the arms, the pairings, and the
// validation that names the option at fault. Everything the runs depend on is in
// SearchSettings, which is hashed to name cached results.
import { createHash } from 'node:crypto';
import { ConfigError } from '../../errors.js';
import { parseWith, vitConfigSchema, type VitConfig, type VitConfigInput } from '../config.js';
import type { DatasetName } from '../data.js';

/** Sizes of the search protocol: tiny (tests, seconds), quick (2 seeds, budgets 0, 1, 4) and default (8 seeds, budgets 0-16 epochs). */
export type SearchScale = 'tiny' | 'quick' | 'default';
/** Every SearchScale, for validation and messages. */
export const searchScales: SearchScale[] = ['tiny', 'quick', 'default'];

/** One fine-tuning arm: optimiser, rate, adapter rank and the init of B. */
export interface Arm {
  name: string;
  optimizer: 'sgd' | 'adamw';
  lr: number;
  rank: number;
  /** 'zero': B = 0; 'small': every entry of B is +-1/width^2 (the paper's small u0). */
  bInit: 'zero' | 'small';
  /**
   * Runs every fine-tuning seed; the other arms run the first one only (to bound the cost). The
   * first primary arm's first seed is also run lStarFactor x longer to find L*.
   */
  primary?: boolean;
}

/** A source task to pre-train on and a target task to fine-tune on, with the shift range that makes the target stream long enough for one pass. */
export interface SearchPairing {
  name: string;
  source: { dataset: DatasetName; classes: number[]; maxPerClass?: number };
  target: { dataset: DatasetName; classes: number[]; maxPerClass?: number };
  /** Shift range of the one-pass stream (pixels): MNIST 2, Fashion-MNIST 0 (enough images). */
  maxShift: number;
  why: string;
}

/** Everything a search run depends on (hashed to name cached units): the model, pairings, budgets, seeds, pre-training, head fit, held-out size, fine-tuning, arms, thresholds and bootstrap. */
export interface SearchSettings {
  protocol: 'search';
  scale: SearchScale | 'custom';
  config: VitConfig;
  pairings: SearchPairing[];
  budgets: number[];
  preSeeds: number[];
  ftSeeds: number[];
  pretrain: { lr: number; weightDecay: number; batch: number };
  headFit: { images: number; lambda: number; tolerance: number; maxIterations: number };
  /** Held-out target images (class-balanced from the test split; all of it when smaller: MNIST 5-9 has 971). */
  heldOut: number;
  finetune: {
    batch: number;
    steps: number;
    /** The L* run is this many times longer than `steps`. */
    lStarFactor: number;
    /** Beyond `steps`, the L* run is evaluated every this many steps (only its best loss is used). */
    lStarEvalEvery: number;
    adamw: { beta1: number; beta2: number; eps: number };
  };
  arms: Arm[];
  accuracyThresholds: number[];
  bootstrap: { resamples: number; seed: number };
}

/** The search protocol's pairings: MNIST 0-4 to 5-9 (stream shifted by up to 2 pixels) and Fashion-MNIST garments to footwear and bags (no shifts needed). */
export const defaultSearchPairings: SearchPairing[] = [
  {
    name: 'mnist 0-4 -> 5-9',
    source: { dataset: 'mnist', classes: [0, 1, 2, 3, 4] },
    target: { dataset: 'mnist', classes: [5, 6, 7, 8, 9] },
    maxShift: 2,
    why: 'same strokes and statistics, disjoint digit classes; the target stream is every training digit under each of the 25 shifts of up to 2 pixels',
  },
  {
    name: 'fashion 0-4 -> 5-9',
    source: { dataset: 'fashion-mnist', classes: [0, 1, 2, 3, 4], maxPerClass: 1000 },
    target: { dataset: 'fashion-mnist', classes: [5, 6, 7, 8, 9] },
    maxShift: 0,
    why: 'garments to footwear, bags and shirts: a less aligned pairing; all 35,000 target images, so the stream needs no shifts',
  },
];

const sgd = (lr: number, rank = 1, bInit: Arm['bInit'] = 'zero'): Arm => ({
  name: `sgd lr ${lr} r${rank}${bInit === 'small' ? ' B small' : ''}`,
  optimizer: 'sgd',
  lr,
  rank,
  bInit,
});

/** Primary arm (every fine-tuning seed) at lr 0.1; two more rates, the second init, rank 4 and AdamW. */
export const defaultArms: Arm[] = [
  sgd(0.03),
  { ...sgd(0.1), primary: true },
  sgd(0.3),
  sgd(0.1, 1, 'small'),
  sgd(0.1, 4),
  { name: 'adamw lr 0.003 r1', optimizer: 'adamw', lr: 3e-3, rank: 1, bInit: 'zero' },
];

const base = {
  pretrain: { lr: 1e-3, weightDecay: 0.05, batch: 64 },
  headFit: { images: 2000, lambda: 1e-4, tolerance: 1e-8, maxIterations: 100 },
  heldOut: 1000,
  accuracyThresholds: [0.85, 0.9],
  bootstrap: { resamples: 10000, seed: 17 },
};

/** The settings of a scale before overrides. */
export function scaleSettings(scale: SearchScale): Omit<SearchSettings, 'protocol' | 'scale'> {
  const adamw = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  if (scale === 'tiny')
    // For tests: a small ViT, small tasks, two budgets, two pre-training seeds.
    return {
      ...base,
      config: parseWith(vitConfigSchema, { width: 16, depth: 2, heads: 2, mlp: 32, classes: 5 }, 'config'),
      pairings: defaultSearchPairings.map((p) => ({
        ...p,
        source: { ...p.source, maxPerClass: 100 },
        target: { ...p.target, maxPerClass: 300 },
      })),
      budgets: [0, 1],
      preSeeds: [1, 2],
      ftSeeds: [1, 2],
      headFit: { ...base.headFit, images: 200 },
      heldOut: 200,
      finetune: { batch: 8, steps: 20, lStarFactor: 4, lStarEvalEvery: 10, adamw },
      arms: defaultArms,
    };
  return {
    ...base,
    config: parseWith(vitConfigSchema, { classes: 5 }, 'config'),
    pairings: defaultSearchPairings,
    budgets: scale === 'quick' ? [0, 1, 4] : [0, 1, 2, 4, 8, 16],
    preSeeds: scale === 'quick' ? [1, 2] : [1, 2, 3, 4, 5, 6, 7, 8],
    ftSeeds: scale === 'quick' ? [1] : [1, 2],
    finetune: { batch: 32, steps: 200, lStarFactor: 4, lStarEvalEvery: 50, adamw },
    arms: defaultArms,
  };
}

/** Settings a caller may override on top of a scale (the CLI's options); any override makes the scale 'custom'. */
export interface SearchOverrides {
  budgets?: number[];
  preSeeds?: number;
  /** The first pre-training seed (default 1): seeds firstSeed .. firstSeed + preSeeds - 1. */
  firstSeed?: number;
  ftSeeds?: number;
  steps?: number;
  batch?: number;
  arms?: Arm[];
  pairings?: SearchPairing[];
  /** Keep only the pairings whose name starts with this (e.g. 'mnist'). */
  pairing?: string;
  config?: VitConfigInput;
}

const bad = (path: string, message: string) => new ConfigError([{ path, message }]);

/** The settings of a scale with overrides, validated; errors name the option. */
export function resolveSearchSettings(scale: SearchScale, o: SearchOverrides = {}): SearchSettings {
  if (!searchScales.includes(scale)) throw bad('scale', `must be one of ${searchScales.join(', ')} (got '${String(scale)}')`);
  const s = scaleSettings(scale);
  const overrideKeys: (keyof SearchOverrides)[] = ['budgets', 'preSeeds', 'firstSeed', 'ftSeeds', 'steps', 'batch', 'arms', 'pairings', 'pairing', 'config'];
  const custom = overrideKeys.some((k) => o[k] !== undefined);
  if (o.budgets !== undefined) {
    if (!Array.isArray(o.budgets) || o.budgets.length < 2 || o.budgets.some((b) => !Number.isInteger(b) || b < 0 || b > 1000))
      throw bad('budgets', 'must list at least two integer budgets in [0, 1000] epochs (a slope needs two)');
    s.budgets = [...new Set(o.budgets)].sort((a, b) => a - b);
    if (s.budgets.length < 2) throw bad('budgets', 'must list at least two distinct budgets');
  }
  if (o.preSeeds !== undefined) {
    if (!Number.isInteger(o.preSeeds) || o.preSeeds < 2 || o.preSeeds > 100)
      throw bad('seeds', 'must be an integer in [2, 100] (the bootstrap resamples pre-training seeds)');
    s.preSeeds = Array.from({ length: o.preSeeds }, (_, i) => i + 1);
  }
  if (o.firstSeed !== undefined) {
    if (!Number.isInteger(o.firstSeed) || o.firstSeed < 1 || o.firstSeed > 1e6) throw bad('first-seed', 'must be an integer in [1, 1000000]');
    s.preSeeds = s.preSeeds.map((_, i) => o.firstSeed! + i);
  }
  if (o.ftSeeds !== undefined) {
    if (!Number.isInteger(o.ftSeeds) || o.ftSeeds < 1 || o.ftSeeds > 100) throw bad('ft-seeds', 'must be an integer in [1, 100]');
    s.ftSeeds = Array.from({ length: o.ftSeeds }, (_, i) => i + 1);
  }
  if (o.steps !== undefined) {
    if (!Number.isInteger(o.steps) || o.steps < 10 || o.steps > 100000) throw bad('steps', 'must be an integer in [10, 100000]');
    s.finetune = { ...s.finetune, steps: o.steps };
  }
  if (o.batch !== undefined) {
    if (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > 4096) throw bad('batch', 'must be an integer in [1, 4096]');
    s.finetune = { ...s.finetune, batch: o.batch };
  }
  if (o.config !== undefined) s.config = parseWith(vitConfigSchema, { ...o.config, classes: 5 }, 'config');
  if (o.pairings !== undefined) s.pairings = o.pairings;
  if (o.pairing !== undefined) {
    const kept = s.pairings.filter((p) => p.name.startsWith(o.pairing!));
    if (!kept.length) throw bad('pairing', `no pairing starts with '${o.pairing}' (pairings: ${s.pairings.map((p) => p.name).join('; ')})`);
    s.pairings = kept;
  }
  if (o.arms !== undefined) s.arms = o.arms;
  validateArms(s.arms);
  s.pairings.forEach((p, i) => {
    if (p.source.classes.length !== s.config.classes || p.target.classes.length !== s.config.classes)
      throw bad(`pairings[${i}]`, `source and target need ${s.config.classes} classes each`);
    if (!Number.isInteger(p.maxShift) || p.maxShift < 0 || p.maxShift > 8) throw bad(`pairings[${i}].maxShift`, 'must be an integer in [0, 8]');
  });
  return { protocol: 'search', scale: custom ? 'custom' : scale, ...s };
}

function validateArms(arms: Arm[]): void {
  if (!Array.isArray(arms) || arms.length === 0) throw bad('arms', 'must list at least one arm');
  const names = new Set<string>();
  arms.forEach((a, i) => {
    const p = `arms[${i}]`;
    if (typeof a.name !== 'string' || !a.name) throw bad(`${p}.name`, 'must be a non-empty string');
    if (names.has(a.name)) throw bad(`${p}.name`, `'${a.name}' is used twice`);
    names.add(a.name);
    if (a.optimizer !== 'sgd' && a.optimizer !== 'adamw') throw bad(`${p}.optimizer`, "must be 'sgd' or 'adamw'");
    if (!(a.lr > 0 && a.lr <= 10)) throw bad(`${p}.lr`, 'must be in (0, 10]');
    if (!Number.isInteger(a.rank) || a.rank < 1 || a.rank > 64) throw bad(`${p}.rank`, 'must be an integer in [1, 64]');
    if (a.bInit !== 'zero' && a.bInit !== 'small') throw bad(`${p}.bInit`, "must be 'zero' or 'small'");
    if (a.primary !== undefined && typeof a.primary !== 'boolean') throw bad(`${p}.primary`, 'must be a boolean');
  });
  if (!arms.some((a) => a.primary)) throw bad('arms', 'one arm must be primary (it runs every fine-tuning seed, and its first one gives L*)');
}

/** Hash naming cached results: every setting that changes a number, and the loradyn version. */
export function settingsHash(s: SearchSettings, version: string): string {
  const { scale: _scale, ...rest } = s;
  return createHash('sha256')
    .update(JSON.stringify({ version, ...rest }))
    .digest('hex')
    .slice(0, 16);
}
