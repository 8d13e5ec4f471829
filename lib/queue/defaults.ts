// Default worker limits, in a module of their own so that the CLI's help can name them without
// loading the config schema.

/** Work above which a worker refuses a job: about 3 hours of the full engine on one core. */
export const DEFAULT_MAX_WORK = 1e13;
/** Seconds after which a worker stops a job: one day. */
export const DEFAULT_MAX_SECONDS = 86_400;
