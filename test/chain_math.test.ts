// The reduced chain's own exp, erf and sigmoid (native/core/reduced/chain_math.hpp): branch-free
// so that the batch kernels vectorise them, and accurate to a few ulps against long double.
import t from 'tap';
import { loadNative } from '../lib/native.js';

const native = loadNative().testing;

t.test("exp, erf, erf' and the sigmoid are within a few ulps of long double", async (tt) => {
  const a = native.chainMathAccuracy(400_000, 3);
  tt.ok(a.referenceDigits >= 64, `reference has ${a.referenceDigits} mantissa bits`);
  tt.ok(a.samples > 400_000, `${a.samples} arguments`);
  // Measured (these arguments): exp 0.83, erf 1.29 (the C library 0.97), erf' 1.63, sigmoid 2.41, sigmoid' 4.24.
  tt.ok(a.expUlp <= 1, `exp ${a.expUlp.toFixed(3)} ulp <= 1`);
  tt.ok(a.erfUlp <= 2, `erf ${a.erfUlp.toFixed(3)} ulp <= 2 (C library ${a.libmErfUlp.toFixed(3)})`);
  tt.ok(a.erfDerivUlp <= 2, `erf' ${a.erfDerivUlp.toFixed(3)} ulp <= 2`);
  tt.ok(a.sigmoidUlp <= 3.5, `sigmoid ${a.sigmoidUlp.toFixed(3)} ulp <= 3.5`);
  tt.ok(a.sigmoidDerivUlp <= 6, `sigmoid' ${a.sigmoidDerivUlp.toFixed(3)} ulp <= 6`);
  tt.ok(a.arraysMatchScalar, 'the array forms (one clone per instruction set) return the scalar bits');
});

t.test('bad arguments fail with a clear error', async (tt) => {
  tt.throws(() => native.chainMathAccuracy(-1, 3), /samples/);
  tt.throws(() => (native.chainMathAccuracy as unknown as (a: string) => unknown)('x'), /samples/);
});
