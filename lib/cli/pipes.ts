// Output piped into a reader that stops early (`loradyn results DIR | head`) must not crash: an
// EPIPE on stdout or stderr ends the process quietly, with the code a shell gives such a writer
// (128 + SIGPIPE = 141 would be the C convention; 0 keeps `set -o pipefail` scripts running, as
// the reader chose to stop).
export function guardPipes(): void {
  for (const s of [process.stdout, process.stderr])
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
}
