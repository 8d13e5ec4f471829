// The practitioners' options of SPEC 7.1 in a config: which are set, their label, and the
// optimizer's memory. Their rules (ranges, combinations, what each engine and backend runs) are
// the core's (native/core/model/practice.hpp); docs/practice.md describes what each option does.
import type { Config } from './config.js';

/** The options set in a filled-in config that leave the paper's recipe, by config path. */
export function practiceFields(c: Config): string[] {
  const out: string[] = [];
  if (c.train.optimizer !== undefined) out.push('train.optimizer');
  if (c.train.weightDecay !== undefined) out.push('train.weightDecay');
  if (c.train.lrRatio !== undefined) out.push('train.lrRatio');
  if (c.model.adapter !== undefined) out.push('model.adapter');
  return out;
}

/** Removes the keys of unset practice options (the schema leaves them as undefined), in place. */
export function dropUnsetPractice(c: Config): Config {
  const drop = (o: Record<string, unknown>, keys: string[]) => {
    for (const k of keys) if (o[k] === undefined) delete o[k];
  };
  drop(c.train as Record<string, unknown>, ['optimizer', 'weightDecay', 'lrRatio']);
  drop(c.model as Record<string, unknown>, ['adapter']);
  drop(c.record as Record<string, unknown>, ['lossThresholds']);
  return c;
}

/** Doubles per run that the optimizer keeps beside the state: buffers for U and the rows of V. */
export function optimizerDoubles(c: Config): number {
  const n = c.model.rank * (c.model.d + c.model.hidden);
  const o = c.train.optimizer;
  return o?.kind === 'adam' ? 2 * n : o?.kind === 'momentum' ? n : 0;
}
