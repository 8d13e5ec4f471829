// The SIMD generator paths against the scalar generator, bit for bit, and the accuracy of the
// Box–Muller elementary functions (box_muller_math.hpp) against 80-bit long double.
import t, { type Test } from 'tap';
import { gaussians, streams } from '../lib/primitives.js';
import { loadNative } from '../lib/native.js';

const native = loadNative().testing;
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

t.test('paths reported', async (t) => {
  const p = native.simdPaths();
  t.ok(p.available.includes('scalar'), 'scalar always available');
  t.ok(p.available.includes(p.best), `best path ${p.best} is available`);
  t.comment(`available: ${p.available.join(', ')}; best: ${p.best}`);
});

t.test('every available path draws the scalar bits', async (t) => {
  for (const precision of ['double', 'single'] as const) await t.test(precision, async (t) => samePathBits(t, precision));
});

async function samePathBits(t: Test, precision: 'double' | 'single') {
  const cases = [
    { seed: 1, stream: streams.inputs, step: 0, sample: 0 },
    { seed: 2 ** 40 + 17, stream: streams.teacher, step: 2 ** 45 + 3, sample: 123456 },
    { seed: 987654321, stream: streams.test, step: 77, sample: 4294967295 },
  ];
  const spans = [
    [0, 1],
    [0, 3],
    [1, 2],
    [3, 5],
    [4, 4],
    [5, 31],
    [0, 63],
    [2, 64],
    [7, 257],
    [0, 1024],
    [13, 4099],
    [0, 100003],
    [255, 2],
    [256, 256],
    [200, 700],
    [1000, 24],
    [511, 1],
  ] as const;
  for (const path of native.simdPaths().available) {
    let checked = 0;
    for (const c of cases)
      for (const [start, count] of spans) {
        const ref = gaussians({ ...c, start, count, precision });
        const got = native.gaussiansPath(path, c.seed, c.stream, c.step, c.sample, start, count, precision);
        if (bits(ref) !== bits(got)) {
          t.fail(`${path}: seed ${c.seed} step ${c.step} sample ${c.sample} start ${start} count ${count} differ`);
          return;
        }
        checked += count;
      }
    t.pass(`${path}: ${checked} draws identical to the scalar generator`);
  }
}

t.test('single precision: the documented super-block layout and the double transform of the same words', async (t) => {
  // Block 64 S + l of the Philox stream gives coordinates 256 S + 64 q + l; its values are the
  // double transform's values of block 64 S + l (coordinates 4 (64 S + l) + q) rounded to
  // float precision, up to the two transforms' errors (a few float ulps).
  const key = { seed: 31337, stream: streams.inputs, step: 9, sample: 2 };
  const single = gaussians({ ...key, count: 1024, precision: 'single' });
  const dbl = gaussians({ ...key, count: 4096 });
  let worst = 0;
  for (let S = 0; S < 4; ++S)
    for (let l = 0; l < 64; ++l)
      for (let q = 0; q < 4; ++q) {
        const a = single[256 * S + 64 * q + l]!;
        const b = dbl[4 * (64 * S + l) + q]!;
        t.equal(Math.fround(a), a, 'a float');
        worst = Math.max(worst, Math.abs(a - b) / Math.max(Math.abs(b), 1e-3));
      }
  t.ok(worst < 1e-6, `single within 1e-6 (relative, or absolute below 1e-3) of double: ${worst}`);
  // Any start: coordinate k is the same number whatever fill it comes from.
  for (const [start, count] of [
    [1, 5],
    [250, 10],
    [513, 300],
  ] as const) {
    const part = gaussians({ ...key, start, count, precision: 'single' });
    t.same(Array.from(part), Array.from(single.subarray(start, start + count)), `start ${start} count ${count}`);
  }
  t.throws(() => gaussians({ ...key, count: 4, precision: 'half' as never }), /precision: must be 'double' or 'single'/);
});

t.test('unknown or unavailable paths are refused', async (t) => {
  t.throws(() => native.gaussiansPath('sse9' as never, 1, 4, 0, 0, 0, 4), /path: must be one of scalar, avx2, avx512/);
  for (const p of ['avx2', 'avx512'] as const)
    if (!native.simdPaths().available.includes(p)) t.throws(() => native.gaussiansPath(p, 1, 4, 0, 0, 0, 4), /not available/);
});

t.test('log, cos, sin and the Gaussians within a few ulp of the exact values', async (t) => {
  const a = native.rngAccuracy(2_000_000, 5);
  if (a.referenceDigits < 64) {
    t.comment(`long double has ${a.referenceDigits} bits here: no accurate reference, skipped`);
    return;
  }
  t.comment(JSON.stringify(a));
  t.ok(a.samples > 2_000_000, 'random words plus the edge words');
  // Measured on x86-64: log 0.79, cos 1.81, sin 1.80, Gaussian 3.17 ulp (libm's log: 0.51).
  t.ok(a.logUlp <= 1, `log within 1 ulp (${a.logUlp})`);
  t.ok(a.cosUlp <= 2 && a.sinUlp <= 2, `cos/sin within 2 ulp (${a.cosUlp}, ${a.sinUlp})`);
  t.ok(a.gaussianUlp <= 4, `Gaussians within 4 ulp (${a.gaussianUlp})`);
  // Single precision (engine full's inputs), float ulps at the exact u of each word. Measured on
  // x86-64: log 1.61, cos 2.63, sin 2.79, Gaussian 3.88.
  t.ok(a.single.logUlp <= 2, `single: log within 2 float ulp (${a.single.logUlp})`);
  t.ok(a.single.cosUlp <= 3 && a.single.sinUlp <= 3, `single: cos/sin within 3 float ulp (${a.single.cosUlp}, ${a.single.sinUlp})`);
  t.ok(a.single.gaussianUlp <= 4, `single: Gaussians within 4 float ulp (${a.single.gaussianUlp})`);
});
