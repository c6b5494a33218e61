/**
 * h5wasm in the page's Worker. A dropped File is mounted with Emscripten's WORKERFS, which
 * reads byte ranges of the File on demand (FileReaderSync): HDF5 reads the frames it slices
 * and nothing else, so a multi-GB scan is never copied into memory whole. h5wasm and its
 * 4 MB WebAssembly load only when a file is first opened (dynamic import).
 */
import type { File as H5File } from 'h5wasm';
import { PtyxanesError } from '../../core/errors.ts';
import { firstLine } from '../../io/h5-access.ts';

type H5Module = typeof import('h5wasm');
interface EmscriptenFs {
  mkdir(path: string): void;
  mount(type: unknown, opts: { files: File[] }, mountpoint: string): void;
  unmount(mountpoint: string): void;
  filesystems: Record<string, unknown>;
}

let lib: Promise<{ h5: H5Module; fs: EmscriptenFs }> | undefined;
let mounted: string | undefined;
let mountCount = 0;

function load(): Promise<{ h5: H5Module; fs: EmscriptenFs }> {
  lib ??= (async () => {
    const h5 = await import('h5wasm');
    const module = (await h5.ready) as unknown as { FS: EmscriptenFs; activate_throwing_error_handler?: () => void };
    module.activate_throwing_error_handler?.();
    return { h5, fs: module.FS };
  })();
  return lib;
}

/** Mounts `file` (replacing the previous one) and returns its path inside the Worker's filesystem. */
export async function mountFile(file: File): Promise<string> {
  const { fs } = await load();
  if (mounted) {
    try {
      fs.unmount(mounted);
    } catch {
      /* already gone */
    }
  }
  // A fresh mount point per file: HDF5 may still hold the old path in its file cache.
  mounted = `/drop${++mountCount}`;
  fs.mkdir(mounted);
  const workerfs = fs.filesystems.WORKERFS;
  if (!workerfs) throw new PtyxanesError('this h5wasm build has no WORKERFS', { expected: 'h5wasm ≥ 0.7' });
  fs.mount(workerfs, { files: [file] }, mounted);
  return `${mounted}/${file.name}`;
}

/** Opens a mounted file read-only, with the HDF5 error named. */
export async function openMounted(path: string): Promise<H5File> {
  const { h5 } = await load();
  try {
    return new h5.File(path, 'r');
  } catch (err) {
    throw new PtyxanesError('cannot open HDF5 file', { file: path.split('/').pop(), expected: 'an HDF5/CXI file', found: firstLine(err) });
  }
}
