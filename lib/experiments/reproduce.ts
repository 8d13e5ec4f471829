// Runs a preset into an output directory: result store (DIR/store), figures (DIR/figures/*.svg,
// *.png), report (DIR/report.html) and summary (DIR/summary.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalExecutor, type Executor } from './executor.js';
import { ResultStore, writeDurable } from './store.js';
import { presets } from './presets/index.js';
import type { PresetContext, Scale } from './presets/types.js';
import { renderReport } from '../report/html.js';
import { version } from '../version.js';
import { createRequire } from 'node:module';

export interface ReproduceOptions {
  out: string;
  scale?: Scale;
  executor?: Executor;
  signal?: AbortSignal;
  log?: (msg: string) => void;
  onProgress?: PresetContext['onProgress'];
  command?: string;
}

export interface ReproduceOutput {
  report: string;
  figures: string[];
  summary: Record<string, unknown>;
  wallMs: number;
}

function depVersions(): Record<string, string> {
  const req = createRequire(import.meta.url);
  const out: Record<string, string> = { loradyn: version, node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: `${os.availableParallelism()} x ${os.cpus()[0]?.model ?? '?'}` };
  for (const p of ['vega', 'vega-lite', '@resvg/resvg-js', 'zod']) {
    try {
      out[p] = (req(`${p}/package.json`) as { version: string }).version;
    } catch {
      out[p] = '?';
    }
  }
  return out;
}

export async function reproduce(name: string, o: ReproduceOptions): Promise<ReproduceOutput> {
  const preset = presets.find((p) => p.name === name);
  if (!preset) throw new Error(`unknown preset "${name}" (known: ${presets.map((p) => p.name).join(', ')})`);
  const scale = o.scale ?? 'quick';
  const store = ResultStore.open(path.join(o.out, 'store'), true, o.log ? { onWarning: (m) => o.log!(`warning: ${m}`) } : {});
  const t0 = performance.now();
  const res = await preset.run({ scale, store, executor: o.executor ?? new LocalExecutor(), signal: o.signal, log: o.log ?? (() => {}), onProgress: o.onProgress });
  const wallMs = performance.now() - t0;
  const figDir = path.join(o.out, 'figures');
  mkdirSync(figDir, { recursive: true });
  const figures: string[] = [];
  for (const s of res.sections)
    for (const f of s.figures ?? []) {
      writeDurable(path.join(figDir, `${f.name}.svg`), f.svg);
      writeFileSync(path.join(figDir, `${f.name}.png`), f.png);
      figures.push(path.join(figDir, `${f.name}.png`));
    }
  const html = renderReport({
    title: `loradyn reproduce ${preset.name} (${scale} scale)`,
    subtitle: `${preset.title}. SPEC section 6 item ${preset.item}.`,
    command: o.command ?? `loradyn reproduce ${preset.name} --out ${o.out} --scale ${scale}`,
    sections: res.sections,
    configs: res.configs,
    versions: depVersions(),
    wallMs,
  });
  const report = path.join(o.out, 'report.html');
  writeDurable(report, html);
  const summary = { preset: preset.name, item: preset.item, scale, wallMs: Math.round(wallMs), version, numbers: res.numbers };
  writeDurable(path.join(o.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return { report, figures, summary, wallMs };
}
