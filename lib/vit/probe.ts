// Linear probe: a ridge-regression classifier on frozen features (one-hot targets, bias
// column, float64 normal equations solved by Cholesky). Deterministic and cheap, it measures
// how linearly separable the target classes already are in a checkpoint's features.

/** Accuracies (fraction correct) of the ridge probe on the data it was fitted on and on held-out data. */
export interface ProbeResult {
  trainAccuracy: number;
  testAccuracy: number;
}

/** Solves A X = B in place for symmetric positive definite A (n x n; B is n x m, row-major): A <- its Cholesky factor, B <- X. */
export function cholSolve(A: Float64Array, n: number, B: Float64Array, m: number): void {
  // In place: A = L L^T (lower), then B <- A^{-1} B (B is n x m row-major).
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j]!;
    for (let k = 0; k < j; k++) d -= A[j * n + k]! ** 2;
    if (!(d > 0)) throw new Error('probe: normal matrix is not positive definite');
    const l = Math.sqrt(d);
    A[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= A[i * n + k]! * A[j * n + k]!;
      A[i * n + j] = s / l;
    }
  }
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = B[i * m + c]!;
      for (let k = 0; k < i; k++) s -= A[i * n + k]! * B[k * m + c]!;
      B[i * m + c] = s / A[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = B[i * m + c]!;
      for (let k = i + 1; k < n; k++) s -= A[k * n + i]! * B[k * m + c]!;
      B[i * m + c] = s / A[i * n + i]!;
    }
  }
}

function accuracy(F: Float32Array, y: Int32Array, d: number, W: Float64Array, C: number): number {
  const n = y.length;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let arg = -1;
    for (let c = 0; c < C; c++) {
      let s = W[d * C + c]!;
      for (let k = 0; k < d; k++) s += F[i * d + k]! * W[k * C + c]!;
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    if (arg === y[i]) ok++;
  }
  return n ? ok / n : NaN;
}

/** Fits on (trainF, trainY) with ridge penalty lambda * n and scores train and test. */
export function ridgeProbe(
  trainF: Float32Array,
  trainY: Int32Array,
  testF: Float32Array,
  testY: Int32Array,
  dim: number,
  classes: number,
  lambda = 1e-3,
): ProbeResult {
  const n = trainY.length;
  const p = dim + 1;
  const A = new Float64Array(p * p);
  const B = new Float64Array(p * classes);
  const row = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) row[k] = trainF[i * dim + k]!;
    row[dim] = 1;
    for (let a = 0; a < p; a++) {
      const ra = row[a]!;
      for (let b = 0; b <= a; b++) A[a * p + b] += ra * row[b]!;
      B[a * classes + trainY[i]!] += ra;
    }
  }
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) A[a * p + b] = A[b * p + a]!;
  for (let a = 0; a < dim; a++) A[a * p + a] += lambda * n;
  cholSolve(A, p, B, classes);
  return { trainAccuracy: accuracy(trainF, trainY, dim, B, classes), testAccuracy: accuracy(testF, testY, dim, B, classes) };
}
