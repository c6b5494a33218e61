/**
 * Output files are written atomically: into a temporary file in the same directory, then
 * renamed over the final name, so a reader (or a resumed run) never sees half a file.
 * The rename is atomic only within one filesystem, hence "same directory".
 * Inputs are never modified here.
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PtyxanesError } from '../core/errors.ts';

/** A temporary name next to `path` (hidden, unique per process and call). */
export function tempPathFor(path: string): string {
  const abs = resolve(path);
  const rand = Math.random().toString(36).slice(2, 10);
  return join(dirname(abs), `.${basename(abs)}.tmp-${process.pid}-${rand}`);
}

/**
 * Makes sure `dir` exists (creating parents) and is a writable directory; otherwise a
 * PtyxanesError naming the directory, expected vs found.
 */
export async function ensureWritableDir(dir: string): Promise<void> {
  const abs = resolve(dir);
  try {
    await mkdir(abs, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new PtyxanesError('cannot create output directory', {
      file: abs,
      expected: 'a writable directory',
      found: code === 'ENOTDIR' || code === 'EEXIST' ? 'a path through a non-directory' : code,
    });
  }
  const st = await stat(abs);
  if (!st.isDirectory()) {
    throw new PtyxanesError('output directory is not a directory', { file: abs, expected: 'a directory', found: 'a file' });
  }
  try {
    await access(abs, fsConstants.W_OK);
  } catch {
    throw new PtyxanesError('output directory is not writable', { file: abs, expected: 'write permission', found: 'read-only' });
  }
}

/** Whether a file or directory exists at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses to replace an existing output unless `overwrite`; checks that the parent
 * directory exists or can be created and is writable.
 */
export async function prepareOutput(path: string, opts: { overwrite?: boolean } = {}): Promise<string> {
  const abs = resolve(path);
  if (!opts.overwrite && (await pathExists(abs))) {
    throw new PtyxanesError('output already exists; refusing to overwrite (use --force / overwrite)', {
      file: abs,
      expected: 'a path that does not exist',
      found: 'an existing file',
    });
  }
  await ensureWritableDir(dirname(abs));
  return abs;
}

/** Removes a file if it exists; never throws (cleanup of temporaries). */
export async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch {
    /* already gone */
  }
}

/**
 * Writes `data` to `path` atomically (temporary file in the same directory, fsync, rename).
 * Creates missing parent directories. Overwrites an existing file (use prepareOutput
 * first to refuse that).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const abs = resolve(path);
  await ensureWritableDir(dirname(abs));
  const tmp = tempPathFor(abs);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, abs);
  } catch (err) {
    await removeQuietly(tmp);
    if (err instanceof PtyxanesError) throw err;
    throw new PtyxanesError('cannot write file', { file: abs, expected: 'a writable path', found: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
}

/** JSON replacer: typed arrays as plain arrays, bigint as number; NaN/±Inf become null (JSON has none). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>, Number);
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** Pretty JSON, written atomically. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, jsonReplacer, 2) + '\n');
}

/** Renames the finished temporary `tmp` onto `path` (atomic), cleaning up on failure. */
export async function commitTemp(tmp: string, path: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (err) {
    await removeQuietly(tmp);
    throw new PtyxanesError('cannot move finished file into place', { file: path, expected: 'a writable path', found: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
}

/** Existence check for inputs: a PtyxanesError naming the file when it is absent or not a file. */
export async function requireInputFile(path: string, what = 'input file'): Promise<string> {
  const abs = resolve(path);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new PtyxanesError(`${what} not found`, { file: abs, expected: 'an existing file', found: 'nothing' });
  }
  if (!st.isFile()) throw new PtyxanesError(`${what} is not a regular file`, { file: abs, expected: 'a file', found: st.isDirectory() ? 'a directory' : 'a special file' });
  return abs;
}
