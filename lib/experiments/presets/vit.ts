// SPEC 6.10 measured as SPEC 7.4 asks: a small ViT pre-trained on a source task for increasing
// budgets, then LoRA-fine-tuned on a related target task under the search protocol (fitted and
// frozen head, tiny adapters, plain SGD, one pass, metrics fixed in docs/vit.md). A thin wrapper
// over runSearchExperiment: the preset adds its figures, verdicts and tables to the report.
// Scales: tiny -> tiny, quick -> quick, paper -> the protocol's default scale.
import path from 'node:path';
import { runSearchExperiment } from '../../vit/search/run.js';
import { searchFigures } from '../../vit/search/figures.js';
import { writeSearchResults } from '../../vit/search/io.js';
import { budgetTable, checkpointTable, designText, verdictTable } from '../../vit/search/report.js';
import type { Preset } from './types.js';

export const vitPreset: Preset = {
  name: 'vit',
  item: '10',
  title: 'Vision transformer: the LoRA search phase against the pre-training budget (search protocol)',
  async run(ctx) {
    const dir = path.dirname(ctx.store.dir);
    const scale = ctx.scale === 'paper' ? 'default' : ctx.scale;
    const r = await runSearchExperiment({ scale, signal: ctx.signal, log: ctx.log, cacheDir: path.join(dir, 'vit-search-units') });
    const figures = await searchFigures(r);
    const files = await writeSearchResults(dir, r, figures);
    const numbers: Record<string, unknown> = {};
    for (const s of r.slopes)
      numbers[`${s.pairing}, ${s.arm}, ${s.metric}`] = { slope: s.slope, ci95: s.ci, mde: s.mde, signTest: s.signTest, verdict: s.verdict };
    return {
      sections: [
        {
          heading: 'Verdicts',
          text: [...designText(r), `Raw results: ${[files.json, files.runsCsv, files.slopesCsv].map((f) => path.relative(dir, f)).join(', ')}.`],
          tables: [verdictTable(r)],
        },
        {
          heading: 'Absolute and relative measures',
          text: [
            'L0 is the held-out loss of the checkpoint with its fitted, frozen head; L* the best held-out loss reached at that checkpoint (by a 4x longer run of the primary arm, or by any run). The normalised curves divide the excess loss L - L* by L0 - L*: they show the search, not the head start, which the absolute losses show.',
          ],
          figures,
          tables: [budgetTable(r), checkpointTable(r)],
        },
      ],
      configs: [{ name: 'vit search protocol settings', value: r.settings }],
      numbers,
    };
  },
};
