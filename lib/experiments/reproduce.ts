// Runs a preset into an output directory: result store (DIR/store), figures (DIR/figures/*.svg,
// *.png), report (DIR/report.html) and summary (DIR/summary.json).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalExecutor, type Executor } from './executor.js';
import { ResultStore, StoreError, writeDurable } from './store.js';
import { presets } from './presets/index.js';
import type { PresetContext, Scale } from './presets/types.js';
import { renderReport } from '../report/html.js';
import { version } from '../version.js';
import { packageRoot } from '../package_root.js';
import { packageVersion } from '../report/assets.js';

/** Options of reproduce(). */
export interface ReproduceOptions {
  out: string;
  scale?: Scale;
  executor?: Executor;
  signal?: AbortSignal;
  /** Log lines of the preset (phases, runs stored and failed); default: none. */
  log?: (msg: string) => void;
  /** Progress of each phase of the preset. */
  onProgress?: PresetContext['onProgress'];
  /** Called once per finished run (computed, not taken from the store). */
  onRun?: PresetContext['onRun'];
  command?: string;
}

/** What reproduce() wrote: the report, the figures (PNG paths), the summary and the wall time. */
export interface ReproduceOutput {
  report: string;
  figures: string[];
  summary: Record<string, unknown>;
  wallMs: number;
}

function depVersions(): Record<string, string> {
  const out: Record<string, string> = {
    loradyn: version,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: `${os.availableParallelism()} x ${os.cpus()[0]?.model ?? '?'}`,
  };
  // package.json is not an export of every package (vega's and vega-lite's are not): find the folder.
  for (const p of ['vega', 'vega-lite', 'vega-embed', '@resvg/resvg-js', 'valibot', 'commander', 'hyparquet-writer']) out[p] = packageVersion(p);
  return out;
}

const MARKER = 'loradyn-reproduce.json';

/**
 * The preset's section of REPRODUCTION.md (what it measured, where it agrees with the paper and the
 * caveats), as paragraphs for the report; empty where the file or the section is absent (an
 * installed package ships without it).
 */
export function reproductionNotes(name: string): string[] {
  const file = path.join(packageRoot, 'REPRODUCTION.md');
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => new RegExp(`^## ${name.replace(/[-]/g, '[- ]')}\\b`, 'i').test(l));
  if (start < 0) return [];
  const body: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (/^## /.test(l)) break;
    if (/^!\[|^\|/.test(l)) continue; // images and tables are in the report itself
    body.push(l);
  }
  return body
    .join('\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter((p) => p && !p.startsWith('```') && !p.startsWith('('));
}

/**
 * One folder holds one preset at one scale: its report, summary and figures would otherwise be
 * silently replaced by another's. Refuses a folder that another preset or scale wrote (its marker,
 * or the summary.json of older versions); the same preset and scale resume there.
 */
function claimFolder(out: string, preset: string, scale: Scale): Compute | null {
  let compute: Compute | null = null;
  for (const f of [MARKER, 'summary.json']) {
    const file = path.join(out, f);
    if (!existsSync(file)) continue;
    let held: { preset?: unknown; scale?: unknown };
    try {
      held = JSON.parse(readFileSync(file, 'utf8')) as typeof held;
    } catch {
      throw new StoreError(`${file} is not readable JSON; refusing to write preset ${preset} into ${out}`);
    }
    if (held.preset !== preset || held.scale !== scale)
      throw new StoreError(
        `${out} holds preset ${String(held.preset)} (${String(held.scale)} scale); writing ${preset} (${scale} scale) there would replace its report and summary: use another --out`,
      );
    compute = readCompute((held as { compute?: unknown }).compute);
    break;
  }
  mkdirSync(out, { recursive: true });
  writeMarker(out, preset, scale, compute);
  return compute;
}

/** The compute behind a folder's results, summed over the invocations that computed runs in it. */
export interface Compute {
  /** Wall time (ms) of the invocations that computed at least one run. */
  wallMs: number;
  /** Runs computed (stored) by them. */
  runs: number;
  invocations: number;
}

function readCompute(x: unknown): Compute | null {
  const c = x as Partial<Compute> | null | undefined;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  return c && ok(c.wallMs) && ok(c.runs) && ok(c.invocations) ? { wallMs: c.wallMs, runs: c.runs, invocations: c.invocations } : null;
}

function writeMarker(out: string, preset: string, scale: Scale, compute: Compute | null): void {
  writeDurable(path.join(out, MARKER), JSON.stringify({ preset, scale, version, ...(compute ? { compute } : {}) }) + '\n');
}

/** Runs a preset into `o.out`: store/, figures/, summary.json and report.html. Resumes from the runs already stored there; refuses a folder that another preset or scale wrote (StoreError). */
export async function reproduce(name: string, o: ReproduceOptions): Promise<ReproduceOutput> {
  const preset = presets.find((p) => p.name === name);
  if (!preset) throw new Error(`unknown preset "${name}" (known: ${presets.map((p) => p.name).join(', ')})`);
  const scale = o.scale ?? 'quick';
  const before = claimFolder(o.out, preset.name, scale);
  const store = ResultStore.open(path.join(o.out, 'store'), true, o.log ? { onWarning: (m) => o.log!(`warning: ${m}`) } : {});
  const t0 = performance.now();
  // A rerun over a finished folder takes every run from the store in a second: the report keeps the
  // wall time of the invocations that computed the runs, summed in the folder's marker.
  let computed = 0;
  let finished = 0;
  const onRun: PresetContext['onRun'] = (r) => {
    finished++;
    if (r.ok) computed++;
    o.onRun?.(r);
  };
  const res = await preset.run({
    scale,
    store,
    executor: o.executor ?? new LocalExecutor(),
    signal: o.signal,
    log: o.log ?? (() => {}),
    onProgress: o.onProgress,
    onRun,
  });
  const wallMs = performance.now() - t0;
  // A preset that keeps nothing in the store (the ViT) computes everything at each invocation.
  const compute: Compute | null = !store.hashes().length
    ? { wallMs, runs: 0, invocations: 1 }
    : finished
      ? { wallMs: (before?.wallMs ?? 0) + wallMs, runs: (before?.runs ?? 0) + computed, invocations: (before?.invocations ?? 0) + 1 }
      : before;
  writeMarker(o.out, preset.name, scale, compute);
  const figDir = path.join(o.out, 'figures');
  mkdirSync(figDir, { recursive: true });
  const figures: string[] = [];
  for (const s of res.sections)
    for (const f of s.figures ?? []) {
      writeDurable(path.join(figDir, `${f.name}.svg`), f.svg);
      writeFileSync(path.join(figDir, `${f.name}.png`), f.png);
      figures.push(path.join(figDir, `${f.name}.png`));
    }
  const caveats = [...reproductionNotes(preset.name), ...reproductionNotes('Known limits')];
  if (caveats.length) res.sections.push({ heading: 'What was measured, and the caveats (REPRODUCTION.md)', text: caveats });
  const html = renderReport({
    title: `loradyn reproduce ${preset.name} (${scale} scale)`,
    subtitle: `${preset.title}. Experiment ${preset.item} of Nwemadji, Loureiro and Barbier (arXiv:2602.02855).`,
    command: o.command ?? `loradyn reproduce ${preset.name} --out ${o.out} --scale ${scale}`,
    sections: res.sections,
    configs: res.configs,
    versions: depVersions(),
    wallMs,
    compute,
    computedNow: computed,
  });
  const report = path.join(o.out, 'report.html');
  writeDurable(report, html);
  const summary = {
    preset: preset.name,
    item: preset.item,
    scale,
    wallMs: Math.round(wallMs),
    compute: compute && { ...compute, wallMs: Math.round(compute.wallMs) },
    version,
    numbers: res.numbers,
  };
  writeDurable(path.join(o.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return { report, figures, summary, wallMs };
}
