/**
 * Node-free helpers over an open h5wasm file (datasets, groups, attributes, numbers):
 * shared by the Node readers (h5.ts opens files with NODERAWFS) and the browser page
 * (which opens a dropped File through WORKERFS in a Worker).
 */
import type { Dataset, Entity, File as H5File, Group } from 'h5wasm';

/** First meaningful line of an h5wasm/HDF5 error (their messages are long stacks). */
export function firstLine(err: unknown): string {
  const s = String((err as Error)?.message ?? err);
  const minor = s.match(/minor: ([^\n]+)/g);
  if (minor && minor.length) return minor[minor.length - 1].replace('minor: ', '').trim();
  return s.split('\n')[0].slice(0, 200);
}

export function isDataset(e: Entity | null | undefined): e is Dataset {
  return !!e && (e as { type?: string }).type === 'Dataset';
}

export function isGroup(e: Entity | null | undefined): e is Group {
  return !!e && (e as { type?: string }).type === 'Group';
}

/** Dataset at `path` (absolute, or relative to `base`), or undefined when absent/not a dataset. */
export function getDataset(f: H5File, path: string): Dataset | undefined {
  try {
    const e = f.get(path);
    return isDataset(e) ? e : undefined;
  } catch {
    return undefined;
  }
}

export function getGroup(f: H5File, path: string): Group | undefined {
  try {
    const e = f.get(path);
    return isGroup(e) ? e : undefined;
  } catch {
    return undefined;
  }
}

/** A string attribute (e.g. units), or undefined. */
export function stringAttr(obj: Dataset | Group, name: string): string | undefined {
  try {
    const a = obj.attrs[name];
    if (!a) return undefined;
    const v = a.value;
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
    if (v instanceof Uint8Array) return new TextDecoder().decode(v).replace(/\0+$/, '');
    return undefined;
  } catch {
    return undefined;
  }
}

/** Any numeric h5wasm output as float64 numbers. */
export function toNumbers(v: unknown): Float64Array {
  if (typeof v === 'number') return Float64Array.of(v);
  if (typeof v === 'bigint') return Float64Array.of(Number(v));
  if (typeof v === 'boolean') return Float64Array.of(v ? 1 : 0);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(v, Number);
  if (ArrayBuffer.isView(v)) return Float64Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return Float64Array.from(v.flat(Infinity) as number[], Number);
  return new Float64Array(0);
}

/** Human-readable dtype name from h5wasm metadata. */
export function dtypeName(ds: Dataset): string {
  const m = ds.metadata as unknown as { type: number; size: number; signed: boolean; vlen?: boolean };
  // H5T class: 0 integer, 1 float, 3 string
  if (m.type === 0) return `${m.signed ? 'int' : 'uint'}${m.size * 8}`;
  if (m.type === 1) return `float${m.size * 8}`;
  if (m.type === 3) return 'string';
  return `class${m.type}/${m.size}B`;
}
