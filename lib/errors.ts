// Error types the public API throws; each says what was wrong and where.

/** One problem found in a config: the field and what is wrong with it. */
export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. "model.d". */
  path: string;
  message: string;
}

/** A config (or CLI argument) that cannot be run. The CLI exits 2 on it. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], context?: string) {
    const lines = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    super(`${context ? context + ': ' : ''}invalid config: ${lines.join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The native addon could not be loaded; the message lists what was tried. */
export class NativeLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeLoadError';
  }
}

/** A call stopped by its AbortSignal. */
export class AbortError extends Error {
  constructor(message = 'the operation was aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * The native engine could not do what a valid call asked: LORADYN_THREADS (a thread could not
 * be started), LORADYN_OUT_OF_MEMORY, LORADYN_NATIVE (anything else). The message says what
 * to change.
 */
export class NativeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'NativeError';
    this.code = code;
  }
}

/**
 * A file the user named cannot be used: a config that is a directory, binary, not UTF-8 JSON
 * or too large; an output path that is empty or not a regular file. `path` is the file.
 * The CLI exits 2 on it.
 */
export class FileError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = 'FileError';
    this.path = path;
  }
}
