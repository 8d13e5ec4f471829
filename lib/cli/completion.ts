// `loradyn completion bash|zsh|fish`: a shell completion script generated from the command tree
// (commands, subcommands, options, option choices and preset names).
import type { Command, Option } from 'commander';
import { choiceOption } from './args.js';
import { action, examples, type CliCommand } from './command.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

interface Node {
  /** "" for the program, "theory tau" for a subcommand. */
  path: string;
  description: string;
  options: { flags: string[]; description: string; choices: string[]; takesValue: boolean }[];
  /** Words for the first positional: subcommands, or values such as preset names. */
  words: { word: string; description: string }[];
}

function optionsOf(cmd: Command): Node['options'] {
  const opts: readonly Option[] = cmd.options;
  const out = opts.map((o) => ({
    flags: [o.short, o.long].filter((f): f is string => Boolean(f)),
    description: o.description,
    choices: o.argChoices ?? [],
    takesValue: o.required || o.optional,
  }));
  out.push({ flags: ['-h', '--help'], description: 'show help', choices: [], takesValue: false });
  return out;
}

function collect(cmd: Command, path: string, extraWords: Record<string, string[]>, out: Node[]): void {
  const words = cmd.commands.map((c) => ({ word: c.name(), description: c.description() }));
  for (const w of extraWords[path] ?? []) words.push({ word: w, description: '' });
  out.push({ path, description: cmd.description(), options: optionsOf(cmd), words });
  for (const c of cmd.commands) collect(c, path ? `${path} ${c.name()}` : c.name(), extraWords, out);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(nodes: Node[]): string {
  const cases = nodes
    .filter((n) => n.path)
    .map((n) => {
      const opts = n.options.flatMap((o) => o.flags).join(' ');
      const choices = n.options
        .filter((o) => o.choices.length)
        .map((o) => `${o.flags.join('|')}) COMPREPLY=( $(compgen -W ${q(o.choices.join(' '))} -- "$cur") ); return ;;`)
        .join('\n        ');
      const valued = n.options.filter((o) => o.takesValue && !o.choices.length).flatMap((o) => o.flags);
      return `    ${q(n.path)})
      case "$prev" in
        ${choices}${choices ? '\n        ' : ''}${valued.length ? `${valued.join('|')}) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;` : ''}
      esac
      opts=${q(opts)}; words=${q(n.words.map((w) => w.word).join(' '))} ;;`;
    })
    .join('\n');
  const top = nodes.find((n) => !n.path)!;
  return `# loradyn completion for bash: eval "$(loradyn completion bash)" (or save it under bash-completion's completions/)
_loradyn() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" i w opts words
  # The command path: the words before the cursor that name (sub)commands.
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case " \${path:+$path }$w " in
${nodes
  .filter((n) => n.path)
  .map((n) => `      ' ${n.path} ') path=${q(n.path)}; continue ;;`)
  .join('\n')}
    esac
  done
  case "$path" in
    '')
      opts=${q(top.options.flatMap((o) => o.flags).join(' '))}; words=${q(top.words.map((w) => w.word).join(' '))} ;;
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else COMPREPLY=( $(compgen -W "$words" -- "$cur") ); [ \${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _loradyn loradyn
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef loradyn
# loradyn completion for zsh: eval "$(loradyn completion zsh)"; it reuses the bash function.
autoload -U +X bashcompinit && bashcompinit
${bash(nodes)}`;
}

function fish(nodes: Node[]): string {
  const lines = ['# loradyn completion for fish: loradyn completion fish > ~/.config/fish/completions/loradyn.fish'];
  const cond = (path: string) => {
    if (!path) return '__fish_use_subcommand';
    const parts = path.split(' ');
    return parts.map((p) => `__fish_seen_subcommand_from ${p}`).join('; and ');
  };
  const d = (s: string) => q(s.replace(/\n/g, ' ').slice(0, 80));
  for (const n of nodes) {
    const c = cond(n.path);
    for (const w of n.words) lines.push(`complete -c loradyn -f -n ${q(c)} -a ${q(w.word)}${w.description ? ` -d ${d(w.description)}` : ''}`);
    for (const o of n.options) {
      const long = o.flags.find((f) => f.startsWith('--'));
      const short = o.flags.find((f) => /^-\w$/.test(f));
      if (!n.path && !long) continue;
      lines.push(
        `complete -c loradyn -n ${q(n.path ? c : '__fish_use_subcommand')}${long ? ` -l ${long.slice(2)}` : ''}${short ? ` -s ${short.slice(1)}` : ''}${o.takesValue ? ' -r' : ''}${o.choices.length ? ` -a ${q(o.choices.join(' '))}` : ''} -d ${d(o.description)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** The completion script for one shell, from a built program. */
export function completionScript(program: Command, shell: Shell, extraWords: Record<string, string[]> = {}): string {
  const nodes: Node[] = [];
  collect(program, '', extraWords, nodes);
  return shell === 'bash' ? bash(nodes) : shell === 'zsh' ? zsh(nodes) : fish(nodes);
}

export const completionCommand: CliCommand = {
  name: 'completion',
  summary: 'print a shell completion script (bash, zsh or fish)',
  configure(cmd) {
    cmd.addOption(choiceOption('--shell <shell>', 'the shell', SHELLS, 'bash')).argument('[shell]', `the shell: ${SHELLS.join(', ')} (same as --shell)`);
    examples(cmd, [
      ['eval "$(loradyn completion bash)"', 'in ~/.bashrc'],
      ['eval "$(loradyn completion zsh)"', 'in ~/.zshrc'],
      ['loradyn completion fish > ~/.config/fish/completions/loradyn.fish', 'fish'],
    ]);
    cmd.action(
      action(async (pos: string | undefined, o: { shell: Shell }, self: Command) => {
        const shell = (pos ?? o.shell) as Shell;
        if (!SHELLS.includes(shell)) {
          const { UsageError } = await import('./args.js');
          const { didYouMean } = await import('./suggest.js');
          throw new UsageError(`unknown shell "${shell}"${didYouMean(shell, SHELLS)}; known: ${SHELLS.join(', ')}`);
        }
        const { presets } = await import('../experiments/presets/index.js');
        const root = self.parent!;
        process.stdout.write(
          completionScript(root, shell, {
            reproduce: presets.map((p) => p.name),
            completion: [...SHELLS],
            help: root.commands.map((c) => c.name()).filter((n) => n !== 'help'),
          }),
        );
        return 0;
      }),
    );
  },
};
