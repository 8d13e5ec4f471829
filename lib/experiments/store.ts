// The result store: one JSON file per run, named by the run's canonical hash, written atomically
// (temporary file, fsync, rename, fsync of the directory), so a process killed at any moment
// leaves either the whole file or none of it. A schema file guards the layout.
//
// Every read verifies the file (run_schema.ts: its shape, its config's hash against its name, the
// run's consistency); a file that fails is moved to quarantine/ with a warning and counts as
// missing, so the next sweep computes the run again. Several processes may share a store: each
// writes under temporary names of its own, removes only the temporary files of writers that are
// gone, and claims a run before computing it (claims.ts).
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { runToJson } from '../result_json.js';
import type { Config } from '../config.js';
import type { RunResult } from '../types.js';
import { version } from '../version.js';
import { HOST, pidAlive, RunClaims } from './claims.js';
import { verifyStoredRun, type StoredRun } from './run_schema.js';

export type { StoredRun } from './run_schema.js';

/** Version of the store layout, written in the store's loradyn-store.json. */
export const STORE_SCHEMA_VERSION = 1;
const SCHEMA_FILE = 'loradyn-store.json';
/** A temporary file older than this is abandoned, whoever wrote it (a write takes milliseconds). */
const TEMP_MAX_AGE_MS = 3_600_000;

/** A store cannot be opened, read or written (the message says which file and why). */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Options of ResultStore.open and openStore. */
export interface StoreOptions {
  /** Told about each file moved to quarantine/ and each claim lost; default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /** A claim on a run not refreshed for this long is taken over (ms; default 60 s, LORADYN_STORE_STALE_MS). */
  staleMs?: number;
}

/** A file this process moved to quarantine/. */
export interface QuarantinedFile {
  hash: string;
  /** Where it was and where it is now, relative to the store. */
  from: string;
  to: string;
  reason: string;
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

/** The temporary name this process writes `file` under: `<file>.tmp-<pid>-<random>@<host>`. */
function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}@${HOST}`;
}

/** Writer of a temporary file; host is undefined for names written before hosts were recorded. */
function tempOwner(name: string): { pid: number; host: string | undefined } | null {
  const m = /\.tmp-(\d+)-[a-z0-9]+(?:@(.+))?$/.exec(name);
  return m ? { pid: Number(m[1]), host: m[2] } : null;
}

/** Writes `data` to `file` atomically and durably. */
export function writeDurable(file: string, data: string): void {
  const tmp = tempName(file);
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
export function openStore(dir: string, o: StoreOptions = {}): ResultStore {
  if (!existsSync(path.join(dir, SCHEMA_FILE)) && existsSync(path.join(dir, 'store', SCHEMA_FILE))) return ResultStore.open(path.join(dir, 'store'), false, o);
  if (!existsSync(path.join(dir, SCHEMA_FILE)))
    throw new StoreError(`${dir} is not a loradyn result store (no ${SCHEMA_FILE}) nor a reproduce folder (no store/${SCHEMA_FILE})`);
  return ResultStore.open(dir, false, o);
}

/** A folder of verified runs, one JSON file per run keyed by its config hash. Reads verify each file (a bad one is quarantined); writes are atomic and durable. */
export class ResultStore {
  readonly dir: string;
  readonly claims: RunClaims;
  /** Files this process moved to quarantine/, in order. */
  readonly quarantined: QuarantinedFile[] = [];
  private readonly warn: (message: string) => void;

  private constructor(dir: string, o: StoreOptions) {
    this.dir = dir;
    this.warn = o.onWarning ?? ((m) => process.emitWarning(m, { code: 'LORADYN_STORE' }));
    this.claims = new RunClaims(dir, { staleMs: o.staleMs, onWarning: this.warn });
  }

  /**
   * Opens (creating if needed) a store directory. Refuses a directory written with another schema
   * version, and a non-empty directory that is not a store, so results are never mixed.
   */
  static open(dir: string, create = true, options: StoreOptions = {}): ResultStore {
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
      return new ResultStore(dir, options);
    }
    if (!create) throw new StoreError(`${dir} is not a loradyn result store (no ${SCHEMA_FILE})`);
    if (existsSync(dir) && readdirSync(dir).some((f) => f === 'runs'))
      throw new StoreError(`${dir} has a runs/ folder but no ${SCHEMA_FILE}: not a store of this version; refusing to mix results`);
    // The schema file first: a process killed in between leaves a store, not a runs/ folder without one.
    // Two processes creating one store at once write the same schema file: either rename wins.
    mkdirSync(dir, { recursive: true });
    writeDurable(schemaPath, JSON.stringify({ schema: STORE_SCHEMA_VERSION, createdBy: `loradyn ${version}` }) + '\n');
    mkdirSync(path.join(dir, 'runs'), { recursive: true });
    return new ResultStore(dir, options);
  }

  private file(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new StoreError(`bad run hash ${JSON.stringify(hash)}`);
    return path.join(this.dir, 'runs', hash.slice(0, 2), `${hash}.json`);
  }

  /** True when a verified run is stored under `hash` (a bad file is quarantined: false). */
  has(hash: string): boolean {
    return this.get(hash) !== null;
  }

  /**
   * Stores a run unless a verified copy is already there (another process stored it first). The
   * record is verified before it is written: a result that fails is refused with a StoreError and
   * nothing is written. Returns whether this call wrote the file.
   */
  put(hash: string, config: Config, run: RunResult, meta: { engine: string; backend: string; wallMs: number; sweep?: StoredRun['sweep'] }): boolean {
    const f = this.file(hash);
    const rec = { hash, config, run: runToJson(run), ...meta, version, finishedAt: new Date().toISOString() };
    const text = JSON.stringify(rec) + '\n';
    const v = verifyStoredRun(JSON.parse(text), hash);
    if (!v.ok) throw new StoreError(`refusing to store run ${hash}: ${v.reason}`);
    if (this.has(hash)) return false;
    mkdirSync(path.dirname(f), { recursive: true });
    writeDurable(f, text);
    return true;
  }

  /** The verified run stored under `hash`, or null (none, or a bad file, which is quarantined). */
  get(hash: string): StoredRun | null {
    const f = this.file(hash);
    const read = this.read(f);
    if (read === null) return null;
    const v = this.verify(read, hash);
    if (v.ok) return v.value;
    return this.quarantine(hash, f, read, v.reason);
  }

  // The file's text; null when there is none. A path that cannot be read as a file is bad content.
  private read(f: string): string | null {
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'EISDIR') return '';
      throw new StoreError(`cannot read ${f}: ${(e as Error).message}`);
    }
  }

  private verify(text: string, hash: string): ReturnType<typeof verifyStoredRun> {
    if (text.trim() === '') return { ok: false, reason: 'the file is empty' };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return { ok: false, reason: `not JSON (${(e as Error).message}): truncated or overwritten` };
    }
    return verifyStoredRun(raw, hash);
  }

  /**
   * Moves a bad file to quarantine/ under the run's claim, so that a good file another process has
   * just stored in its place is never moved; while another process holds the claim (it is
   * computing the run and will replace the file) the file is left to it. Returns the verified run
   * when the file was replaced by a good one meanwhile, else null.
   */
  private quarantine(hash: string, f: string, seen: string, reason: string): StoredRun | null {
    return this.claims.withClaimSync(
      hash,
      () => {
        const now = this.read(f);
        if (now === null) return null;
        if (now !== seen) {
          const v = this.verify(now, hash);
          if (v.ok) return v.value;
          reason = v.reason;
        }
        const qdir = path.join(this.dir, 'quarantine');
        mkdirSync(qdir, { recursive: true });
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const base = `${path.basename(f, '.json')}.${stamp}.${process.pid}`;
        const to = path.join(qdir, `${base}.json`);
        renameSync(f, to);
        writeFileSync(path.join(qdir, `${base}.reason.txt`), `${path.relative(this.dir, f)}\n${reason}\n`);
        const q: QuarantinedFile = { hash, from: path.relative(this.dir, f), to: path.relative(this.dir, to), reason };
        this.quarantined.push(q);
        this.warn(
          `bad run file ${path.join(this.dir, q.from)}: ${reason}; moved to ${path.join(this.dir, q.to)}; the run counts as missing and a sweep computes it again`,
        );
        return null;
      },
      null,
    );
  }

  /**
   * Every hash with a file in its place under runs/ (temporary files and other names are ignored;
   * a run file in the wrong subfolder is quarantined). Files are verified when read, not here.
   */
  hashes(): string[] {
    const root = path.join(this.dir, 'runs');
    if (!existsSync(root)) return [];
    const out: string[] = [];
    for (const sub of readdirSync(root, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      for (const f of readdirSync(path.join(root, sub.name))) {
        const m = /^([0-9a-f]{64})\.json$/.exec(f);
        if (!m) continue;
        const hash = m[1]!;
        if (hash.slice(0, 2) === sub.name) out.push(hash);
        else {
          const p = path.join(root, sub.name, f);
          const text = this.read(p);
          if (text !== null) this.quarantine(hash, p, text, `a run file in runs/${sub.name}/, where run ${hash} does not belong (runs/${hash.slice(0, 2)}/)`);
        }
      }
    }
    return out.sort();
  }

  /**
   * Removes temporary files whose writers are gone: a process of this machine that has exited, or
   * any writer whose file is over an hour old (a write takes milliseconds; other machines' processes
   * cannot be asked). Files of live writers are never touched. Returns how many were removed.
   */
  sweepTemporaries(): number {
    const root = path.join(this.dir, 'runs');
    if (!existsSync(root)) return 0;
    let n = 0;
    const now = Date.now();
    for (const sub of readdirSync(root, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      for (const f of readdirSync(path.join(root, sub.name))) {
        const owner = tempOwner(f);
        if (!owner) continue;
        const p = path.join(root, sub.name, f);
        const ours = owner.host === undefined || owner.host === HOST;
        let old = false;
        try {
          old = now - statSync(p).mtimeMs > TEMP_MAX_AGE_MS;
        } catch {
          continue; // renamed or removed meanwhile by its writer
        }
        if ((ours && owner.pid !== process.pid && !pidAlive(owner.pid)) || old) {
          try {
            unlinkSync(p);
            n++;
          } catch {
            // gone already
          }
        }
      }
    }
    return n;
  }
}
