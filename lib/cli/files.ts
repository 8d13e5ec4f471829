// The files the CLI reads and writes, and the rules a user can rely on (independent of the
// argument parser; lib/cli/io.ts delegates here). Every refusal is a FileError naming the
// path (the CLI exits 2).
//
// Reading a config: a regular file (or a pipe) of UTF-8 JSON, a UTF-8 byte-order mark
// accepted, at most maxConfigBytes(); a directory, binary data, invalid UTF-8 or an over-large
// file is a clear error, and a pipe or device is never read past that size.
//
// Writing an output (--out): only ever a regular file. A symlink is written through (its
// final target is replaced, the link stays); a directory, device, FIFO or socket is refused,
// never replaced; "" is an error. The data goes to a temporary file beside the target, which
// is renamed over it (readers never see half a file) and removed on any failure.
import { closeSync, fstatSync, lstatSync, openSync, readSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FileError } from '../errors.js';

const MiB = 2 ** 20;

/** Largest config file read: 64 MiB, or LORADYN_MAX_CONFIG_BYTES. */
export function maxConfigBytes(): number {
  const env = Number(process.env.LORADYN_MAX_CONFIG_BYTES);
  return Number.isFinite(env) && env > 0 ? env : 64 * MiB;
}

function kind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a component of the path is not a directory',
    ELOOP: 'too many symbolic links',
    ENOSPC: 'no space left on the device',
    EROFS: 'read-only file system',
    EISDIR: 'is a directory',
    EDQUOT: 'disk quota exceeded',
  };
  return code ? (known[code] ?? code) : (e as Error).message;
}

/** The bytes of a config file, checked as above. */
export function readConfigBytes(path: string): Buffer {
  if (path === '') throw new FileError('', 'the config path is empty');
  const limit = maxConfigBytes();
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new FileError(path, `cannot read ${path}: ${reason(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FileError(path, `${path} is a directory, not a config file`);
    if (st.isFile() && st.size > limit)
      throw new FileError(
        path,
        `${path} is ${(st.size / MiB).toFixed(1)} MiB; config files are limited to ${(limit / MiB).toFixed(0)} MiB (raise LORADYN_MAX_CONFIG_BYTES)`,
      );
    // Read to the end, never past the limit (a pipe or device has no size to check first).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(MiB, limit + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw new FileError(path, `cannot read ${path}: ${reason(e)}`);
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limit)
        throw new FileError(path, `${path} holds more than ${(limit / MiB).toFixed(0)} MiB; config files are limited to that (raise LORADYN_MAX_CONFIG_BYTES)`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses a JSON config file (UTF-8, BOM accepted). */
export function readJsonConfig(path: string): unknown {
  const bytes = readConfigBytes(path);
  if (bytes.includes(0)) throw new FileError(path, `${path} is not a text file (it holds NUL bytes): a config is UTF-8 JSON`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes); // drops a leading BOM
  } catch {
    throw new FileError(path, `${path} is not valid UTF-8 text: a config is UTF-8 JSON`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileError(path, `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

// Where writing `path` lands: the final target of any chain of symlinks (which need not
// exist yet), and its stats if it does.
function finalTarget(path: string): { target: string; stats: Stats | null } {
  let target = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let st: Stats;
    try {
      st = lstatSync(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { target, stats: null };
      throw new FileError(path, `cannot write ${path}: ${reason(e)}`);
    }
    if (!st.isSymbolicLink()) return { target, stats: st };
    target = resolve(dirname(target), readlinkSync(target));
  }
  throw new FileError(path, `cannot write ${path}: ${reason({ code: 'ELOOP' })}`);
}

/** Writes `data` to `path` as described above; FileError (naming the path) when it cannot. */
export function writeOutputFile(path: string, data: string | Uint8Array): void {
  if (path === '') throw new FileError('', 'the output path is empty: give a file name (e.g. --out result.json)');
  const { target, stats } = finalTarget(path);
  const via = target === resolve(path) ? '' : ` (a symlink to ${target})`;
  if (stats && !stats.isFile())
    throw new FileError(path, `${path}${via} is ${kind(stats)}; results are written only to regular files, and ${path} is left as it is`);
  const dir = dirname(target);
  try {
    if (!statSync(dir).isDirectory()) throw new FileError(path, `cannot write ${path}: ${dir} is not a directory`);
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(path, `cannot write ${path}: ${dir}: ${reason(e)}`);
  }
  // Web Crypto, loaded on first use: importing node:crypto cost every command about 3 ms.
  const suffix = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${suffix}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', stats ? stats.mode & 0o7777 : 0o666);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    closeSync(fd);
    fd = null;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // not created, or already renamed
    }
    throw new FileError(path, `cannot write ${path}${via}: ${reason(e)}`);
  }
}
