/**
 * Writes a small tree of groups, datasets and attributes to one HDF5 file (results files:
 * maps, stacks, complex objects, provenance). Complex arrays are stored as float32 with a
 * trailing axis of 2 (re, im) and `complex_layout = "interleaved re,im"`, which h5py,
 * Fiji's HDF5 plugin and Napari read without a compound type. Written to a temporary file
 * and renamed, so a crash never leaves a plausible-looking partial result.
 */
import type { Group } from 'h5wasm';
import { PtyxanesError } from '../core/errors.ts';
import { commitTemp, prepareOutput, removeQuietly, tempPathFor } from './files.ts';
import { h5 } from './h5.ts';

type Attr = string | number | number[] | string[];

export interface H5Dataset {
  data: Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
  shape: readonly number[];
  attrs?: Record<string, Attr>;
  /** gzip level for large arrays (default: 4 above 64 KiB, none below). */
  gzip?: number;
}

export interface H5Tree {
  attrs?: Record<string, Attr>;
  datasets?: Record<string, H5Dataset>;
  groups?: Record<string, H5Tree>;
}

function writeAttrs(target: { create_attribute(name: string, data: Attr): void }, attrs?: Record<string, Attr>): void {
  for (const [k, v] of Object.entries(attrs ?? {})) target.create_attribute(k, v);
}

function writeGroup(g: Group, tree: H5Tree, path: string): void {
  writeAttrs(g, tree.attrs);
  for (const [name, ds] of Object.entries(tree.datasets ?? {})) {
    const n = ds.shape.reduce((a, b) => a * b, 1);
    if (n !== ds.data.length) throw new PtyxanesError('dataset length does not match its shape', { field: `${path}/${name}`, expected: String(n), found: String(ds.data.length) });
    const big = ds.data.byteLength > 65536 && ds.shape.length >= 2;
    const level = ds.gzip ?? (big ? 4 : 0);
    const chunks = level > 0 ? ds.shape.map((s, i) => (i < ds.shape.length - 2 ? 1 : s)) : null;
    const d = g.create_dataset({ name, data: ds.data, shape: [...ds.shape], chunks, compression: level > 0 ? 'gzip' : undefined, compression_opts: level > 0 ? level : undefined });
    writeAttrs(d, ds.attrs);
  }
  for (const [name, sub] of Object.entries(tree.groups ?? {})) writeGroup(g.create_group(name), sub, `${path}/${name}`);
}

export async function writeHdf5Tree(path: string, tree: H5Tree, opts: { overwrite?: boolean } = {}): Promise<void> {
  const abs = await prepareOutput(path, { overwrite: opts.overwrite ?? true });
  const tmp = tempPathFor(abs);
  const lib = await h5();
  const f = new lib.File(tmp, 'w');
  try {
    writeGroup(f, tree, '');
    f.close();
    await commitTemp(tmp, abs);
  } catch (e) {
    try {
      f.close();
    } catch {
      /* already closed */
    }
    await removeQuietly(tmp);
    throw e;
  }
}

/** A complex interleaved array as a float32 dataset with a trailing (re, im) axis. */
export function complexDataset(data: Float32Array, shape: readonly number[], attrs?: Record<string, Attr>): H5Dataset {
  return { data, shape: [...shape, 2], attrs: { complex_layout: 'interleaved re,im', ...attrs } };
}

/** Reads back a complex dataset written by `complexDataset` (trailing axis of 2). */
export async function readHdf5Complex(path: string, name: string): Promise<{ data: Float32Array; shape: number[] }> {
  const { withH5 } = await import('./h5.ts');
  return withH5(path, (f, abs) => {
    const ds = f.get(name) as import('h5wasm').Dataset | null;
    if (!ds || !('shape' in ds)) throw new PtyxanesError('dataset not found', { file: abs, field: name });
    const shape = ds.shape as number[];
    if (shape[shape.length - 1] !== 2) throw new PtyxanesError('not a complex (…, 2) dataset', { file: abs, field: name, expected: 'last axis 2', found: `[${shape.join(', ')}]` });
    const data = Float32Array.from(ds.value as ArrayLike<number>);
    return { data, shape: shape.slice(0, -1) };
  });
}
