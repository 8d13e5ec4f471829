// info(): what this installation is and can do.
import { loadNativeWithPath, type NativeBackendInfo } from './native.js';
import { version } from './version.js';

/** The version of loradyn, the addon it loaded (path, build, flags), threads and backends. */
export interface Info {
  version: string;
  /** Path of the loaded addon binary. */
  binary: string;
  build: string;
  flags: Record<string, boolean | string>;
  /** Default worker threads (all cores). */
  threads: number;
  node: string;
  backends: { cpu: NativeBackendInfo; cuda: NativeBackendInfo };
}

/** The version, the addon path and which backends (CPU, CUDA) are compiled and usable here. */
export function info(): Info {
  const { addon, path } = loadNativeWithPath();
  const n = addon.info();
  return { version, binary: path, build: n.build, flags: n.flags, threads: n.threads, node: process.version, backends: n.backends };
}
