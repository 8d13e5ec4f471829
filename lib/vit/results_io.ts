// Files of the ViT experiment: results JSON, per-run and summary CSVs, the SVG figure, and
// raw float32 checkpoints (little-endian, the base parameter layout of vitLayout(config)).
// Every file goes through the CLI's output writer (lib/cli/files.ts): a regular file replaced
// whole, a symlink written through (the link stays), anything else refused; no temporary file
// is left behind.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeOutputFile } from '../cli/files.js';
import type { CheckpointRecord, VitExperimentResult } from './experiment.js';
import { figurePoints } from './experiment.js';
import { alignmentFigureSpec, renderSvg, stepsFigureSpec, type AlignmentPoint } from './figure.js';

/** A name made safe for a file name: lower case, runs of other characters as single dashes. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Where a checkpoint's raw parameters go: DIR/checkpoints/PAIRING/seedS-epochsB.f32. */
export function checkpointPath(dir: string, c: CheckpointRecord): string {
  return join(dir, 'checkpoints', slug(c.pairing), `seed${c.seed}-epochs${c.budgetEpochs}.f32`);
}

/** Writes a checkpoint's base parameters as raw little-endian float32 (the layout of vitLayout(config)); returns the path. */
export function saveCheckpoint(dir: string, c: CheckpointRecord, params: Float32Array): string {
  const p = checkpointPath(dir, c);
  mkdirSync(join(dir, 'checkpoints', slug(c.pairing)), { recursive: true });
  writeOutputFile(p, new Uint8Array(params.buffer, params.byteOffset, params.byteLength));
  return p;
}

function csv(rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** The paths writeVitResults wrote. */
export interface WrittenFiles {
  json: string;
  runsCsv: string;
  summaryCsv: string;
  alignmentCsv: string;
  svg: string;
  alignmentSvg: string;
}

/** Writes the steps-to-accuracy results under dir: vit-results.json, three CSVs (runs, summary, alignment) and two SVG figures; each file replaced whole, never half-written. */
export async function writeVitResults(dir: string, r: VitExperimentResult): Promise<WrittenFiles> {
  mkdirSync(dir, { recursive: true });
  const files: WrittenFiles = {
    json: join(dir, 'vit-results.json'),
    runsCsv: join(dir, 'vit-runs.csv'),
    summaryCsv: join(dir, 'vit-summary.csv'),
    alignmentCsv: join(dir, 'vit-alignment.csv'),
    svg: join(dir, 'vit-steps-to-accuracy.svg'),
    alignmentSvg: join(dir, 'vit-alignment.svg'),
  };
  writeOutputFile(files.json, JSON.stringify(r, null, 1) + '\n');
  const ths = [...new Set(r.settings.pairings.flatMap((p) => p.thresholds))].sort();
  writeOutputFile(
    files.runsCsv,
    csv([
      ['pairing', 'seed', 'budget_epochs', 'source_acc', 'probe_acc', 'final_acc', 'steps_done', ...ths.map((t) => `steps_to_${t}`)],
      ...r.finetunes.map((f) => {
        const c = r.checkpoints.find((k) => k.pairing === f.pairing && k.seed === f.seed && k.budgetEpochs === f.budgetEpochs);
        return [
          f.pairing,
          f.seed,
          f.budgetEpochs,
          c?.sourceTestAccuracy ?? null,
          c?.probeTestAccuracy ?? null,
          f.finalAccuracy,
          f.stepsDone,
          ...ths.map((t) => f.stepsTo[String(t)] ?? null),
        ];
      }),
    ]),
  );
  writeOutputFile(
    files.summaryCsv,
    csv([
      ['pairing', 'budget_epochs', 'threshold', 'seeds', 'reached', 'mean_steps', 'ci95_lo', 'ci95_hi', 'median_steps'],
      ...r.summary.map((s) => [s.pairing, s.budgetEpochs, s.threshold, s.seeds, s.reached, s.mean, s.lo, s.hi, s.median]),
    ]),
  );
  writeOutputFile(
    files.alignmentCsv,
    csv([
      ['pairing', 'budget_epochs', 'source_acc_mean', 'source_acc_lo', 'source_acc_hi', 'probe_acc_mean', 'probe_acc_lo', 'probe_acc_hi'],
      ...r.alignment.map((a) => [
        a.pairing,
        a.budgetEpochs,
        a.sourceAccuracy.mean,
        a.sourceAccuracy.lo,
        a.sourceAccuracy.hi,
        a.probeAccuracy.mean,
        a.probeAccuracy.lo,
        a.probeAccuracy.hi,
      ]),
    ]),
  );
  const title = `LoRA fine-tuning of a ViT after pre-training (rank ${r.settings.lora.rank} on ${r.settings.lora.targets.join(',')}, ${r.settings.seeds.length} seeds, mean and 95% CI)`;
  writeOutputFile(files.svg, await renderSvg(stepsFigureSpec(figurePoints(r), title)));
  const align: AlignmentPoint[] = r.alignment.flatMap((a) => [
    { pairing: a.pairing, budgetEpochs: a.budgetEpochs, measure: 'source test accuracy (own head)', ...a.sourceAccuracy },
    { pairing: a.pairing, budgetEpochs: a.budgetEpochs, measure: 'target linear-probe accuracy', ...a.probeAccuracy },
  ]);
  writeOutputFile(
    files.alignmentSvg,
    await renderSvg(
      alignmentFigureSpec(align, `Checkpoints: source accuracy and alignment with the target (${r.settings.seeds.length} seeds, mean and 95% CI)`),
    ),
  );
  return files;
}
