// The ViT experiment's files go through the CLI's output writer: a symlink among them is written
// through (its target replaced, the link kept), a directory where a file belongs is refused and
// left as it is, and no temporary file is left behind, for both protocols and the checkpoints.
import t, { type Test } from 'tap';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileError } from '../lib/errors.js';
import { defaultPairings, summarize, type FinetuneRecord, type VitExperimentResult } from '../lib/vit/experiment.js';
import { checkpointPath, saveCheckpoint, writeVitResults } from '../lib/vit/results_io.js';
import { writeSearchResults } from '../lib/vit/search/io.js';
import type { SearchResult } from '../lib/vit/search/records.js';
import { resolveSearchSettings } from '../lib/vit/search/settings.js';

function accuracyResult(): VitExperimentResult {
  const pairing = { ...defaultPairings[0]!, thresholds: [0.6] };
  const finetunes: FinetuneRecord[] = [0, 1].map((b) => ({
    pairing: pairing.name,
    seed: 1,
    budgetEpochs: b,
    evalStep: [10, 20],
    testAccuracy: [0.5, 0.7],
    trainLoss: [1.2, 0.9],
    stepsTo: { '0.6': 20 },
    finalAccuracy: 0.7,
    stepsDone: 20,
  }));
  const checkpoints = [0, 1].map((b) => ({
    pairing: pairing.name,
    seed: 1,
    budgetEpochs: b,
    pretrainSteps: 10 * b,
    sourceTestAccuracy: 0.2 + 0.5 * b,
    probeTrainAccuracy: 0.6,
    probeTestAccuracy: 0.55,
  }));
  const acc = { mean: 0.5, lo: 0.4, hi: 0.6 };
  return {
    version: 'test',
    scale: 'custom',
    settings: {
      budgets: [0, 1],
      seeds: [1],
      config: { image: 28, channels: 1, patch: 7, width: 64, depth: 4, heads: 4, mlp: 128, classes: 5 },
      lora: { rank: 4, alpha: 8, targets: ['q', 'v'] },
      pretrain: { optimizer: { kind: 'adamw', lr: 1e-3, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 }, batch: 64 },
      finetune: {
        optimizer: { kind: 'adamw', lr: 3e-3, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
        batch: 32,
        maxSteps: 20,
        evalSteps: [10, 20],
        evalImages: 10,
      },
      pairings: [pairing],
    },
    checkpoints,
    finetunes,
    summary: summarize([pairing], [0, 1], finetunes, 20),
    alignment: [0, 1].map((b) => ({ pairing: pairing.name, budgetEpochs: b, sourceAccuracy: acc, probeAccuracy: acc })),
    wallMs: 1,
  };
}

/** An output folder whose `name` is a symlink to `targetName` (holding "old") in a second folder; both removed after the test. */
function linkedResults(t: Test, name: string, targetName: string): { dir: string; elsewhere: string; target: string } {
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-vit-io-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'loradyn-vit-io-target-'));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
  const target = join(elsewhere, targetName);
  writeFileSync(target, 'old');
  symlinkSync(target, join(dir, name));
  return { dir, elsewhere, target };
}

const temporaries = (dir: string) => readdirSync(dir, { recursive: true }).filter((f) => /tmp/.test(String(f)));

t.test('steps-to-accuracy files: a symlink is written through, no temporary file is left', async (t) => {
  const { dir, elsewhere, target } = linkedResults(t, 'vit-results.json', 'kept-results.json');
  const r = accuracyResult();
  const files = await writeVitResults(dir, r);
  t.ok(lstatSync(files.json).isSymbolicLink(), 'vit-results.json is still the link');
  t.equal(readlinkSync(files.json), target);
  t.same(JSON.parse(readFileSync(target, 'utf8')).summary, JSON.parse(JSON.stringify(r.summary)), 'the link target holds the results');
  t.match(readFileSync(files.runsCsv, 'utf8'), /^pairing,seed,budget_epochs/);
  t.match(readFileSync(files.svg, 'utf8'), /^<svg/);
  t.same(temporaries(dir), [], 'no temporary file in the folder');
  t.same(temporaries(elsewhere), [], 'none beside the link target');

  // A checkpoint through a symlink, too.
  const params = Float32Array.from([1, 2, 3]);
  const cp = r.checkpoints[0]!;
  mkdirSync(join(dir, 'checkpoints', 'mnist-0-4-5-9'), { recursive: true });
  const raw = join(elsewhere, 'params.f32');
  writeFileSync(raw, '');
  symlinkSync(raw, checkpointPath(dir, cp));
  t.equal(saveCheckpoint(dir, cp, params), checkpointPath(dir, cp));
  t.ok(lstatSync(checkpointPath(dir, cp)).isSymbolicLink());
  t.same(Array.from(new Float32Array(Uint8Array.from(readFileSync(raw)).buffer)), [1, 2, 3]);
});

t.test('a directory where a results file belongs is refused and left as it is', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-vit-io-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'vit-summary.csv'));
  writeFileSync(join(dir, 'vit-summary.csv', 'mine.txt'), 'keep');
  await t.rejects(writeVitResults(dir, accuracyResult()), FileError);
  t.equal(readFileSync(join(dir, 'vit-summary.csv', 'mine.txt'), 'utf8'), 'keep');
  t.same(temporaries(dir), []);
});

t.test('search protocol files: vit.json through a symlink', async (t) => {
  const { dir, target } = linkedResults(t, 'vit.json', 'vit.json');
  const s = resolveSearchSettings('tiny');
  const r: SearchResult = {
    version: 'test',
    protocol: 'search',
    settings: s,
    data: [],
    checkpoints: [],
    runs: [],
    budgets: [],
    checkpointSummary: [],
    slopes: [],
    searchPhase: [],
    timing: { wallMs: 1, cpuMs: 1, units: [], loadAverage: { start: [0, 0, 0], end: [0, 0, 0] } },
  };
  const files = await writeSearchResults(dir, r, []);
  t.ok(lstatSync(files.json).isSymbolicLink());
  t.equal(JSON.parse(readFileSync(target, 'utf8')).protocol, 'search');
  t.same(temporaries(dir), []);
});
