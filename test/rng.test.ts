// Philox4x32-10 against the published known-answer vectors (Random123 kat_vectors), and the
// Gaussian transform's moments and distribution.
import t from 'tap';
import { philox, gaussians } from '../lib/index.js';
import { streams } from '../lib/primitives.js';
import { normalCdf } from './support/stats.js';

t.test('Philox4x32-10 known-answer vectors', async (t) => {
  const hex = (a: Uint32Array) => Array.from(a, (x) => x.toString(16).padStart(8, '0')).join(' ');
  t.equal(hex(philox([0, 0, 0, 0], [0, 0])), '6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  t.equal(hex(philox([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])), '408f276d 41c83b0e a20bc7c6 6d5451fd');
  t.equal(hex(philox([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])), 'd16cfe09 94fdcceb 5001e420 24126ea1');
});

t.test('every draw is a pure function of (seed, stream, step, sample, coordinate)', async (t) => {
  const all = gaussians({ seed: 7, stream: streams.inputs, step: 3, sample: 2, count: 37 });
  for (const start of [0, 1, 5, 13, 36]) {
    const part = gaussians({ seed: 7, stream: streams.inputs, step: 3, sample: 2, start, count: 37 - start });
    t.same(Array.from(part), Array.from(all.subarray(start)), `coordinates from ${start}`);
  }
  const other = [
    gaussians({ seed: 8, stream: streams.inputs, step: 3, sample: 2, count: 37 }),
    gaussians({ seed: 7, stream: streams.teacher, step: 3, sample: 2, count: 37 }),
    gaussians({ seed: 7, stream: streams.inputs, step: 4, sample: 2, count: 37 }),
    gaussians({ seed: 7, stream: streams.inputs, step: 3, sample: 3, count: 37 }),
    gaussians({ seed: 7, stream: streams.inputs, step: 2 ** 40 + 3, sample: 2, count: 37 }),
  ];
  for (const o of other) t.not(o[0], all[0], 'changing any index changes the draw');
});

for (const precision of ['double', 'single'] as const) {
  t.test(`Gaussian moments on 4M draws (${precision})`, async (t) => {
    const n = 1 << 22;
    // Many (step, sample) rows, as the simulators draw them.
    const rows = 256;
    let s1 = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0;
    for (let r = 0; r < rows; r++) {
      const g = gaussians({ seed: 12345, stream: streams.test, step: r, sample: r * 7, count: n / rows, precision });
      for (const x of g) {
        const x2 = x * x;
        s1 += x;
        s2 += x2;
        s3 += x2 * x;
        s4 += x2 * x2;
      }
    }
    const mean = s1 / n,
      v = s2 / n - mean * mean;
    // Standard errors: mean 1/sqrt(n) = 4.9e-4, variance sqrt(2/n) = 6.9e-4, third moment
    // sqrt(15/n) = 1.9e-3, fourth moment sqrt(96/n) = 4.8e-3. Bounds at 5 standard errors.
    t.ok(Math.abs(mean) < 5 * 4.9e-4, `mean ${mean}`);
    t.ok(Math.abs(v - 1) < 5 * 6.9e-4, `variance ${v}`);
    t.ok(Math.abs(s3 / n) < 5 * 1.9e-3, `third moment ${s3 / n}`);
    t.ok(Math.abs(s4 / n - 3) < 5 * 4.8e-3, `fourth moment (kurtosis) ${s4 / n}`);
  });

  t.test(`Kolmogorov-Smirnov against N(0, 1) on 1M draws (${precision})`, async (t) => {
    const n = 1 << 20;
    const x = new Float64Array(n);
    for (let r = 0; r < 64; r++) x.set(gaussians({ seed: 99, stream: streams.test, step: 1000 + r, sample: 0, count: n / 64, precision }), (r * n) / 64);
    x.sort();
    let D = 0;
    for (let i = 0; i < n; i++) {
      const F = normalCdf(x[i]!);
      D = Math.max(D, Math.abs(F - i / n), Math.abs((i + 1) / n - F));
    }
    // Critical value at alpha = 0.001: 1.95 / sqrt(n).
    t.ok(D < 1.95 / Math.sqrt(n), `KS statistic ${D} < ${1.95 / Math.sqrt(n)}`);
    t.ok(x[0]! < -4.5 && x[n - 1]! > 4.5, `tails reached: min ${x[0]}, max ${x[n - 1]}`);
  });
}
