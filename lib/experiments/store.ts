// The result store: one JSON file per run, named by the run's canonical hash, written atomically
// (temporary file, fsync, rename, fsync of the directory), so a process killed at any moment
// leaves either the whole file or none of it. A schema file guards the layout.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { runToJson, type RunJson } from '../result_json.js';
import type { Config } from '../config.js';
import type { RunResult } from '../types.js';
import { version } from '../version.js';

export const STORE_SCHEMA_VERSION = 1;
const SCHEMA_FILE = 'loradyn-store.json';

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** What one stored file holds. */
export interface StoredRun {
  hash: string;
  config: Config;
  run: RunJson;
  engine: string;
  backend: string;
  wallMs: number;
  version: string;
  finishedAt: string;
  /** The sweep that computed the run: its name and this run's axis values (absent in older stores). */
  sweep?: { name: string; axes: Record<string, unknown> };
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}

/** Writes `data` to `file` atomically and durably. */
export function writeDurable(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/**
 * Opens an existing store for reading: `dir` itself, or the `store/` inside a folder that
 * `loradyn reproduce` wrote. Throws StoreError, naming both places, when neither is a store.
 */
export function openStore(dir: string): ResultStore {
  if (!existsSync(path.join(dir, SCHEMA_FILE)) && existsSync(path.join(dir, 'store', SCHEMA_FILE))) return ResultStore.open(path.join(dir, 'store'), false);
  if (!existsSync(path.join(dir, SCHEMA_FILE)))
    throw new StoreError(`${dir} is not a loradyn result store (no ${SCHEMA_FILE}) nor a reproduce folder (no store/${SCHEMA_FILE})`);
  return ResultStore.open(dir, false);
}

export class ResultStore {
  readonly dir: string;
  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Opens (creating if needed) a store directory. Refuses a directory written with another schema
   * version, and a non-empty directory that is not a store, so results are never mixed.
   */
  static open(dir: string, create = true): ResultStore {
    const schemaPath = path.join(dir, SCHEMA_FILE);
    if (existsSync(schemaPath)) {
      let v: unknown;
      try {
        v = (JSON.parse(readFileSync(schemaPath, 'utf8')) as { schema?: unknown }).schema;
      } catch (e) {
        throw new StoreError(`${schemaPath} is not readable JSON (${(e as Error).message}); refusing to use ${dir}`);
      }
      if (v !== STORE_SCHEMA_VERSION)
        throw new StoreError(
          `${dir} holds results of store schema version ${JSON.stringify(v)}, this loradyn writes version ${STORE_SCHEMA_VERSION}; refusing to mix them (use another --out directory)`,
        );
      return new ResultStore(dir);
    }
    if (!create) throw new StoreError(`${dir} is not a loradyn result store (no ${SCHEMA_FILE})`);
    if (existsSync(dir) && readdirSync(dir).some((f) => f === 'runs'))
      throw new StoreError(`${dir} has a runs/ folder but no ${SCHEMA_FILE}: not a store of this version; refusing to mix results`);
    mkdirSync(path.join(dir, 'runs'), { recursive: true });
    writeDurable(schemaPath, JSON.stringify({ schema: STORE_SCHEMA_VERSION, createdBy: `loradyn ${version}` }) + '\n');
    return new ResultStore(dir);
  }

  private file(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new StoreError(`bad run hash ${JSON.stringify(hash)}`);
    return path.join(this.dir, 'runs', hash.slice(0, 2), `${hash}.json`);
  }

  has(hash: string): boolean {
    return existsSync(this.file(hash));
  }

  put(hash: string, config: Config, run: RunResult, meta: { engine: string; backend: string; wallMs: number; sweep?: StoredRun['sweep'] }): void {
    const f = this.file(hash);
    mkdirSync(path.dirname(f), { recursive: true });
    const rec: StoredRun = { hash, config, run: runToJson(run), ...meta, version, finishedAt: new Date().toISOString() };
    writeDurable(f, JSON.stringify(rec) + '\n');
  }

  get(hash: string): StoredRun | null {
    const f = this.file(hash);
    if (!existsSync(f)) return null;
    return JSON.parse(readFileSync(f, 'utf8')) as StoredRun;
  }

  /** Every stored hash (leftover temporary files of killed writers are ignored). */
  hashes(): string[] {
    const root = path.join(this.dir, 'runs');
    if (!existsSync(root)) return [];
    const out: string[] = [];
    for (const sub of readdirSync(root)) {
      for (const f of readdirSync(path.join(root, sub))) {
        const m = /^([0-9a-f]{64})\.json$/.exec(f);
        if (m) out.push(m[1]!);
      }
    }
    return out.sort();
  }

  /** Removes temporary files left by killed writers; returns how many. */
  sweepTemporaries(): number {
    const root = path.join(this.dir, 'runs');
    if (!existsSync(root)) return 0;
    let n = 0;
    for (const sub of readdirSync(root))
      for (const f of readdirSync(path.join(root, sub)))
        if (f.includes('.tmp-')) {
          unlinkSync(path.join(root, sub, f));
          n++;
        }
    return n;
  }
}
