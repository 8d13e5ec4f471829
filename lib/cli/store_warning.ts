// How the CLI shows a result store's warnings (bad files quarantined, claims lost): one line on stderr.
export function storeWarning(message: string): void {
  process.stderr.write(`loradyn: warning: ${message}\n`);
}
