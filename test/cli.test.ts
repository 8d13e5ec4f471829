// The CLI: JSON contracts, --help everywhere, exit code 2 with the message on bad input.
import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { loadCommands } from '../lib/cli/registry.js';
import { buildProgram } from '../lib/cli/program.js';
import { closest, editDistance } from '../lib/cli/suggest.js';
import { spawnSync } from 'node:child_process';
import { cliPath } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'loradyn-cli-'));
const file = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};

t.test('info --json', async (t) => {
  const r = runCli(['info', '--json']);
  t.equal(r.code, 0, r.stderr);
  const i = JSON.parse(r.stdout);
  t.match(i.version, /\d+\.\d+\.\d+/);
  t.equal(i.backends.cpu.available, true);
  t.type(i.backends.cuda.available, 'boolean');
});

t.test('simulate --json prints runs[i].escape["0.5"]', async (t) => {
  const cfg = file(
    'ok.json',
    JSON.stringify({
      model: { d: 200, activation: 'linear', pretrained: { mu: 0.3 } },
      train: { batch: 100, steps: 400 },
      seeds: { count: 2 },
      backend: 'cpu',
    }),
  );
  const out = join(dir, 'out.json');
  const r = runCli(['simulate', cfg, '--json', '--out', out]);
  t.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  t.equal(res.runs.length, 2);
  for (const run of res.runs) {
    t.type(run.escape['0.5'], 'number', 'the linear model escapes within 400 steps');
    t.ok(run.escape['0.5'] > 0 && run.escape['0.5'] < 400);
  }
  t.same(JSON.parse(readFileSync(out, 'utf8')).runs[0].escape, res.runs[0].escape, '--out holds the same result');
  const censored = file('short.json', JSON.stringify({ model: { d: 200 }, train: { batch: 100, steps: 2 }, backend: 'cpu' }));
  const c = runCli(['simulate', censored, '--json']);
  t.equal(JSON.parse(c.stdout).runs[0].escape['0.5'], null, 'a run that never escapes is null (censored)');
});

t.test('--help on every command: every option, its default, an example', async (t) => {
  const commands = await loadCommands();
  const program = buildProgram(commands);
  // Help text in-process (commander's own rendering, as --help prints it), plus a few real runs.
  const help = (c: ReturnType<typeof buildProgram>) => {
    let out = '';
    c.configureOutput({ writeOut: (s) => (out += s) });
    c.outputHelp();
    return out;
  };
  for (const c of commands) {
    const sub = program.commands.find((x) => x.name() === c.name)!;
    for (const cmd of [sub, ...sub.commands]) {
      const text = help(cmd);
      const name = cmd === sub ? c.name : `${c.name} ${cmd.name()}`;
      t.match(text, new RegExp(`Usage: loradyn ${name}`), `${name}: usage`);
      if (cmd === sub) t.match(text, /Examples:\n {2}\$ /, `${name}: examples`);
      for (const o of cmd.options) {
        t.match(text, o.long!, `${name} help lists ${o.long}`);
        if (o.defaultValue !== undefined) t.match(text, `default: ${JSON.stringify(o.defaultValue)}`, `${o.long} shows its default`);
      }
    }
  }
  for (const name of ['simulate', 'reproduce', 'export']) {
    const r = runCli([name, '--help']);
    t.equal(r.code, 0, `${name} --help exits 0`);
    t.equal(r.stdout, help(program.commands.find((x) => x.name() === name)!), `${name} --help prints its help`);
    const viaHelp = runCli(['help', name]);
    t.equal(viaHelp.code, 0);
    t.equal(viaHelp.stdout, r.stdout, `loradyn help ${name} prints the same`);
  }
  t.match(runCli(['help', 'theory', 'tau']).stdout, /Usage: loradyn theory tau/);
  const top = runCli(['--help']);
  t.equal(top.code, 0);
  for (const c of commands) t.match(top.stdout, c.name);
  const none = runCli([]);
  t.equal(none.code, 2, 'no command: usage on stderr, exit 2');
  t.match(none.stderr, /Usage: loradyn <command>/);
  const v = runCli(['-V']);
  t.equal(v.code, 0);
  t.equal(v.stdout.trim(), JSON.parse(readFileSync(join(cliPath, '..', '..', '..', 'package.json'), 'utf8')).version);
  t.equal(runCli(['--version']).stdout, v.stdout);
});

t.test('did you mean: commands, subcommands, options, presets, shells', async (t) => {
  const cases: [string[], RegExp][] = [
    [['simulat', 'x.json'], /unknown command 'simulat'\n\(Did you mean simulate\?\)/],
    [['reproduc', '--list'], /Did you mean reproduce\?/],
    [['theory', 'tua'], /Did you mean tau\?/],
    [['info', '--jsn'], /unknown option '--jsn'\n\(Did you mean --json\?\)/],
    [['sweep', 'x.json', '--out', 'o', '--job', '2'], /Did you mean --jobs\?/],
    [['reproduce', 'headlin', '--out', 'o'], /unknown preset "headlin" \(did you mean headline\?\)/],
    [['reproduce', 'hermit', '--out', 'o'], /did you mean hermite\?/],
    [['reproduce', 'two_layer', '--out', 'o'], /did you mean two-layer\?/],
    [['completion', 'bsh'], /did you mean bash/],
    [['help', 'simulat'], /unknown command 'simulat' \(did you mean simulate\?\)/],
    [['help', 'theory', 'tua'], /unknown command 'theory tua' \(did you mean tau\?\)/],
  ];
  for (const [args, msg] of cases) {
    const r = runCli(args);
    t.equal(r.code, 2, `${args.join(' ')} exits 2`);
    t.match(r.stderr, msg, `${args.join(' ')}: ${r.stderr.trim().split('\n').join(' | ')}`);
  }
  t.notMatch(runCli(['reproduce', 'zzzzzz', '--out', 'o']).stderr, /did you mean/, 'nothing close: no suggestion');
  t.equal(editDistance('tua', 'tau'), 1, 'a transposition costs 1');
  t.same(closest('headlin', ['headline', 'hermite', 'dynamics']), ['headline']);
});

t.test('--json where data is printed', async (t) => {
  const list = runCli(['reproduce', '--list', '--json']);
  t.equal(list.code, 0, list.stderr);
  const presets = JSON.parse(list.stdout);
  t.ok(presets.length >= 10 && presets.every((p: { name: string; item: string; title: string }) => p.name && p.item && p.title));
  t.ok(presets.some((p: { name: string }) => p.name === 'headline'));
});

t.test('shell completion scripts', async (t) => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = runCli(['completion', shell]);
    t.equal(r.code, 0, r.stderr);
    for (const w of ['simulate', 'reproduce', 'headline', 'threshold', 'scale', 'quick']) t.match(r.stdout, w, `${shell} script knows ${w}`);
  }
  const bash = runCli(['completion']).stdout;
  t.equal(bash, runCli(['completion', 'bash']).stdout, 'bash is the default');
  // Load the bash script and ask it what it completes, as bash would on TAB.
  const ask = (line: string) => {
    const words = line.split(' ');
    const script = `${bash}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _loradyn; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const b = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: dir });
    t.equal(b.status, 0, b.stderr);
    return b.stdout.trim().split('\n').filter(Boolean);
  };
  t.same(ask('loradyn sim'), ['simulate']);
  t.same(ask('loradyn reproduce head'), ['headline']);
  t.same(ask('loradyn reproduce headline --scale q'), ['quick']);
  t.ok(ask('loradyn results runs --th').includes('--threshold'));
  t.same(ask('loradyn theory c'), ['critical']);
  t.ok(ask('loradyn theory tau --').includes('--activation'), 'subcommand options');
});

t.test('output piped into a reader that stops early: no EPIPE crash', async (t) => {
  const r = spawnSync(
    'bash',
    [
      '-o',
      'pipefail',
      '-c',
      `"${process.execPath}" "${cliPath}" theory tau --activation erf --grid 0.01:0.99:20000 | head -n 2 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`,
    ],
    { encoding: 'utf8' },
  );
  t.match(r.stdout, /rc=0/, 'the writer exits 0 when the reader stops');
  t.notMatch(r.stderr, /EPIPE|Error/, r.stderr);
});

t.test('bad input exits 2 with the reason', async (t) => {
  const cases: [string[], RegExp][] = [
    [['simulate', file('malformed.json', '{ "model": { "d": 10, } ')], /not valid JSON/],
    [['simulate', file('act.json', '{"model":{"activation":"gelu"}}')], /model\.activation: unknown activation 'gelu'/],
    [['simulate', file('d.json', '{"model":{"d":0}}')], /model\.d: must be/],
    [['simulate', file('b.json', '{"train":{"batch":0}}')], /train\.batch: must be/],
    [['simulate', file('eta.json', '{"train":{"eta":-0.1}}')], /train\.eta: must be a finite number > 0/],
    [['simulate', file('mu.json', '{"model":{"pretrained":{"mu":2}}}')], /model\.pretrained\.mu: must be in \[0, 1\]/],
    [['simulate', file('rank.json', '{"model":{"d":3,"rank":4}}')], /model\.rank: must be in \[1, model\.d = 3\]/],
    [['simulate', file('big.json', '{"model":{"d":2000000000,"rank":8}}')], /model\.d: .*GiB/],
    [['simulate', join(dir, 'missing.json')], /cannot read/],
    [['simulate'], /missing required argument 'config'/],
    [['simulate', 'a.json', 'b.json'], /too many arguments/],
    [['simulate', 'a.json', '--threads', 'x'], /--threads must be an integer >= 1/],
    [['results', dir, '--threshold', '2'], /--threshold must be a number in \(0, 1\]/],
    [['simulate', 'a.json', '--frobnicate'], /unknown option '--frobnicate'/],
    [['nonsense'], /unknown command/],
  ];
  for (const [args, msg] of cases) {
    const r = runCli(args);
    t.equal(r.code, 2, `${args.join(' ')} exits 2`);
    t.match(r.stderr, msg, `${args.join(' ')}: ${r.stderr.trim().split('\n')[0]}`);
  }
});
