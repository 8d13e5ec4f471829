// One progress renderer for every long command (sweep, reproduce, vit, worker): runs done / total,
// elapsed time and a smoothed ETA, drawn in place on a terminal; without one (pipes, nohup, batch
// logs) a plain line every 10 s; nothing with --quiet. With --events FILE.jsonl every finished run
// (and the start and end of each phase) is also written as one JSON object per line.
import { appendFileSync, writeFileSync } from 'node:fs';

/** Where and how progress is shown. */
export interface RendererOptions {
  /** Output stream (default process.stderr). */
  stream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Draw in place (default: the stream is a terminal). */
  tty?: boolean;
  /** Show nothing (events are still written). */
  quiet?: boolean;
  /** A JSON-lines file that receives one event per finished run. */
  events?: string;
  /** Least time between two plain lines without a terminal (default 10 000 ms). */
  plainEveryMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** What one finished run reports. */
export interface RunEvent {
  /** Run hash or another id. */
  id?: string;
  seed?: number;
  /** Sweep axes and values, or any fields that say which run it was. */
  coords?: Record<string, unknown>;
  ok: boolean;
  error?: string;
  wallMs?: number;
  /** Anything else worth recording (e.g. first passages). */
  data?: Record<string, unknown>;
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '--';
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * Smoothed rate of progress: the fraction done and the time taken, each summed with weights that
 * decay with a time constant of 20 s, and divided. At a steady speed the ETA is exact; after a
 * change of speed it moves to the new one within a few time constants, and a burst counts in
 * proportion to the work it did, so the ETA does not jump at every run.
 */
export class EtaEstimator {
  private sumF = 0;
  private sumT = 0;
  private lastT: number;
  private lastF = 0;
  constructor(
    t0: number,
    private readonly tauMs = 20_000,
  ) {
    this.lastT = t0;
  }
  /** Feeds the fraction done at time t; returns the estimated ms left (null until known). */
  update(fraction: number, t: number): number | null {
    const dt = t - this.lastT;
    if (dt >= 250 || (fraction >= 1 && dt > 0)) {
      const decay = Math.exp(-dt / this.tauMs);
      this.sumF = this.sumF * decay + (fraction - this.lastF);
      this.sumT = this.sumT * decay + dt;
      this.lastT = t;
      this.lastF = fraction;
    }
    if (fraction >= 1) return 0;
    const rate = this.sumT > 0 ? this.sumF / this.sumT : 0;
    if (!(rate > 0) || fraction <= 0) return null;
    return (1 - fraction) / rate;
  }
}

export class ProgressRenderer {
  private readonly stream: NonNullable<RendererOptions['stream']>;
  private readonly tty: boolean;
  private readonly quiet: boolean;
  private readonly events?: string;
  private readonly plainEveryMs: number;
  private readonly now: () => number;
  private label = '';
  private t0 = 0;
  private eta: EtaEstimator;
  private done = 0;
  private total: number | null = null;
  private fraction: number | null = null;
  private failed = 0;
  private lastDraw = -Infinity;
  private lastPlain = -Infinity;
  private drawn = 0;
  private etaMs: number | null = null;

  constructor(o: RendererOptions = {}) {
    this.stream = o.stream ?? process.stderr;
    this.tty = o.tty ?? Boolean(this.stream.isTTY);
    this.quiet = Boolean(o.quiet);
    this.events = o.events;
    this.plainEveryMs = o.plainEveryMs ?? 10_000;
    this.now = o.now ?? (() => performance.now());
    this.t0 = this.now();
    this.eta = new EtaEstimator(this.t0);
    if (this.events) writeFileSync(this.events, '');
  }

  /** Starts a phase: a label and the number of runs it holds (null when unknown, as for a worker). */
  start(label: string, total: number | null): void {
    this.clear();
    this.label = label;
    this.total = total;
    this.done = 0;
    this.failed = 0;
    this.fraction = null;
    this.t0 = this.now();
    this.eta = new EtaEstimator(this.t0);
    this.etaMs = null;
    this.lastPlain = this.t0;
    this.event({ event: 'start', label, total });
  }

  /** Progress within the phase: runs done, and optionally a finer fraction (e.g. steps done / total). */
  update(p: { done?: number; total?: number | null; fraction?: number }): void {
    if (p.done !== undefined) this.done = p.done;
    if (p.total !== undefined) this.total = p.total;
    if (p.fraction !== undefined) this.fraction = p.fraction;
    this.tick(false);
  }

  /** One run finished: counts it and writes its event. */
  run(e: RunEvent): void {
    this.done++;
    if (!e.ok) this.failed++;
    const t = this.now();
    this.event({
      event: 'run',
      label: this.label,
      done: this.done,
      total: this.total,
      elapsedMs: Math.round(t - this.t0),
      etaMs: this.etaMs === null ? null : Math.round(this.etaMs),
      ...e,
    });
    this.tick(false);
  }

  /** A message line that does not break the bar. */
  log(line: string): void {
    if (this.quiet) return;
    this.clear();
    this.stream.write(line + '\n');
    if (this.tty) this.tick(true);
  }

  /** Ends the phase: the final state once, then the line is left alone. */
  finish(extra: Record<string, unknown> = {}): void {
    if (this.total !== null && this.done >= this.total) this.fraction = 1;
    this.tick(true, true);
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = 0;
    this.event({
      event: 'end',
      label: this.label,
      done: this.done,
      failed: this.failed,
      total: this.total,
      elapsedMs: Math.round(this.now() - this.t0),
      ...extra,
    });
  }

  private currentFraction(): number | null {
    if (this.fraction !== null) return this.fraction;
    return this.total ? this.done / this.total : null;
  }

  /** The status text: "label  12/40 runs  30%  elapsed 1m02s  eta 2m25s". */
  line(): string {
    const t = this.now();
    const f = this.currentFraction();
    const parts = [this.label];
    parts.push(this.total !== null ? `${this.done}/${this.total} runs` : `${this.done} runs`);
    if (this.failed) parts.push(`${this.failed} failed`);
    if (f !== null) parts.push(`${(100 * Math.min(1, f)).toFixed(0)}%`);
    parts.push(`elapsed ${formatDuration(t - this.t0)}`);
    if (f !== null) parts.push(`eta ${formatDuration(this.etaMs)}`);
    else if (this.done > 0) parts.push(`${((this.done / Math.max(1, t - this.t0)) * 60_000).toFixed(1)} runs/min`);
    return parts.join('  ');
  }

  private tick(force: boolean, last = false): void {
    const t = this.now();
    const f = this.currentFraction();
    if (f !== null) this.etaMs = this.eta.update(Math.min(1, f), t);
    if (this.quiet) return;
    if (this.tty) {
      if (!force && t - this.lastDraw < 100) return;
      this.lastDraw = t;
      const width = Math.max(20, (this.stream.columns || 100) - 1);
      const text = this.bar(f, this.line()).slice(0, width);
      this.stream.write(`\r\x1b[2K${text}`);
      this.drawn = text.length;
    } else if (last || t - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = t;
      this.stream.write(this.line() + '\n');
    }
  }

  private bar(f: number | null, text: string): string {
    if (f === null) return text;
    const w = 20;
    const n = Math.round(Math.min(1, f) * w);
    return `[${'#'.repeat(n)}${'-'.repeat(w - n)}] ${text}`;
  }

  private clear(): void {
    if (this.tty && this.drawn && !this.quiet) this.stream.write('\r\x1b[2K');
    this.drawn = 0;
  }

  private event(o: Record<string, unknown>): void {
    if (!this.events) return;
    appendFileSync(this.events, JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');
  }
}

/** Adds --quiet and --events FILE.jsonl to a long command. */
export function progressOptions<C extends { option(flags: string, description: string): C }>(cmd: C): C {
  return cmd
    .option('--quiet', 'no progress display (errors still print)')
    .option('--events <file>', 'write one JSON line per finished run (and per phase start and end) to FILE, for dashboards');
}
