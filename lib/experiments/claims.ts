// Claims on runs of a result store, so that several processes sharing one store compute each run
// once. A claim is a proper-lockfile lock (an atomic mkdir, also on network file systems) on
// claims/<hash>, kept fresh by its holder; a claim not refreshed for `staleMs` is taken over. A
// holder on this machine that has died (SIGKILL, power loss of a container) is noticed at once
// from the owner file beside the lock, instead of after staleMs.
//
// Correctness never rests on the claims: runs are deterministic and stored by atomic rename of a
// verified file, so a claim that is lost (a stalled holder, clocks or attribute caches of a network
// file system) can cost a run computed twice, never a wrong or a lost run.
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';

// Loaded on first use (with graceful-fs, which it brings), not by every import of loradyn.
let lockModule: typeof import('proper-lockfile') | undefined;
const lockfile = () => (lockModule ??= createRequire(import.meta.url)('proper-lockfile') as typeof import('proper-lockfile'));

/** A claim held by this process; release() when the run is stored (or failed). */
export interface Claim {
  readonly hash: string;
  /** True once another process may have taken the claim over (it was not refreshed in time). */
  readonly lost: boolean;
  /** Lets the claim go; a second call does nothing. */
  release(): Promise<void>;
}

/** Options of a store's run claims. */
export interface ClaimOptions {
  /** A claim not refreshed for this long is taken over (ms; default 60 000, LORADYN_STORE_STALE_MS). */
  staleMs?: number;
  /** Told when a claim of this process was lost. */
  onWarning?: (message: string) => void;
}

/** This machine's name as written in owner files and temporary file names. */
export const HOST = os.hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';

/** Whether process `pid` of this machine is alive (EPERM: alive, but another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function defaultStaleMs(): number {
  const v = Number(process.env.LORADYN_STORE_STALE_MS);
  return Number.isFinite(v) && v >= 2000 ? v : 60_000;
}

/** Claims on runs, shared by every process on one store (lock files under the store): a run is computed by the process that holds its claim. */
export class RunClaims {
  readonly dir: string;
  readonly staleMs: number;
  private readonly held = new Set<string>();
  private dirMade = false;
  private readonly onWarning: (message: string) => void;
  constructor(storeDir: string, o: ClaimOptions = {}) {
    this.dir = path.join(storeDir, 'claims');
    this.staleMs = Math.max(2000, o.staleMs ?? defaultStaleMs());
    this.onWarning = o.onWarning ?? (() => {});
  }

  // Made on first use, so that reading a store never needs to write to it.
  private ensureDir(): void {
    if (!this.dirMade) mkdirSync(this.dir, { recursive: true });
    this.dirMade = true;
  }

  private target(hash: string) {
    return path.join(this.dir, hash);
  }
  private lockDir(hash: string) {
    return path.join(this.dir, `${hash}.lock`);
  }
  private ownerFile(hash: string) {
    return path.join(this.dir, `${hash}.owner`);
  }
  private lockOptions(hash: string) {
    return { stale: this.staleMs, update: Math.max(1000, Math.floor(this.staleMs / 6)), realpath: false, lockfilePath: this.lockDir(hash) };
  }

  /** True when the claim's holder is known to be dead: a process of this machine that is gone. */
  private holderDead(hash: string): boolean {
    try {
      const o = JSON.parse(readFileSync(this.ownerFile(hash), 'utf8')) as { host?: unknown; pid?: unknown };
      return o.host === HOST && typeof o.pid === 'number' && o.pid !== process.pid && !pidAlive(o.pid);
    } catch {
      return false; // no owner file (yet), or one being written: trust the lock's age
    }
  }

  private writeOwner(hash: string): void {
    try {
      writeFileSync(this.ownerFile(hash), JSON.stringify({ host: HOST, pid: process.pid, at: new Date().toISOString() }));
    } catch {
      // Without an owner file the claim still holds; a dead holder is then noticed after staleMs.
    }
  }

  /** Whether this process holds the claim on `hash`. */
  heldHere(hash: string): boolean {
    return this.held.has(hash);
  }

  /**
   * Claims `hash` for this process. Resolves to null when another live process holds it (or this
   * one does). A claim whose holder died on this machine is taken over at once (its lock is aged
   * past staleMs, so that proper-lockfile's own take-over applies).
   */
  async tryClaim(hash: string): Promise<Claim | null> {
    if (this.held.has(hash)) return null;
    const state = { lost: false };
    const options = {
      ...this.lockOptions(hash),
      retries: 0,
      onCompromised: (err: Error) => {
        state.lost = true;
        this.held.delete(hash);
        this.onWarning(`the claim on run ${hash} was lost (${err.message}); another process may compute it too (same result, stored once)`);
      },
    };
    this.ensureDir();
    let release: () => Promise<void>;
    try {
      release = await lockfile().lock(this.target(hash), options);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (!this.holderDead(hash)) return null;
      try {
        utimesSync(this.lockDir(hash), 0, 0);
        release = await lockfile().lock(this.target(hash), options);
      } catch (e2) {
        const code = (e2 as NodeJS.ErrnoException).code;
        if (code === 'ELOCKED' || code === 'ENOENT') return null;
        throw e2;
      }
    }
    this.held.add(hash);
    this.writeOwner(hash);
    let released = false;
    return {
      hash,
      get lost() {
        return state.lost;
      },
      release: async () => {
        if (released) return;
        released = true;
        if (state.lost) return;
        this.held.delete(hash);
        rmSync(this.ownerFile(hash), { force: true });
        await release().catch(() => {});
      },
    };
  }

  /**
   * Runs `fn` under the claim on `hash` if it can be had at once (or this process holds it), and
   * returns its result; returns `busy` without running it when another live process holds it.
   */
  withClaimSync<T, B>(hash: string, fn: () => T, busy: B): T | B {
    if (this.held.has(hash)) return fn();
    const options = { ...this.lockOptions(hash), onCompromised: () => {} };
    this.ensureDir();
    let release: () => void;
    try {
      release = lockfile().lockSync(this.target(hash), options);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (!this.holderDead(hash)) return busy;
      try {
        utimesSync(this.lockDir(hash), 0, 0);
        release = lockfile().lockSync(this.target(hash), options);
      } catch (e2) {
        const code = (e2 as NodeJS.ErrnoException).code;
        if (code === 'ELOCKED' || code === 'ENOENT') return busy;
        throw e2;
      }
    }
    this.held.add(hash);
    try {
      return fn();
    } finally {
      this.held.delete(hash);
      try {
        release();
      } catch {
        // already released or taken over: nothing of ours is left to remove
      }
    }
  }

  /** Whether a live process (this one included) holds a claim on `hash` now. */
  async isClaimed(hash: string): Promise<boolean> {
    if (this.held.has(hash)) return true;
    const held = await lockfile().check(this.target(hash), this.lockOptions(hash));
    return held && !this.holderDead(hash);
  }
}
