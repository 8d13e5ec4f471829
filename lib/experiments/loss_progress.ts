// Progress by loss (SPEC 7.1) beside the escape of |m|: the first step at which the population
// loss minus the noise floor has fallen to a fraction f of its value at step 0. Unlike
// |m| >= 0.5 it does not count as a success a run that aligns v with w* while cancelling the
// pre-trained weight (He3 below mu_c: M -> 0 and the loss barely moves), so reports show both and
// flag the runs that escape by |m| only.
import type { Passage } from './escape_stats.js';
import type { StoredRun } from './store.js';

/** The fraction the reports use: the loss has halved (L - noise/2 <= 0.5 (L(0) - noise/2)). */
export const LOSS_FRACTION = 0.5;

/**
 * The first step with L - noise/2 <= f (L(0) - noise/2), null if never within the run. Exact
 * where the run recorded it (RunResult.lossEscape, from record.lossThresholds); otherwise the
 * first record point that meets it, which on the log grid is late by at most one grid interval
 * (about 4% of the step with the default 200 points over 1e4 steps).
 */
export function lossPassageStep(r: StoredRun, fraction = LOSS_FRACTION): number | null {
  const exact = (r.run as { lossEscape?: Record<string, number | null> }).lossEscape?.[String(fraction)];
  if (exact !== undefined) return exact;
  // Record values are null where the run went non-finite: no progress there.
  const loss = r.run.popLoss as ArrayLike<number | null>;
  const floor = (r.config.model.noise ?? 0) / 2;
  const l0 = loss[0];
  if (l0 === null || l0 === undefined || !Number.isFinite(l0)) return null;
  const target = fraction * (l0 - floor);
  if (!(target > 0)) return 0;
  const step = r.run.step;
  for (let i = 1; i < loss.length; i++) {
    const l = loss[i];
    if (l !== null && l !== undefined && l - floor <= target) return step[i]!;
  }
  return null;
}

/** Loss passages of runs, censored at each run's last step (for summarizeEscapes). */
export function lossProgressPassages(runs: StoredRun[], fraction = LOSS_FRACTION): Passage[] {
  return runs.map((r) => ({ step: lossPassageStep(r, fraction), horizon: r.run.stepsDone }));
}

/** Runs that reached |m| >= threshold but whose loss never made the progress: counted as escapes by |m| alone. */
export function escapedWithoutLoss(runs: StoredRun[], threshold = 0.5, fraction = LOSS_FRACTION): number {
  return runs.filter((r) => r.run.escape[String(threshold)] != null && lossPassageStep(r, fraction) === null).length;
}
