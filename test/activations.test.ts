// Activations: values against independent formulas, derivatives against finite differences,
// the Hermite recurrence against explicit polynomials, sums, coefficient links, bad names.
import t from 'tap';
import { evalActivation, ConfigError } from '../lib/index.js';
import { erf } from './support/stats.js';

const zs = [-3.1, -1.7, -0.4, -0.05, 0.05, 0.3, 1.2, 2.6];

function close(t: { ok: (c: boolean, m: string) => unknown }, a: number, b: number, tol: number, msg: string) {
  t.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${msg}: ${a} vs ${b}`);
}

const reference: Record<string, (z: number) => number> = {
  linear: (z) => z,
  relu: (z) => Math.max(0, z),
  erf: (z) => erf(z),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: (z) => Math.tanh(z),
  square: (z) => z * z,
  he1: (z) => z,
  he2: (z) => z * z - 1,
  he3: (z) => z ** 3 - 3 * z,
  he4: (z) => z ** 4 - 6 * z * z + 3,
  he5: (z) => z ** 5 - 10 * z ** 3 + 15 * z,
  he6: (z) => z ** 6 - 15 * z ** 4 + 45 * z * z - 15,
  'he3+he5': (z) => z ** 3 - 3 * z + z ** 5 - 10 * z ** 3 + 15 * z,
  '2*he2+0.5*erf': (z) => 2 * (z * z - 1) + 0.5 * erf(z),
};

t.test('values match independent formulas', async (t) => {
  for (const [name, f] of Object.entries(reference)) {
    const v = evalActivation(name, zs);
    for (const [i, z] of zs.entries()) close(t, v.s[i]!, f(z), 1e-12, `${name}(${z})`);
  }
});

t.test("s' and s'' match central finite differences", async (t) => {
  const h = 1e-5;
  for (const name of Object.keys(reference)) {
    const v = evalActivation(name, zs);
    const plus = evalActivation(
      name,
      zs.map((z) => z + h),
    );
    const minus = evalActivation(
      name,
      zs.map((z) => z - h),
    );
    zs.forEach((z, i) => {
      close(t, v.ds[i]!, (plus.s[i]! - minus.s[i]!) / (2 * h), 1e-7, `${name}'(${z})`);
      close(t, v.d2s[i]!, (plus.ds[i]! - minus.ds[i]!) / (2 * h), 1e-6, `${name}''(${z})`);
    });
  }
});

t.test("relu reports the Dirac mass of s'' separately", async (t) => {
  t.equal(evalActivation('relu', [1]).dirac, 1);
  t.equal(evalActivation('2*relu+he3', [1]).dirac, 2);
  t.equal(evalActivation('erf', [1]).dirac, 0);
});

t.test('high-order Hermite by the stable recurrence', async (t) => {
  // He_16 at z: compare with the explicit sum He_n(z) = n! sum_m (-1)^m z^(n-2m) / (m! (n-2m)! 2^m).
  const n = 16;
  const fact = (k: number) => {
    let f = 1;
    for (let i = 2; i <= k; i++) f *= i;
    return f;
  };
  for (const z of [-2.2, 0.7, 3.3]) {
    let s = 0;
    for (let m = 0; 2 * m <= n; m++) s += ((-1) ** m * z ** (n - 2 * m)) / (fact(m) * fact(n - 2 * m) * 2 ** m);
    close(t, evalActivation('he16', [z]).s[0]!, fact(n) * s, 1e-10, `He16(${z})`);
  }
  t.equal(evalActivation('he16', [0]).hermiteOrder, 16);
  t.equal(evalActivation('he3+he5', [0]).hermiteOrder, 5);
});

t.test('a link given by Hermite coefficients', async (t) => {
  const v = evalActivation({ hermite: [0.5, 1, 0, 2] }, zs);
  for (const [i, z] of zs.entries()) {
    close(t, v.s[i]!, 0.5 + z + 2 * (z ** 3 - 3 * z), 1e-12, `series(${z})`);
    close(t, v.ds[i]!, 1 + 2 * (3 * z * z - 3), 1e-12, `series'(${z})`);
  }
  t.equal(v.hermiteOrder, 3);
});

t.test('bad activations are rejected with a clear error', async (t) => {
  for (const bad of ['foo', 'he0', 'he', 'he3++he5', 'x*he3', 'relu+', 'he999']) {
    t.throws(() => evalActivation(bad, [0]), ConfigError, `'${bad}' rejected`);
  }
  t.throws(() => evalActivation({ hermite: [] }, [0]), /empty/);
  try {
    evalActivation('tanhh', [0]);
  } catch (e) {
    t.match((e as Error).message, /unknown activation 'tanhh'/);
  }
});
