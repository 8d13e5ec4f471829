// biome-ignore-all lint/suspicious/noExplicitAny: the test reads compiled vega specs, which have no types here
// Figures a paper reader can read: what line styles and markers mean is a legend (not a title), the
// figure's title never sits on a panel's, curves are clipped to the axes the data set (in the
// static figure and in the report's interactive view alike: both draw this one spec).
import t from 'tap';
import { compile } from 'vega-lite';
import { panelsSpec, type Panel, type Series } from '../lib/plots/charts.js';

type VgMark = { type: string; name?: string; clip?: unknown; marks?: VgMark[]; encode?: { update?: Record<string, unknown> } };
type Vg = {
  marks: VgMark[];
  legends?: { title?: unknown; strokeDash?: string; shape?: string; fill?: string; stroke?: string }[];
  scales: { name: string; domain?: unknown; range?: unknown }[];
  title?: unknown;
};

const flat = (ms: VgMark[]): VgMark[] => ms.flatMap((m) => [m, ...flat(m.marks ?? [])]);
const mus = [0.1, 0.3, 0.5, 0.7];
const escapeSeries = (name: string, f: number): Series[] => [
  { name, kind: 'points', key: 'SGD: median', data: mus.map((x) => ({ x, y: f / (1 - x), lo: 0.8 * f, hi: (1.5 * f) / (1 - x) })) },
  { name, kind: 'points', key: 'censored', shape: 'triangle-up', data: [{ x: 0.9, y: 40, lo: 40, hi: 40 }] },
  { name, kind: 'line', key: 'ODE', data: mus.map((x) => ({ x, y: (0.9 * f) / (1 - x) })) },
  { name, kind: 'line', key: 'theory', dashed: true, data: [0.1, 0.5, 0.95, 0.99].map((x) => ({ x, y: f / (1 - x) ** 2 })) },
];
const panel: Panel = {
  title: 'escape',
  x: { title: 'mu' },
  y: { title: 'escape', log: true, domain: [0.5, 50] },
  series: [...escapeSeries('linear', 1), ...escapeSeries('erf', 3)],
};

t.test('line styles and markers are legends of their own; the colour legend names what colours mean', async (t) => {
  const vg = compile(panelsSpec([panel], { title: 'Escape against mu', subtitle: 'd = 1000', legendTitle: 'activation' })).spec as unknown as Vg;
  const legends = vg.legends ?? [];
  t.equal(legends.length, 3, 'colour, line style and marker legends');
  const colour = legends.find((l) => l.fill === 'color' || l.stroke === 'color');
  t.equal(colour?.title, 'activation');
  const scale = (n: string) => vg.scales.find((s) => s.name === n);
  const dash = legends.find((l) => l.strokeDash);
  const shape = legends.find((l) => l.shape);
  t.ok(dash && shape, 'a strokeDash legend and a shape legend');
  t.same(scale(dash!.strokeDash!)?.domain, ['ODE', 'theory'], 'one line-style entry per key');
  t.same(
    scale(dash!.strokeDash!)?.range,
    [
      [1, 0],
      [5, 3],
    ],
    'solid ODE, dashed theory',
  );
  t.same(scale(shape!.shape!)?.domain, ['SGD: median', 'censored']);
  t.same(scale(shape!.shape!)?.range, ['circle', 'triangle-up']);
  t.same(scale('color')?.domain, ['linear', 'erf'], 'colours are the series, not the styles');
  // Without keys there are no style legends (nothing to explain).
  const plain = compile(panelsSpec([{ ...panel, series: panel.series.map(({ key: _k, ...s }) => s) }])).spec as unknown as Vg;
  t.equal(plain.legends?.length, 1, 'only the colour legend');
  // Break it: a key on an undrawn series (no finite y) adds no entry.
  const undrawn = compile(panelsSpec([{ ...panel, series: [...panel.series, { name: 'linear', kind: 'line', key: 'ghost', data: [{ x: 0.5, y: null }] }] }]))
    .spec as unknown as Vg;
  const d2 = (undrawn.legends ?? []).find((l) => l.strokeDash)!;
  t.same(undrawn.scales.find((s) => s.name === d2.strokeDash)?.domain, ['ODE', 'theory'], 'no entry for a curve that is not drawn');
});

t.test('titles: a single panel under a figure title has none of its own; several panels sit below it', async (t) => {
  const one = panelsSpec([panel], { title: 'Escape against mu', subtitle: 'd = 1000' }) as unknown as Record<string, any>;
  t.equal(one.title.text, 'Escape against mu');
  t.equal(one.title.subtitle, 'd = 1000');
  t.ok(
    one.layer.every((l: object) => !('title' in l)),
    'the layers carry no title',
  );
  const vgOne = compile(one as any).spec as unknown as Vg & { title?: { text?: string } };
  t.equal(vgOne.title && (vgOne.title as { text?: string }).text, 'Escape against mu', "one title, the figure's");
  const alone = panelsSpec([panel]) as unknown as Record<string, any>;
  t.equal(alone.title.text, 'escape', 'without a figure title the panel keeps its own');
  const three = panelsSpec([panel, { ...panel, title: 'b' }, { ...panel, title: 'c' }], { title: 'Dynamics' }) as unknown as Record<string, any>;
  t.equal(three.title.offset, 14, 'room between the figure title and the panel titles');
  t.same(
    three.concat.map((c: { title: { text: string } }) => c.title.text),
    ['escape', 'b', 'c'],
  );
  t.ok(
    three.concat.every((c: { title: { fontSize: number } }) => c.title.fontSize < three.title.fontSize),
    'panel titles smaller than the figure title',
  );
});

t.test('every curve is clipped to the axes the data set, in the compiled (browser) view too', async (t) => {
  const spec = panelsSpec([
    { ...panel, series: [...panel.series, { name: 'erf', kind: 'band', key: 'band', data: mus.map((x) => ({ x, y: 1e4, lo: 1e3, hi: 1e5 })) }] },
  ]);
  const vg = compile(spec).spec as unknown as Vg;
  const lines = flat(vg.marks).filter((m) => m.type === 'line' || m.type === 'area');
  t.ok(lines.length >= 3, `${lines.length} line/area marks`);
  for (const m of lines.filter((m) => m.type === 'line')) t.equal(m.clip, true, `${m.name} is clipped`);
  t.same(vg.scales.find((s) => s.name === 'y')?.domain, [0.5, 50], 'the y domain is the one the data set, not stretched by the theory (1e4 at mu = 0.99)');
});

t.test('a wide series shows around a later one with the same values', async (t) => {
  const same = mus.map((x) => ({ x, y: 2 / (1 - x), lo: 1, hi: 3 / (1 - x) }));
  const spec = panelsSpec([
    {
      ...panel,
      series: [
        { name: 'SGD', kind: 'points', wide: true, data: same },
        { name: 'SGD', kind: 'line', wide: true, data: same },
        { name: 'standard init', kind: 'points', data: same },
        { name: 'standard init', kind: 'line', data: same },
      ],
    },
  ]) as unknown as { layer: { mark: { type: string; size?: number; strokeWidth?: number } }[] };
  const marks = spec.layer.map((l) => l.mark).filter((m) => m.type !== 'rule');
  t.same(
    marks.map((m) => m.size ?? m.strokeWidth),
    [110, 4, 36, 1.6],
    'the wide series first, larger and wider; the one on top plain',
  );
  // Drawn: the wide series' colour still shows in the picture.
  const { vegaLiteToSvg } = await import('../lib/plots/render.js');
  const svg = await vegaLiteToSvg(spec as never);
  t.ok(svg.includes('stroke-width="4"'), 'the wide line is drawn 4 px wide');
});

t.test('loss axes label their ticks readably: 0.005, 3, 300 and 1e-7, 1e5, never 3e+0', async (t) => {
  const { vegaLiteToSvg } = await import('../lib/plots/render.js');
  const labels = async (lo: number, hi: number) => {
    const data = [1, 10, 100].map((x, i) => ({ x, y: lo * (hi / lo) ** (i / 2) }));
    const svg = await vegaLiteToSvg(
      panelsSpec([
        {
          title: 'loss',
          x: { title: 'steps', log: true },
          y: { title: 'loss', log: true, powers: true, domain: [lo, hi] },
          series: [{ name: 'a', kind: 'line', data }],
        },
      ]),
    );
    return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
  };
  const wide = await labels(1e-7, 1e5);
  for (const l of ['1e-7', '1e-4', '0.001', '0.01', '0.1', '1', '10', '100', '1000', '1e4', '1e5'])
    t.ok(wide.includes(l), `"${l}" labels a tick (${wide.join(' ')})`);
  const narrow = await labels(0.1, 10);
  for (const l of ['0.1', '0.2', '1', '2', '3', '10']) t.ok(narrow.includes(l), `"${l}" labels a tick (${narrow.join(' ')})`);
  // A loss axis within a decade just below 0.01 (a converged two-layer run): decimals throughout.
  const low = await labels(0.0035, 0.011);
  for (const l of ['0.01', '0.005', '0.004']) t.ok(low.includes(l), `"${l}" labels a tick (${low.join(' ')})`);
  t.notOk(
    [...wide, ...narrow].some((l) => l.includes('e+')),
    'no label carries "e+"',
  );
  t.notOk(
    [...narrow, ...low].some((l) => /\de/.test(l)),
    'no exponent between 0.001 and 1e4',
  );
});

t.test('dynamics figure: a group on its own loss scale (curriculum stage 1 on y^2) does not stretch the loss axis', async (t) => {
  const { dynamicsFigure } = await import('../lib/experiments/presets/common.js');
  type Stored = Parameters<typeof dynamicsFigure>[2][number]['sgd'][number];
  const steps = [0, 1, 10, 100, 1000];
  const run = (loss: (s: number) => number, seed: number) =>
    ({ run: { seed, step: steps, popLoss: steps.map(loss), rank: 1, hidden: 1, m: steps.map(() => 0.1), M: steps.map(() => 0.3) } }) as unknown as Stored;
  const groups = [
    { label: 'direct on y', sgd: [1, 2].map((s) => run(() => 3.18, s)) },
    { label: 'stage 1 on y^2', sgd: [1, 2].map((s) => run(() => 1674, s)), ownLossScale: true },
    { label: 'stage 2 on y', sgd: [1, 2].map((s) => run((x) => 5 / (1 + x / 50) ** 0.5 + 0.3 * s, s)) },
  ];
  const fig = await dynamicsFigure('curriculum-test', 'curriculum', groups, ['loss', 'absm']);
  const loss = (fig.spec as any).concat[0];
  t.same(loss.layer[0].encoding.y.scale.domain, [1, 10], 'the loss axis spans the decades of direct and stage 2 only (1.4 to 5.6)');
  t.match(loss.title.text, /stage 1 on y\^2 ~1700, off scale/, 'the panel title gives the off-scale level');
  t.equal(loss.layer[0].encoding.y.axis.labelExpr !== undefined, true, 'readable tick labels');
  // Without the flag the axis is the data's (no domain): the old, stretched figure.
  const plain = await dynamicsFigure(
    'curriculum-test',
    'curriculum',
    groups.map(({ ownLossScale: _o, ...g }) => g),
    ['loss', 'absm'],
  );
  t.equal((plain.spec as any).concat[0].layer[0].encoding.y.scale.domain, undefined);
});
