// engine "reduced" at batches smaller than the rank (B = 1, 2 with r = 2, 4): there the parts of
// the inputs outside the frame have a Gram matrix of rank at most min(B, K, r), and the chain
// draws only that many chi-squares and directions (native/core/reduced/general_ops.hpp,
// general_move_frame), and runs the batch sums without the block kernels (general_step.cpp,
// batch_small). Checked: the same law as full-d SGD (means, spreads, first passages; fixed
// seeds, family level ALPHA), with a power check at the same B and rank; and the same numbers as
// before the change (values recorded from loradyn 9c4d764, which drew the whole Wishart_r).
import t from 'tap';
import type { ConfigInput } from '../lib/index.js';
import { parseConfig } from '../lib/config.js';
import { loadNative } from '../lib/native.js';
import { assertToldApart, checkSameLaw, checkSteps, compareLaw, runSeeds, sameLawConfig, seedRange, type SameLawOver } from './support/same_law.js';

type Over = SameLawOver;
const config = (o: Over): ConfigInput => sameLawConfig(o, { rank: 2, mu: 0.5, batch: 1, eta: 0.01, steps: 2000 });
const ALPHA = 1e-3;

// d = 200. Rows not renormalised in the first case: the parts outside the frame pile up in |v|
// (Q), so a wrong chi-square or a wrong direction count shows at once.
const cases: [string, Over, number][] = [
  ['linear r = 2, K = 1, B = 1, rows not renormalised', { spherical: false, steps: 2000 }, 300],
  ['erf r = 4, K = 1, B = 1, noise 0.1', { activation: 'erf', rank: 4, u0: 0.05, noise: 0.1, eta: 0.05, steps: 3000 }, 200],
  // K = 2 units and B = 2 < r = 4: two new directions a step (the rank of the outside Gram).
  [
    'erf r = 4, K = 2 misaligned mu = (0.3, 0.6), B = 2',
    { activation: 'erf', rank: 4, hidden: 2, misaligned: true, mu: [0.3, 0.6], u0: 0.05, batch: 2, eta: 0.05, steps: 1000 },
    150,
  ],
];

for (const [name, over, n] of cases) {
  t.test(`same law as engine full: ${name}`, (tt) => checkSameLaw(tt, config(over), n, ALPHA));
}

// The same start (u0 given) and a chain at d = 100: the wrong chi-square (d - q degrees of
// freedom) in every step's new direction, and initial overlaps 41% wider. (At d = 170 this
// setting is not told apart: |z| 2.4, KS 0.10 against 0.17.)
t.test('the comparison has power at B = 1, r = 2: the chain at d = 100 is told apart from SGD at d = 200', async (tt) => {
  const over: Over = { ...cases[0]![1], u0: 1 / 200 ** 2 };
  const full = await runSeeds('full', config(over), seedRange(300));
  const wrong = await runSeeds('reduced', config({ ...over, d: 100 }), seedRange(300, 100001));
  assertToldApart(tt, compareLaw(full, wrong, 2, 1, checkSteps(over.steps ?? 2000), ALPHA));
});

// The numbers of loradyn 9c4d764 (which drew the whole Wishart_r every step), seed 7, d = 200:
// the chain draws less and returns the same bits, at B = 1, 2 (< r) and 500, through the small-
// batch path, the kernels (B = 500) and the generic loop (r = 3, and every case once more).
type Model = ConfigInput['model'];
type Train = ConfigInput['train'];
const native = loadNative().testing;
const before: [Model, Train, { m: number[]; u: number[]; loss: number }][] = [
  [
    { activation: 'linear', rank: 2, hidden: 1, spherical: false },
    { batch: 1, eta: 0.01, steps: 400 },
    { m: [0.03887709175144806, -0.13398895180601073], u: [-0.020307259133216266, -0.05351864719378617], loss: 0.12339080984873801 },
  ],
  [
    { activation: 'erf', rank: 4, hidden: 1, u0: 0.05, noise: 0.1 },
    { batch: 1, eta: 0.05, steps: 400 },
    {
      m: [0.11850927655530916, -0.12409847107641594, 0.04294268740100156, -0.10940607865318093],
      u: [0.04047846602511922, -0.0465503404703091, 0.06035887357344554, -0.03184949759571012],
      loss: 0.08026380146535984,
    },
  ],
  [
    { activation: 'erf', rank: 4, hidden: 2, pretrained: { kind: 'misaligned', mu: [0.3, 0.6] }, u0: 0.05 },
    { batch: 2, eta: 0.05, steps: 200 },
    {
      m: [
        -0.17031972748447477, -0.04256349284351469, -0.08825516880520488, -0.050025071357855826, 0.24294952944703402, 0.1157899489570831, 0.12967871670124212,
        0.015875259872981013,
      ],
      u: [
        -0.030835183258902284, -0.17209464094927746, 0.15787586060795492, 0.0544120979814806, -0.02714812181931396, 0.0806999404567312, 0.2108016381286781,
        -0.07367215394014966,
      ],
      loss: 0.1457591894197707,
    },
  ],
  [
    { activation: 'relu', rank: 2, hidden: 4, pretrained: { kind: 'aligned', mu: [0.5, 0.5, 1, 1] }, u0: 0.05 },
    { batch: 1, eta: 0.05, steps: 300 },
    {
      m: [
        0.062026697750310396, 0.07158568087797774, 0.06816822511612838, 0.06258735197097609, 0.02249549468586395, -0.01793645812494598, 0.03535719151422327,
        -0.012113167789465381,
      ],
      u: [
        0.028847261745737183, -0.029687199391523096, 0.012507953299359352, 0.01122333049227113, 0.03810256442889039, 0.024873064635650664, 0.050645645706316494,
        0.02911135566741181,
      ],
      loss: 0.01023298739034624,
    },
  ],
  [
    { activation: 'linear', rank: 4, hidden: 1 },
    { batch: 500, eta: 0.2, steps: 60 },
    {
      m: [0.3160555846873879, -0.1562724027803778, -0.11422943590579399, -0.4079388758126602],
      u: [0.11951070131794213, -0.055002251631734514, -0.0626274131017176, -0.16959721359953128],
      loss: 0.09035405573582123,
    },
  ],
  [
    { activation: 'tanh', rank: 3, hidden: 1, u0: 0.05 },
    { batch: 2, eta: 0.05, steps: 200 },
    {
      m: [0.07383747257207779, -0.07989076685840174, -0.005022686730444709],
      u: [-0.006546514113424654, -0.08781243711280554, -0.013736159426774856],
      loss: 0.02754900327397733,
    },
  ],
];
t.test('the same numbers as the full Wishart draw (known answers from before the change)', async (tt) => {
  for (const [model, train, want] of before)
    for (const loops of [true, 'generic'] as const) {
      const cfg: ConfigInput = {
        model: { d: 200, pretrained: { kind: 'aligned', mu: 0.5 }, u0: null, spherical: true, noise: 0, ...model },
        train,
        record: { points: 5 },
        engine: 'reduced',
        seeds: [7],
        backend: 'cpu',
      };
      const r = native.reducedRun(parseConfig(cfg, 1), 7, loops);
      const n = (model?.rank ?? 1) * (model?.hidden ?? 1);
      tt.same(
        { m: Array.from(r.m.slice(-n)), u: Array.from(r.u.slice(-n)), loss: r.popLoss.at(-1) },
        want,
        `${model?.activation} r ${model?.rank} K ${model?.hidden} B ${train?.batch}, ${loops === true ? 'fastest loops' : 'generic loop'}`,
      );
    }
});
