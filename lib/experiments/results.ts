// Reading a result store back: runs grouped by setting (the config without its seed), escape
// statistics per setting, and a flat CSV of runs.
import { canonicalJson, type Config } from '../config.js';
import { perLogD, summarizeEscapes, type EscapeSummary, type Passage } from './escape_stats.js';
import { flattenConfig, varyingFields, type FieldValue } from './fields.js';
import type { ResultStore, StoredRun } from './store.js';

/** The runs of a store that share one config up to the seed. */
export interface Setting {
  key: string;
  config: Config;
  runs: StoredRun[];
}

/** The config of a run without its seeds: the setting it belongs to. */
export function settingKey(c: Config): string {
  const { seeds: _s, ...rest } = c;
  return canonicalJson(rest);
}

/** Groups a store's runs (all, or those of `hashes`) into settings: runs whose configs differ only in the seed. */
export function loadSettings(store: ResultStore, hashes = store.hashes()): Setting[] {
  const map = new Map<string, Setting>();
  for (const h of hashes) {
    const r = store.get(h);
    if (!r) continue;
    const k = settingKey(r.config);
    let s = map.get(k);
    if (!s) {
      s = { key: k, config: r.config, runs: [] };
      map.set(k, s);
    }
    s.runs.push(r);
  }
  for (const s of map.values()) s.runs.sort((a, b) => a.run.seed - b.run.seed);
  // Settings in the order of the fields that tell them apart (sweep axes first), numbers numerically.
  const all = [...map.values()];
  const paths = settingFields(all);
  const flat = new Map(all.map((s) => [s, flattenConfig(s.config)]));
  const cmp = (x: FieldValue | undefined, y: FieldValue | undefined): number => {
    if (x === y) return 0;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    const a = x === undefined ? '' : String(x);
    const b = y === undefined ? '' : String(y);
    return a < b ? -1 : a > b ? 1 : 0;
  };
  return all.sort((a, b) => {
    for (const p of paths) {
      const c = cmp(flat.get(a)!.get(p), flat.get(b)!.get(p));
      if (c) return c;
    }
    return 0;
  });
}

export function passages(runs: StoredRun[], threshold = 0.5): Passage[] {
  return runs.map((r) => ({ step: r.run.escape[String(threshold)] ?? null, horizon: r.run.stepsDone }));
}

/** First passages of the loss below fraction f of its excess at step 0 (record.lossThresholds). */
export function lossPassages(runs: StoredRun[], fraction = 0.5): Passage[] {
  return runs.map((r) => ({ step: r.run.lossEscape?.[String(fraction)] ?? null, horizon: r.run.stepsDone }));
}

const actName = (a: unknown) => (typeof a === 'string' ? a : JSON.stringify(a));

export function describe(c: Config): Record<string, string | number> {
  const mu = c.model.pretrained.mu;
  return {
    engine: c.engine,
    activation: actName(c.model.activation),
    teacher: actName(c.model.teacher),
    kind: c.model.pretrained.kind,
    mu: Array.isArray(mu) ? mu.join('/') : mu,
    d: c.model.d,
    rank: c.model.rank,
    hidden: c.model.hidden,
    batch: c.train.batch,
    eta: c.train.eta,
    steps: c.train.steps,
  };
}

/**
 * The thresholds every run of the settings recorded, ascending, as the keys of `escape` ("0.5").
 * A threshold some runs lack would make them look censored, so only these can be summarised.
 */
export function recordedThresholds(settings: Setting[]): string[] {
  const runs = settings.flatMap((s) => s.runs);
  if (!runs.length) return [];
  const sets = runs.map((r) => new Set(Object.keys(r.run.escape)));
  return [...sets[0]!].filter((k) => sets.every((x) => x.has(k))).sort((a, b) => Number(a) - Number(b));
}

/** The config fields that differ between the settings, sweep axes first (see fields.ts). */
export function settingFields(settings: Setting[]): string[] {
  const axes = [...new Set(settings.flatMap((s) => s.runs.flatMap((r) => Object.keys(r.sweep?.axes ?? {}))))];
  return varyingFields(
    settings.map((s) => s.config),
    axes,
  );
}

/** One setting as a results row: its varying fields and escape statistics. */
export interface SettingRow {
  setting: Record<string, string | number>;
  /** The values of the fields that vary across the settings (`settingFields`), by dotted path. */
  fields: Record<string, FieldValue>;
  summary: EscapeSummary;
  /** KM median x eta_eff / log d (ODE time per log d). */
  medianPerLogD: number | null;
  wallMs: number;
}

/** Effective eta: the paper's Hermite rescale divides eta by k! k for the top order k. */
export function effectiveEta(c: Config, maxOrder: number | null): number {
  if (!c.train.hermiteRescale || maxOrder === null) return c.train.eta;
  let f = 1;
  for (let i = 2; i <= maxOrder; i++) f *= i;
  return c.train.eta / (f * maxOrder);
}

/** Escape statistics per setting at `threshold` (which the runs must have recorded), with the fields that vary across the settings. */
export function settingRows(settings: Setting[], threshold = 0.5, seed = 1): SettingRow[] {
  const paths = settingFields(settings);
  return settings.map((s) => {
    const flat = flattenConfig(s.config);
    const summary = summarizeEscapes(passages(s.runs, threshold), { seed });
    const run0 = s.runs[0]!.run;
    // t / step gives the effective eta that the engine used.
    const n = run0.step.length - 1;
    const eta = n > 0 && run0.step[n]! > 0 ? run0.t[n]! / run0.step[n]! : s.config.train.eta;
    return {
      setting: describe(s.config),
      fields: Object.fromEntries(paths.map((p) => [p, flat.get(p) ?? null])),
      summary,
      medianPerLogD: perLogD(summary.median, eta, s.config.model.d),
      wallMs: s.runs.reduce((a, r) => a + r.wallMs, 0),
    };
  });
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One CSV row per stored run: the fixed description columns, then every other varying field. */
export function runsCsv(settings: Setting[]): string {
  const ths = recordedThresholds(settings);
  // Loss-threshold columns only where some run has them, so other stores export as before.
  const lths = [...new Set(settings.flatMap((s) => s.config.record.lossThresholds ?? []))].sort();
  const fixed = ['engine', 'activation', 'teacher', 'kind', 'mu', 'd', 'rank', 'hidden', 'batch', 'eta', 'steps'];
  const fixedPaths = new Set([
    'engine',
    'model.activation',
    'model.teacher',
    'model.pretrained.kind',
    'model.pretrained.mu',
    'model.d',
    'model.rank',
    'model.hidden',
    'train.batch',
    'train.eta',
    'train.steps',
  ]);
  const extra = settingFields(settings).filter((p) => !fixedPaths.has(p));
  const head = [
    'hash',
    ...fixed,
    ...extra,
    'seed',
    ...ths.map((t) => `escape_${t}`),
    ...lths.map((f) => `loss_escape_${f}`),
    'steps_done',
    'final_m',
    'final_loss',
    'diverged_step',
    'wall_ms',
  ];
  const lines = [head.map(csvCell).join(',')];
  for (const s of settings) {
    const flat = flattenConfig(s.config);
    for (const r of s.runs) {
      const d = describe(r.config);
      const last = r.run.step.length - 1;
      lines.push(
        [
          r.hash,
          ...fixed.map((k) => d[k]),
          ...extra.map((p) => flat.get(p) ?? null),
          r.run.seed,
          ...ths.map((t) => r.run.escape[t] ?? ''),
          ...lths.map((f) => r.run.lossEscape?.[String(f)] ?? ''),
          r.run.stepsDone,
          r.run.m[last * r.run.rank * r.run.hidden],
          r.run.popLoss[last],
          r.run.divergedStep ?? '',
          r.wallMs.toFixed(1),
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}
