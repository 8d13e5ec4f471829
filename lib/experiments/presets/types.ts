// What a preset is: a named reproduction of one SPEC section 6 item, at a chosen scale.
import type { Figure } from '../../plots/render.js';
import type { Table } from '../../report/html.js';
import type { Executor } from '../executor.js';
import type { ResultStore } from '../store.js';
import type { SweepRunOptions } from '../runner.js';

/** tiny: for tests (seconds); quick: about a minute on 2 cores; paper: the paper's parameters, >= 16 seeds. */
export type Scale = 'tiny' | 'quick' | 'paper';
export const SCALES: Scale[] = ['tiny', 'quick', 'paper'];

export interface PresetContext {
  scale: Scale;
  store: ResultStore;
  executor: Executor;
  signal?: AbortSignal;
  log(msg: string): void;
  onProgress?(label: string, fraction: number, etaMs: number | null, runs?: { done: number; total: number }): void;
  /** Called once per finished run of every sweep the preset runs. */
  onRun?: SweepRunOptions['onRun'];
}

export interface Section {
  heading: string;
  text?: string[];
  figures?: Figure[];
  tables?: Table[];
}

export interface PresetResult {
  sections: Section[];
  /** The sweeps it ran, for the report. */
  configs: { name: string; value: unknown }[];
  /** Headline numbers (also written to summary.json). */
  numbers: Record<string, unknown>;
}

export interface Preset {
  name: string;
  /** SPEC section 6 item(s) it reproduces. */
  item: string;
  title: string;
  run(ctx: PresetContext): Promise<PresetResult>;
}
