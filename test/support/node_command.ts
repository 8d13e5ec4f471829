// How a test starts a node child process. With coverage off (npm test runs tap
// --disable-coverage), the child is started through `env -u NODE_OPTIONS`: tap hooks every spawn
// of the test's process to put its process-tracking hook (@tapjs/processinfo) into the child's
// NODE_OPTIONS, for coverage nobody collects here, and loading it made each child of the fuzz test
// cost about twice the CPU time (1.0 s instead of 0.43 s here). With coverage on, or on Windows
// (no env), the child is started directly and tracked.
export function nodeCommand(args: string[]): [string, string[]] {
  if (process.env.TAP_DISABLE_COVERAGE === '1' && process.platform !== 'win32') return ['env', ['-u', 'NODE_OPTIONS', process.execPath, ...args]];
  return [process.execPath, args];
}
