// Shared benchmark plumbing: timing loradyn calls, running Python peers, printing tables,
// writing bench/results/<suite>.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

export interface PeerResult {
  seconds: number;
  steps_per_s?: number;
  [k: string]: unknown;
}

/** Runs bench/peers/<script> with python3 on one thread; returns its JSON line. */
export function runPeer(script: string, args: string[]): PeerResult {
  const r = spawnSync('python3', [join(benchDir, 'peers', script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`peer ${script} failed: ${r.stderr || r.error}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as PeerResult;
}

export function machine() {
  return { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, date: new Date().toISOString() };
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const w = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  process.stdout.write(`\n${title}\n`);
  for (const [k, r] of cells.entries()) {
    process.stdout.write(r.map((c, i) => String(c).padStart(w[i]!)).join('  ') + '\n');
    if (k === 0) process.stdout.write(w.map((n) => '-'.repeat(n)).join('  ') + '\n');
  }
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e5) return String(x);
  return a >= 1e5 || (a > 0 && a < 1e-2) ? x.toExponential(2) : a >= 100 ? x.toFixed(0) : x.toFixed(2);
}

export function writeResults(suite: string, data: unknown): string {
  const dir = join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, `${suite}.json`);
  writeFileSync(p, JSON.stringify({ machine: machine(), results: data }, null, 2) + '\n');
  return p;
}
