// Files of the search protocol: DIR/vit.json (settings, every checkpoint and run, summaries,
// slopes and verdicts), two CSVs, and the figures as SVG and PNG under DIR/figures/, each
// through the CLI's output writer (lib/cli/files.ts: regular files only, symlinks written
// through, no temporary file left behind).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeOutputFile } from '../../cli/files.js';
import type { Figure } from '../../plots/render.js';
import { searchFigures } from './figures.js';
import type { SearchResult } from './records.js';

function csv(rows: (string | number | null | undefined)[][]): string {
  const cell = (v: string | number | null | undefined) =>
    v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** The paths writeSearchResults wrote. */
export interface SearchFiles {
  json: string;
  runsCsv: string;
  slopesCsv: string;
  figures: string[];
}

/** Writes the search protocol's results under dir: vit.json, two CSVs (runs, slopes) and the figures (SVG and PNG) under figures/; each file replaced whole, never half-written. */
export async function writeSearchResults(dir: string, r: SearchResult, figures?: Figure[]): Promise<SearchFiles> {
  mkdirSync(join(dir, 'figures'), { recursive: true });
  const files: SearchFiles = {
    json: join(dir, 'vit.json'),
    runsCsv: join(dir, 'vit-search-runs.csv'),
    slopesCsv: join(dir, 'vit-search-slopes.csv'),
    figures: [],
  };
  writeOutputFile(files.json, JSON.stringify(r) + '\n');
  const ths = r.settings.accuracyThresholds;
  writeOutputFile(
    files.runsCsv,
    csv([
      [
        'pairing',
        'arm',
        'seed',
        'ft_seed',
        'budget_epochs',
        'L0',
        'probe_accuracy',
        'grad_norm0',
        'plateau_exit',
        'half_life',
        'l_star',
        'final_loss',
        'diverged_at',
        'w_q',
        'w_k',
        'w_v',
        'w_mlp',
        ...ths.map((t) => `steps_to_acc_${t}`),
      ],
      ...r.runs.map((x) => [
        x.pairing,
        x.arm,
        x.seed,
        x.ftSeed,
        x.budgetEpochs,
        x.L0,
        x.probeAccuracy,
        x.gradNorm0,
        x.plateauExit,
        x.halfLife,
        x.lStar,
        x.finalLoss,
        x.divergedAt,
        x.weightNorms.q,
        x.weightNorms.k,
        x.weightNorms.v,
        x.weightNorms.mlp,
        ...ths.map((t) => x.stepsToAccuracy[String(t)]),
      ]),
    ]),
  );
  writeOutputFile(
    files.slopesCsv,
    csv([
      [
        'pairing',
        'arm',
        'metric',
        'predicted_sign',
        'slope',
        'ci_lo',
        'ci_hi',
        'se',
        'mde',
        'seeds_positive',
        'seeds_negative',
        'sign_test_p',
        'censored',
        'values',
        'verdict',
      ],
      ...r.slopes.map((s) => [
        s.pairing,
        s.arm,
        s.metric,
        s.predictedSign,
        s.slope,
        s.ci?.[0],
        s.ci?.[1],
        s.se,
        s.mde,
        s.signTest.positive,
        s.signTest.negative,
        s.signTest.p,
        s.censored,
        s.values,
        s.verdict,
      ]),
    ]),
  );
  for (const fig of figures ?? (await searchFigures(r))) {
    const svg = join(dir, 'figures', `${fig.name}.svg`);
    writeOutputFile(svg, fig.svg);
    writeOutputFile(join(dir, 'figures', `${fig.name}.png`), fig.png);
    files.figures.push(svg, join(dir, 'figures', `${fig.name}.png`));
  }
  return files;
}
