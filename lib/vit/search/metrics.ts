// The search protocol's metrics on one fine-tuning curve, as fixed in docs/vit.md before the
// runs: the plateau exit (first step with L <= L0 - 0.1 (L0 - L*)), the half-life of the
// excess loss L - L*, the normalised curve (L - L*) / (L0 - L*), and the secondary
// accuracy-threshold times. Pure functions of the evaluated curve.

/** Evaluation steps: 0, every 5 steps to 100, then every 10 (and the last step). */
export function searchEvalSchedule(steps: number): number[] {
  const out = [0];
  for (let s = 5; s <= steps; s += s < 100 ? 5 : 10) out.push(s);
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}

/**
 * The first step at which `values` is at or below `level`, linearly interpolated between the
 * last evaluation above the level and the first at or below it; steps[0] when the curve starts
 * there; null when it never gets there.
 */
export function crossingStep(steps: readonly number[], values: readonly number[], level: number): number | null {
  if (steps.length !== values.length) throw new Error('crossingStep: steps and values differ in length');
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v <= level)) continue;
    if (i === 0) return steps[0]!;
    const a = values[i - 1]!;
    const f = Number.isFinite(a) && a > v ? (a - level) / (a - v) : 1;
    return steps[i - 1]! + f * (steps[i]! - steps[i - 1]!);
  }
  return null;
}

/** The search metrics of one fine-tuning curve (steps interpolated between evaluations). */
export interface CurveMetrics {
  /** First step with L <= L0 - 0.1 (L0 - L*); null: not within the run (censored). */
  plateauExit: number | null;
  /** First step with L - L* <= 0.5 (L0 - L*); null: not within the run (censored). */
  halfLife: number | null;
  /** (L - L*) / (L0 - L*) at each evaluation; empty when L0 <= L*. */
  normalised: number[];
}

/** Metrics of one curve (loss[0] = L0 at steps[0] = 0) against the best loss L* at its checkpoint. */
export function curveMetrics(steps: readonly number[], loss: readonly number[], lStar: number): CurveMetrics {
  const L0 = loss[0]!;
  const gap = L0 - lStar;
  // No progress below the start anywhere at this checkpoint: nothing to normalise.
  if (!(gap > 0)) return { plateauExit: null, halfLife: null, normalised: [] };
  return {
    plateauExit: crossingStep(steps, loss, L0 - 0.1 * gap),
    halfLife: crossingStep(steps, loss, lStar + 0.5 * gap),
    normalised: loss.map((l) => (l - lStar) / gap),
  };
}

/** Secondary: the first evaluated step with accuracy >= threshold (step 0 counts), or null. */
export function firstStepAtAccuracy(steps: readonly number[], accuracy: readonly number[], threshold: number): number | null {
  for (let i = 0; i < steps.length; i++) if (accuracy[i]! >= threshold) return steps[i]!;
  return null;
}

/** A run shows a plateau when its exit is later than this many steps (docs/vit.md). */
export const PLATEAU_MIN_STEPS = 10;

/** Whether a run shows a plateau: its exit is later than PLATEAU_MIN_STEPS steps, or never came (censored). */
export function hasPlateau(plateauExit: number | null): boolean {
  return plateauExit === null || plateauExit > PLATEAU_MIN_STEPS;
}
