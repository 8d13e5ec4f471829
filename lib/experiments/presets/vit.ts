// SPEC 6.10: a small vision transformer pre-trained on a source task for increasing budgets,
// then LoRA-fine-tuned on a related target task. A thin wrapper over runVitExperiment: the
// preset adds its figures, tables and headline numbers to the reproduction report.
import path from 'node:path';
import { alignmentFigureSpec, stepsFigureSpec, type AlignmentPoint } from '../../vit/figure.js';
import { defaultPairings, figurePoints, runVitExperiment, type VitExperimentOptions } from '../../vit/experiment.js';
import { saveCheckpoint, writeVitResults } from '../../vit/results_io.js';
import { renderFigure } from '../../plots/render.js';
import type { Preset } from './types.js';

export const vitPreset: Preset = {
  name: 'vit',
  item: '10',
  title: 'Vision transformer: LoRA fine-tuning steps against the pre-training budget',
  async run(ctx) {
    // tiny (tests): one digits pairing, budgets 0 and 1 epoch, one seed, a few fine-tuning steps.
    const options: VitExperimentOptions =
      ctx.scale === 'tiny'
        ? { scale: 'quick', budgets: [0, 1], seeds: 1, pairings: [{ ...defaultPairings[0]!, maxPerClass: 300, thresholds: [0.5, 0.7] }], finetune: { maxSteps: 40, evalImages: 200 } }
        : { scale: ctx.scale };
    const dir = path.join(path.dirname(ctx.store.dir), 'vit');
    const r = await runVitExperiment({ ...options, signal: ctx.signal, log: ctx.log, onCheckpoint: (c, params) => void saveCheckpoint(dir, c, params) });
    const files = await writeVitResults(dir, r);
    const seeds = r.settings.seeds.length;
    const steps = await renderFigure(
      'vit-steps-to-accuracy',
      'ViT: fine-tuning steps to target accuracy against pre-training budget',
      stepsFigureSpec(figurePoints(r), `LoRA rank ${r.settings.lora.rank} on ${r.settings.lora.targets.join(',')}; mean and 95% CI over ${seeds} seeds`),
    );
    const align: AlignmentPoint[] = r.alignment.flatMap((a) => [
      { pairing: a.pairing, budgetEpochs: a.budgetEpochs, measure: 'source test accuracy (own head)', ...a.sourceAccuracy },
      { pairing: a.pairing, budgetEpochs: a.budgetEpochs, measure: 'target linear-probe accuracy', ...a.probeAccuracy },
    ]);
    const alignment = await renderFigure('vit-alignment', 'ViT checkpoints: source accuracy and alignment with the target', alignmentFigureSpec(align, `${seeds} seeds, mean and 95% CI`));
    const numbers: Record<string, unknown> = {};
    for (const s of r.summary) numbers[`${s.pairing}, ${s.budgetEpochs} epochs, acc ${s.threshold}`] = { meanSteps: s.mean, ci95: [s.lo, s.hi], reached: `${s.reached}/${s.seeds}` };
    return {
      sections: [
        {
          heading: 'Steps to target accuracy',
          text: [
            `Pre-training budgets ${r.settings.budgets.join(', ')} epochs; ${seeds} seed(s); at most ${r.settings.finetune.maxSteps} fine-tuning steps (a run that never reaches a target counts as that many, so such means are lower bounds).`,
            ...r.settings.pairings.map((p) => `${p.name}: ${p.why}`),
            `Raw results: ${Object.values(files).map((f) => path.relative(path.dirname(ctx.store.dir), f)).join(', ')}.`,
          ],
          figures: [steps, alignment],
          tables: [
            {
              title: 'Fine-tuning steps to reach each target test accuracy',
              columns: ['pairing', 'budget (epochs)', 'target acc', 'mean steps', '95% CI', 'reached'],
              rows: r.summary.map((s) => [s.pairing, s.budgetEpochs, s.threshold, Number(s.mean.toFixed(1)), `[${s.lo.toFixed(1)}, ${s.hi.toFixed(1)}]`, `${s.reached}/${s.seeds}`]),
            },
            {
              title: 'Checkpoints: source accuracy and target linear-probe accuracy',
              columns: ['pairing', 'budget (epochs)', 'source acc', 'target probe acc'],
              rows: r.alignment.map((a) => [a.pairing, a.budgetEpochs, Number(a.sourceAccuracy.mean.toFixed(3)), Number(a.probeAccuracy.mean.toFixed(3))]),
            },
          ],
        },
      ],
      configs: [{ name: 'vit experiment settings', value: r.settings }],
      numbers,
    };
  },
};
