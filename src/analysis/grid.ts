/**
 * N-D grid helpers for the analysis stage: maps are [y, x], volumes [z, y, x] (row-major,
 * last axis fastest), so every function here works on any number of axes. Spacing is the
 * pixel (voxel) size per axis in metres; a scalar means isotropic.
 */
import { PtyxanesError } from '../core/errors.ts';

export type Spacing = number | readonly number[];

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function strides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    st[a] = s;
    s *= shape[a];
  }
  return st;
}

/** Spacing per axis (m); checks it is positive and finite. */
export function spacingPerAxis(spacing: Spacing, ndim: number): number[] {
  const s = typeof spacing === 'number' ? new Array<number>(ndim).fill(spacing) : [...spacing];
  if (s.length !== ndim || !s.every((v) => Number.isFinite(v) && v > 0)) {
    throw new PtyxanesError('bad pixel size', { field: 'pixelSizeM', expected: `a positive size in metres (or ${ndim} of them)`, found: JSON.stringify(spacing) });
  }
  return s;
}

/** Checks an array against its shape (1 to 3 axes, matching length). */
export function checkShape(data: ArrayLike<number>, shape: readonly number[], what: string): void {
  if (shape.length < 1 || shape.length > 3 || !shape.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new PtyxanesError('expected a 2D map [y,x] or a 3D volume [z,y,x]', { field: what, expected: '1 to 3 positive axes', found: `[${shape}]` });
  }
  if (data.length !== shapeSize(shape)) {
    throw new PtyxanesError('data length does not match the shape', { field: what, expected: String(shapeSize(shape)), found: String(data.length) });
  }
}

/** Coordinates (per axis) of a flat index. */
export function unravel(index: number, shape: readonly number[], out: number[] = new Array<number>(shape.length)): number[] {
  let r = index;
  for (let a = shape.length - 1; a >= 0; a--) {
    out[a] = r % shape[a];
    r = Math.floor(r / shape[a]);
  }
  return out;
}

/**
 * Neighbour offsets of a voxel: 'face' = 2N axis neighbours, 'full' = all 3^N − 1 (8 in 2D,
 * 26 in 3D). Each entry is the per-axis step; use `neighbours()` to visit them in bounds.
 */
export function neighbourSteps(ndim: number, connectivity: 'face' | 'full'): number[][] {
  const out: number[][] = [];
  const total = 3 ** ndim;
  for (let k = 0; k < total; k++) {
    const step: number[] = [];
    let r = k;
    let nz = 0;
    for (let a = 0; a < ndim; a++) {
      const d = (r % 3) - 1;
      r = Math.floor(r / 3);
      step.push(d);
      if (d) nz++;
    }
    if (nz === 0 || (connectivity === 'face' && nz > 1)) continue;
    out.push(step);
  }
  return out;
}

/**
 * Visits the in-bounds neighbours of flat index `i` (coordinates `c`) and calls fn with
 * their flat indices. Precompute steps with neighbourSteps().
 */
export function forNeighbours(c: readonly number[], shape: readonly number[], st: readonly number[], steps: readonly number[][], i: number, fn: (j: number) => void): void {
  outer: for (const step of steps) {
    let j = i;
    for (let a = 0; a < step.length; a++) {
      const v = c[a] + step[a];
      if (v < 0 || v >= shape[a]) continue outer;
      j += step[a] * st[a];
    }
    fn(j);
  }
}

/** Whether a voxel lies on the array border (any axis at 0 or its end). */
export function onBorder(c: readonly number[], shape: readonly number[]): boolean {
  for (let a = 0; a < shape.length; a++) if (shape[a] > 1 && (c[a] === 0 || c[a] === shape[a] - 1)) return true;
  return false;
}
