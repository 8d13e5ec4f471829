// Sweep files: a base config plus axes (dotted config paths -> lists of values), expanded as a
// cartesian product; each grid point runs every seed, one run per (point, seed).
import * as v from 'valibot';
import v8 from 'node:v8';
import { createHash } from 'node:crypto';
import { canonicalJson, parseConfig, seedList, seedsSchema, type Config, type ConfigInput } from '../config.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { isConfigPath, setPath } from './paths.js';

/** A sweep: a base config, axes (dotted config paths and their values) and seeds. */
export interface SweepSpec {
  /** Optional label shown in listings. */
  name?: string;
  base: ConfigInput;
  /** Axis path -> values. Order of keys is the order of the product (last varies fastest). */
  axes: Record<string, unknown[]>;
  /** Seeds for every point (overrides base.seeds): a list or { count, base }. */
  seeds?: number[] | { count: number; base?: number };
}

/** One run: a single seed of one grid point, named by its hash. */
export interface RunSpec {
  hash: string;
  /** The filled-in config with `seeds: [seed]`. */
  config: Config;
  seed: number;
  /** Index of the grid point and its axis values. */
  point: number;
  coords: Record<string, unknown>;
}

/** One grid point of a sweep: its axis values and filled-in config. */
export interface SweepPoint {
  index: number;
  coords: Record<string, unknown>;
  /** Filled-in config with all of the point's seeds. */
  config: Config;
}

/** A sweep expanded into its grid points and its runs (one per point and seed). */
export interface ExpandedSweep {
  name: string;
  points: SweepPoint[];
  runs: RunSpec[];
}

/** The canonical hash that names a single-seed run: sha256 of canonicalJson(config). */
export function runHash(config: Config): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

const fmtCoords = (c: Record<string, unknown>) =>
  Object.entries(c)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');

// JS heap an expanded grid takes, per point (its filled-in config and coordinates) and per
// run (its spec, single-seed config and hash), against half of V8's heap limit: checked
// before anything is expanded, so a grid too large fails at once instead of after minutes.
const GRID_BYTES_PER_POINT = 4096;
const GRID_BYTES_PER_RUN = 1024;
function checkGridMemory(points: number, base: unknown, seeds: unknown): void {
  let perSeed = 1;
  if (Array.isArray(seeds)) perSeed = seeds.length;
  else if (seeds && typeof seeds === 'object' && typeof (seeds as { count?: unknown }).count === 'number') perSeed = (seeds as { count: number }).count;
  const baseBytes = 3 * (JSON.stringify(base ?? {})?.length ?? 0);
  const need = points * (GRID_BYTES_PER_POINT + baseBytes) + points * perSeed * GRID_BYTES_PER_RUN;
  const limit = 0.5 * v8.getHeapStatistics().heap_size_limit;
  if (need > limit) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    throw new ConfigError(
      [
        {
          path: 'axes',
          message: `the grid has ${points} points x ${perSeed} seeds; expanding it takes about ${gib(need)}, more than the ${gib(limit)} allowed (half of this process's heap): split the sweep`,
        },
      ],
      'sweep',
    );
  }
}

/**
 * Checks a sweep and expands it. Every problem (unknown axis field, empty axis, a grid point that
 * fails validation, a grid too large to expand) is reported in one ConfigError before anything runs.
 */
export function expandSweep(raw: unknown): ExpandedSweep {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError([{ path: '', message: 'a sweep file must be a JSON object { base, axes, seeds? }' }]);
  const spec = raw as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  for (const k of Object.keys(spec))
    if (!['name', 'base', 'axes', 'seeds'].includes(k)) issues.push({ path: k, message: 'unknown sweep field (allowed: name, base, axes, seeds)' });
  const base = (spec.base ?? {}) as ConfigInput;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) issues.push({ path: 'base', message: 'must be a config object' });
  const axes = (spec.axes ?? {}) as Record<string, unknown>;
  if (typeof axes !== 'object' || axes === null || Array.isArray(axes)) issues.push({ path: 'axes', message: 'must be an object { "dotted.path": [values] }' });
  const axisNames = Object.keys(axes ?? {});
  for (const a of axisNames) {
    const vals = axes[a];
    if (a === 'seeds') issues.push({ path: `axes.${a}`, message: 'seeds are not an axis: give them as the sweep\'s "seeds" field' });
    else if (!isConfigPath(a))
      issues.push({
        path: `axes.${a}`,
        message: `"${a}" is not a config field (e.g. model.pretrained.mu, model.activation, model.d, model.rank, train.eta, engine)`,
      });
    if (!Array.isArray(vals)) issues.push({ path: `axes.${a}`, message: 'must be a list of values' });
    else if (vals.length === 0) issues.push({ path: `axes.${a}`, message: 'is empty: an axis needs at least one value' });
  }
  let seeds: Config['seeds'] | undefined;
  if (spec.seeds !== undefined) {
    const r = v.safeParse(seedsSchema, spec.seeds);
    if (!r.success) issues.push({ path: 'seeds', message: r.issues.map((i) => i.message).join('; ') });
    else seeds = r.output;
  }
  if (issues.length) throw new ConfigError(issues, 'sweep');

  const lists = axisNames.map((a) => axes[a] as unknown[]);
  const total = lists.reduce((n, l) => n * l.length, 1);
  if (total > 1_000_000) throw new ConfigError([{ path: 'axes', message: `the grid has ${total} points (at most 1e6)` }], 'sweep');
  checkGridMemory(total, base, seeds ?? (base as { seeds?: unknown }).seeds);
  const points: SweepPoint[] = [];
  const runs: RunSpec[] = [];
  for (let idx = 0; idx < total; idx++) {
    let rem = idx;
    const coords: Record<string, unknown> = {};
    const pick: unknown[] = new Array(lists.length);
    for (let j = lists.length - 1; j >= 0; j--) {
      pick[j] = lists[j]![rem % lists[j]!.length];
      rem = Math.floor(rem / lists[j]!.length);
    }
    let input = structuredClone(base) as Record<string, unknown>;
    axisNames.forEach((a, j) => {
      coords[a] = pick[j];
      input = setPath(input, a, pick[j]);
    });
    if (seeds) input.seeds = seeds;
    let config: Config;
    try {
      config = parseConfig(input, 1); // shape and every core rule of its engine and backend
    } catch (e) {
      if (e instanceof ConfigError) {
        for (const i of e.issues) issues.push({ path: i.path, message: `${i.message} (grid point ${idx}: ${fmtCoords(coords)})` });
        continue;
      }
      throw e;
    }
    points.push({ index: idx, coords, config });
    for (const seed of seedList(config)) {
      const single = { ...config, seeds: [seed] } as Config;
      runs.push({ hash: runHash(single), config: single, seed, point: idx, coords });
    }
  }
  if (issues.length) throw new ConfigError(issues.slice(0, 20), 'sweep');
  return { name: typeof spec.name === 'string' ? spec.name : 'sweep', points, runs };
}
