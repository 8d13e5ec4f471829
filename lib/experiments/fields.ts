// Which config fields vary across a set of runs: the columns that tell their settings apart in
// `loradyn results` and in every export. A sweep over fields the fixed columns did not show (label
// noise x spherical, say) would otherwise print rows that look identical.
import type { Config } from '../config.js';

/** A config leaf value: numbers, strings, booleans and null as they are; lists and objects as JSON. */
export type FieldValue = number | string | boolean | null;

/** Dotted path -> leaf value of a config, without its seeds (they name runs, not settings). */
export function flattenConfig(c: Config): Map<string, FieldValue> {
  const out = new Map<string, FieldValue>();
  const walk = (v: unknown, path: string) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, path ? `${path}.${k}` : k);
      return;
    }
    if (v === undefined) return;
    out.set(path, v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v));
  };
  const { seeds: _seeds, ...rest } = c;
  walk(rest, '');
  return out;
}

/**
 * The dotted paths whose values differ between some of the configs (a path missing from some
 * configs counts as differing), ordered: `first` (e.g. the sweep's axes) in their order, then the
 * rest alphabetically.
 */
export function varyingFields(configs: Config[], first: string[] = []): string[] {
  const flat = configs.map(flattenConfig);
  const paths = new Set(flat.flatMap((f) => [...f.keys()]));
  const varying: string[] = [];
  for (const p of paths) {
    const seen = new Set(flat.map((f) => (f.has(p) ? JSON.stringify(f.get(p)) : '<absent>')));
    if (seen.size > 1) varying.push(p);
  }
  const rank = (p: string) => {
    const i = first.indexOf(p);
    return i < 0 ? first.length : i;
  };
  return varying.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A short column label for a path: its last segment, or more segments where two would collide. */
export function fieldLabels(paths: string[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const p of paths) {
    const parts = p.split('.');
    let n = 1;
    const label = () => parts.slice(-n).join('.');
    while (n < parts.length && paths.some((q) => q !== p && q.split('.').slice(-n).join('.') === label())) n++;
    labels.set(p, label());
  }
  return labels;
}
