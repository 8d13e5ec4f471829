// The shared validation blocks (lib/schema.ts): objects that refuse unknown fields all at once and
// refuse lists, unions that report the branch the input meant, paths that name the field, and the
// config-path walk the sweeps use. The config, store and queue tests check each schema's own rules.
import t from 'tap';
import * as v from 'valibot';
import { ConfigError, parseConfig } from '../lib/index.js';
import { isConfigPath } from '../lib/experiments/paths.js';
import { finiteNumber, intIn, issuesReason, objectEntries, strictObject, toConfigIssues } from '../lib/schema.js';

const issuesOf = (input: unknown) => {
  try {
    parseConfig(input, 1);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues;
  }
};

t.test('strictObject names every unknown field in one issue at the object', async (t) => {
  const s = strictObject({ a: v.optional(v.number(), 1) });
  t.same(v.parse(s, {}), { a: 1 });
  const r = v.safeParse(s, { a: 2, b: 3, c: 4 });
  t.notOk(r.success);
  t.same(toConfigIssues(r.issues ?? []), [{ path: '', message: 'unknown field(s) "b", "c"' }]);
  t.same(issuesOf({ model: { d: 20, typo: 1, zap: 2 } }), [{ path: 'model', message: 'unknown field(s) "typo", "zap"' }]);
  // A bad field and an unknown one are both reported.
  t.same(
    issuesOf({ train: { eta: -1, etta: 0.1 } })
      .map((i) => i.path)
      .sort(),
    ['train', 'train.eta'],
  );
});

t.test('a list is not an object', async (t) => {
  t.same(issuesOf({ model: [1, 2] }), [{ path: 'model', message: 'must be an object { ... }, not a list' }]);
  t.match(issuesOf({ seeds: [1, 'x'] }), [{ path: 'seeds', message: /list of integer seeds or \{ count, base \}/ }]);
});

t.test('a union reports the branch the input meant, else its own message', async (t) => {
  t.same(issuesOf({ model: { activation: { hermite: [] } } }), [{ path: 'model.activation.hermite', message: 'Hermite coefficient list must not be empty' }]);
  t.same(issuesOf({ model: { activation: '' } }), [{ path: 'model.activation', message: 'activation must not be empty' }]);
  t.match(issuesOf({ model: { activation: 42 } }), [{ path: 'model.activation', message: /must be a name/ }]);
  t.same(issuesOf({ train: { optimizer: { kind: 'adam', beta1: 2 } } }), [{ path: 'train.optimizer.beta1', message: 'must be in [0, 1)' }]);
  t.same(issuesOf({ train: { optimizer: { kind: 'momentum', lr: 1 } } }), [{ path: 'train.optimizer', message: 'unknown field(s) "lr"' }]);
  t.match(issuesOf({ train: { optimizer: { kind: 'bogus' } } }), [{ path: 'train.optimizer', message: /must be "sgd"/ }]);
});

t.test('numbers: non-finite values and non-integers are refused with the range', async (t) => {
  const n = finiteNumber('must be a number', 'must be finite');
  t.notOk(v.safeParse(n, Number.POSITIVE_INFINITY).success);
  t.notOk(v.safeParse(n, Number.NaN).success);
  t.equal(v.parse(n, -2.5), -2.5);
  const i = intIn(2, 5);
  t.same(
    [1, 2.5, 6, '3', Number.POSITIVE_INFINITY].map((x) => v.safeParse(i, x).issues?.[0]?.message),
    [
      'must be in [2, 5]',
      'must be an integer in [2, 5]',
      'must be in [2, 5]',
      'must be a number (an integer in [2, 5])',
      'must be a number (an integer in [2, 5])',
    ],
  );
  t.same(issuesOf({ train: { eta: Number.POSITIVE_INFINITY } }), [{ path: 'train.eta', message: 'must be a finite number > 0' }]);
});

t.test('verdict lines: the first issues, paths under a prefix', async (t) => {
  const s = strictObject({ a: v.number('a number'), b: v.number('b number'), c: v.number('c number'), d: v.number('d number') });
  const r = v.safeParse(s, { a: 'x', b: 'y', c: 'z', d: 'w' });
  t.equal(issuesReason(r.issues ?? [], 'run'), 'run.a: a number; run.b: b number; run.c: c number');
  t.equal(issuesReason(r.issues ?? [], '', 1), 'a: a number');
});

t.test('config paths walk the schema through defaults and optionals', async (t) => {
  for (const p of ['model.pretrained.mu', 'model.d', 'train.optimizer', 'record.stopAt', 'record.lossThresholds', 'engine', 'seeds']) t.ok(isConfigPath(p), p);
  for (const p of ['', 'model.nope', 'train.optimizer.beta', 'seeds.count', 'model.d.x', 'nope']) t.notOk(isConfigPath(p), p);
  t.same(Object.keys(objectEntries(strictObject({ x: v.number() })) ?? {}), ['x']);
  t.equal(objectEntries(v.number()), undefined);
});
