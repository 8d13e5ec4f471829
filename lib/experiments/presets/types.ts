// What a preset is: a named reproduction of one SPEC section 6 item, at a chosen scale.
import type { Figure } from '../../plots/render.js';
import type { Table } from '../../report/html.js';
import type { Executor } from '../executor.js';
import type { ResultStore } from '../store.js';
import type { SweepRunOptions } from '../runner.js';

/** tiny: for tests (seconds); quick: about a minute on 2 cores; paper: the paper's parameters, >= 16 seeds. */
export type Scale = 'tiny' | 'quick' | 'paper';
export const SCALES: Scale[] = ['tiny', 'quick', 'paper'];

/** What a preset runs with: the scale, the store and executor, cancellation, logging and progress. */
export interface PresetContext {
  scale: Scale;
  store: ResultStore;
  executor: Executor;
  signal?: AbortSignal;
  /** A line for the log (the CLI prints it above the progress display). */
  log(msg: string): void;
  /** Progress of the preset's current phase: a fraction in [0, 1], a time-to-go estimate, runs done of total. */
  onProgress?(label: string, fraction: number, etaMs: number | null, runs?: { done: number; total: number }): void;
  /** Called once per finished run of every sweep the preset runs. */
  onRun?: SweepRunOptions['onRun'];
}

/** A section of a report: heading, paragraphs, figures and tables. */
export interface Section {
  heading: string;
  text?: string[];
  figures?: Figure[];
  tables?: Table[];
}

/** What a preset returns: the report's sections, the configs it ran and its headline numbers. */
export interface PresetResult {
  sections: Section[];
  /** The sweeps it ran, for the report. */
  configs: { name: string; value: unknown }[];
  /** Headline numbers (also written to summary.json). */
  numbers: Record<string, unknown>;
}

/** One of the paper's experiments: its sweeps, figures, tables and headline numbers. */
export interface Preset {
  name: string;
  /** SPEC section 6 item(s) it reproduces. */
  item: string;
  title: string;
  /** Runs the preset's sweeps (runs already in ctx.store are taken from it) and builds its report content. */
  run(ctx: PresetContext): Promise<PresetResult>;
}
