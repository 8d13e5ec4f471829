// The practitioners' options of SPEC 7.1 in a config: which are set, which engines and backends
// run them, and the combinations that cannot run (each refused naming its field).
// docs/practice.md describes what each option does in each engine.
import type { Config } from './config.js';
import type { ConfigIssue } from './errors.js';

/** The options set in a filled-in config that leave the paper's recipe, by config path. */
export function practiceFields(c: Config): string[] {
  const out: string[] = [];
  if (c.train.optimizer !== undefined) out.push('train.optimizer');
  if (c.train.weightDecay !== undefined) out.push('train.weightDecay');
  if (c.train.lrRatio !== undefined) out.push('train.lrRatio');
  if (c.model.adapter !== undefined) out.push('model.adapter');
  return out;
}

// Which engine runs which option today; the others are refused with the field named.
const ENGINE_RUNS: Record<Config['engine'], string[]> = {
  full: ['train.optimizer', 'train.weightDecay', 'train.lrRatio', 'model.adapter'],
  reduced: [],
  ode: ['train.optimizer', 'train.weightDecay', 'train.lrRatio', 'model.adapter'],
};

/** Issues of the practice options against the rest of the config. */
export function practiceIssues(c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const m = c.model;
  if (m.adapter === 'full') {
    if (m.pretrained.kind === 'scratch')
      out.push({ path: 'model.adapter', message: '"full" fine-tunes a pre-trained w0 and kind "scratch" has none (the scratch baseline is adapter "lora")' });
    if (m.rank !== m.hidden)
      out.push({ path: 'model.rank', message: `adapter "full" trains one delta row per hidden unit: rank must equal hidden (${m.hidden})` });
    if (m.u0 !== null) out.push({ path: 'model.u0', message: 'has no meaning with adapter "full" (there is no U); leave it null' });
    if (m.init?.u) out.push({ path: 'model.init.u', message: 'has no meaning with adapter "full" (there is no U)' });
  }
  if (c.train.optimizer?.kind === 'adam' && c.engine !== 'full')
    out.push({
      path: 'train.optimizer',
      message: `engine "${c.engine}" cannot run adam: Adam acts coordinate by coordinate, so the law of its trajectory is not rotation invariant and ${c.engine === 'ode' ? 'the overlaps do not close into an ODE' : 'no d-free reduction exists'}; use engine "full"`,
    });
  else
    for (const f of practiceFields(c))
      if (!ENGINE_RUNS[c.engine].includes(f)) out.push({ path: f, message: `engine "${c.engine}" does not run this option yet` });
  if (c.backend === 'cuda') {
    const cpuOnly = [...practiceFields(c), ...(c.record.lossThresholds ? ['record.lossThresholds'] : [])];
    for (const f of cpuOnly)
      out.push({ path: f, message: 'backend "cuda" runs the paper\'s recipe only (plain SGD on LoRA, no loss thresholds); use backend "cpu" or "auto", which runs this on the CPU' });
  }
  return out;
}

/** Removes the keys of unset practice options (zod leaves them as undefined), in place. */
export function dropUnsetPractice(c: Config): Config {
  const drop = (o: Record<string, unknown>, keys: string[]) => keys.forEach((k) => o[k] === undefined && delete o[k]);
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

/** A short label of the practice options of a config ("" for the paper's recipe): "adam, wd 0.01, lrRatio 8, full". */
export function practiceLabel(c: Config): string {
  const parts: string[] = [];
  const o = c.train.optimizer;
  if (o?.kind === 'momentum') parts.push(`momentum ${o.beta}`);
  if (o?.kind === 'adam') parts.push(o.beta1 === 0.9 && o.beta2 === 0.999 && o.eps === 1e-8 ? 'adam' : `adam(${o.beta1}, ${o.beta2}, ${o.eps})`);
  if (c.train.weightDecay !== undefined) parts.push(`wd ${c.train.weightDecay}`);
  if (c.train.lrRatio !== undefined) parts.push(`lrRatio ${c.train.lrRatio}`);
  if (c.model.adapter === 'full') parts.push('full');
  return parts.join(', ');
}
