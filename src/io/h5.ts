/**
 * Thin access to HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly).
 *
 * In Node, `h5wasm/node` is built with Emscripten's NODERAWFS: HDF5 reads and writes the
 * host filesystem directly with positioned I/O, so a file is never loaded whole; memory
 * is bounded by what we slice (a block of frames) plus HDF5's chunk cache (1 MiB per
 * open dataset by default). The WebAssembly heap is capped at 2 GiB, which bounds the
 * largest single slice/write, not the file size (HDF5 offsets are 64-bit).
 *
 * h5wasm's default error handler prints HDF5 diagnostics to stderr and carries on; we
 * switch on its throwing handler once, then translate errors into PtyxanesError with
 * the file and field named. Files are opened per operation and closed in `finally`; the
 * one exception, a CxiFrameSource, keeps its file open between block reads and closes it
 * on close() or after a second idle, so a forgotten source leaks nothing.
 *
 * Note: under tsx (the CLI), importing h5wasm/node costs ~600 MB of resident memory once
 * (plain node: ~80 MB), independent of file sizes; scripts/check-io-large.ts measures.
 */
import { open as fsOpen } from 'node:fs/promises';
import type { Dataset, Entity, File as H5File, Group } from 'h5wasm';
import { firstLine } from './h5-access.ts';
import { PtyxanesError } from '../core/errors.ts';
import { requireInputFile } from './files.ts';

export type H5Api = typeof import('h5wasm').default;
export type { Dataset, Group, H5File, Entity };
export { firstLine, isDataset, isGroup, getDataset, getGroup, stringAttr, toNumbers, dtypeName } from './h5-access.ts';

let api: Promise<H5Api> | undefined;

/** The h5wasm module, ready, with throwing errors (loaded once per process). */
export function h5(): Promise<H5Api> {
  api ??= (async () => {
    const mod = (await import('h5wasm/node')).default as unknown as H5Api;
    const m = (await mod.ready) as unknown as { activate_throwing_error_handler?: () => void };
    m.activate_throwing_error_handler?.();
    return mod;
  })();
  return api;
}

/** HDF5's superblock signature may sit at 0, 512, 1024, 2048, ... (user block). */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export async function isHdf5(path: string): Promise<boolean> {
  const fh = await fsOpen(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = new Uint8Array(8);
    for (let off = 0; off + 8 <= size && off <= 1 << 20; off = off === 0 ? 512 : off * 2) {
      await fh.read(buf, 0, 8, off);
      if (HDF5_SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/** Opens an existing HDF5 file read-only, with clear errors for absent / non-HDF5 files. */
export async function openH5Read(path: string): Promise<H5File> {
  const abs = await requireInputFile(path, 'HDF5/CXI file');
  if (!(await isHdf5(abs))) {
    throw new PtyxanesError('not an HDF5 file', { file: abs, expected: 'HDF5 signature \\x89HDF', found: 'other content' });
  }
  const lib = await h5();
  try {
    return new lib.File(abs, 'r');
  } catch (err) {
    throw new PtyxanesError('cannot open HDF5 file', { file: abs, expected: 'a readable HDF5 file', found: firstLine(err) });
  }
}

/** Runs `fn` with the file open read-only, closing it afterwards whatever happens. */
export async function withH5<T>(path: string, fn: (f: H5File, abs: string) => T | Promise<T>): Promise<T> {
  const f = await openH5Read(path);
  try {
    return await fn(f, f.filename);
  } finally {
    try {
      f.close();
    } catch {
      /* closing a file that failed mid-read: nothing more to do */
    }
  }
}

