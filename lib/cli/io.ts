// Reading config files and writing results for the CLI: the rules are in files.ts.
import { readJsonConfig, writeOutputFile } from './files.js';

/** Reads and parses a JSON config file, with an error that names the file and the problem. */
export function readJsonFile(path: string): unknown {
  return readJsonConfig(path);
}

/**
 * Writes an output file: a regular file, through symlinks, atomically (a temporary file beside
 * it, renamed over it, removed on failure); refuses "", directories and devices (FileError).
 */
export function writeFileAtomic(path: string, data: string): void {
  writeOutputFile(path, data);
}
