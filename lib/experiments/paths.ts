// Dotted config paths ("model.pretrained.mu") checked against the config schema, so a sweep axis
// that names a field that does not exist is refused before anything runs.
import { configSchema } from '../config.js';
import { objectEntries, type AnySchema } from '../schema.js';

/** True when `path` names a field of the config schema (any depth). */
export function isConfigPath(path: string): boolean {
  let s: AnySchema = configSchema;
  for (const key of path.split('.')) {
    const entries = objectEntries(s);
    if (!entries || !Object.hasOwn(entries, key)) return false;
    s = entries[key]! as AnySchema;
  }
  return path.length > 0;
}

/** A deep copy of `obj` with `path` set to `value` (intermediate objects created as needed). */
export function setPath<T extends object>(obj: T, path: string, value: unknown): T {
  const out = structuredClone(obj) as Record<string, unknown>;
  const keys = path.split('.');
  let cur = out;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = structuredClone(value);
  return out as T;
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}
