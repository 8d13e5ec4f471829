// The shape of a CLI command. Each command lives in its own file under lib/cli/.
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}
