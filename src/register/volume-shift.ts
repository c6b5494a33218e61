/**
 * Moving volumes [nz, ny, nx] by subpixel shifts, the 3D form of shift.ts, same convention:
 * shifting by (dz, dy, dx) gives out(z, y, x) = in(z − dz, y − dy, x − dx) (the content
 * moves by +dz, +dy, +dx; scipy.ndimage.shift), so shiftVolume(moving, ...registerVolumes
 * shift) lands the moving volume on the reference.
 *
 * - 'fourier' (default): band-limited and periodic (a phase ramp along each axis, any size,
 *   shift.ts's line shifts): content leaving one face re-enters at the opposite one, as the
 *   DFT implies. With an explicit `fill`, voxels whose source lies outside the volume are
 *   set to it (the data inside stay the Fourier interpolation).
 * - 'linear' (trilinear) or 'cubic' (Keys, a = −0.5, per axis): local interpolation;
 *   voxels whose source lies outside the volume are `fill` (default NaN).
 */
import { PtyxanesError } from '../core/errors.ts';
import type { RealArray } from '../core/arrays.ts';
import { interpolationWeights, type AxisWeights } from './axis-resample.ts';
import { LineDft, shiftLines } from './line-dft.ts';

export type VolumeShiftMethod = 'fourier' | 'linear' | 'cubic';

export interface VolumeShiftOptions {
  method?: VolumeShiftMethod;
  /** Value where the source lies outside the volume: default NaN for 'linear'/'cubic', none (periodic) for 'fourier'. */
  fill?: number;
}

function volumeShape(volume: RealArray): [number, number, number] {
  const s = volume?.shape;
  if (!volume || !(volume.data instanceof Float32Array) || !Array.isArray(s) || s.length !== 3) {
    throw new PtyxanesError('not a 3D volume', { field: 'volume', expected: '{ data: Float32Array, shape: [nz, ny, nx] }', found: s ? `shape [${s.join(', ')}]` : typeof volume });
  }
  if (volume.data.length !== s[0] * s[1] * s[2]) {
    throw new PtyxanesError('data length does not match shape', { field: 'volume', expected: String(s[0] * s[1] * s[2]), found: String(volume.data.length) });
  }
  return [s[0], s[1], s[2]];
}

/** Shifts a [nz, ny, nx] volume by (dz, dy, dx) voxels; returns a new volume. */
export function shiftVolume(volume: RealArray, dz: number, dy: number, dx: number, opts: VolumeShiftOptions = {}): RealArray {
  const [nz, ny, nx] = volumeShape(volume);
  if (![dz, dy, dx].every(Number.isFinite)) {
    throw new PtyxanesError('shift must be finite', { field: 'shift', expected: 'finite (dz, dy, dx)', found: `(${dz}, ${dy}, ${dx})` });
  }
  const method = opts.method ?? 'fourier';
  if (method === 'fourier') {
    const out = Float32Array.from(volume.data);
    fourierShiftVolume(out, nz, ny, nx, dz, dy, dx);
    if (opts.fill !== undefined) fillOutside(out, nz, ny, nx, dz, dy, dx, opts.fill);
    return { data: out, shape: [nz, ny, nx] };
  }
  if (method !== 'linear' && method !== 'cubic') {
    throw new PtyxanesError('unknown shift method', { field: 'method', expected: "'fourier', 'linear' or 'cubic'", found: String(method) });
  }
  const order = method === 'linear' ? 'bilinear' : 'bicubic';
  const w = (n: number, d: number) => interpolationWeights(n, Float64Array.from({ length: n }, (_, i) => i - d), order);
  const out = new Float32Array(nz * ny * nx);
  applySeparable3d(volume.data, nz, ny, nx, w(nz, dz), w(ny, dy), w(nx, dx), opts.fill ?? NaN, out);
  return { data: out, shape: [nz, ny, nx] };
}

/** Periodic band-limited shift in place, one axis at a time (x lines, then y, then z). */
function fourierShiftVolume(data: Float32Array, nz: number, ny: number, nx: number, dz: number, dy: number, dx: number): void {
  const buf = new Float64Array(2 * Math.max(nz, ny, nx));
  const plane = ny * nx;
  if (dx !== 0) {
    const starts = Int32Array.from({ length: nz * ny }, (_, r) => r * nx);
    shiftLines(data, starts, 1, nx, dx, new LineDft(nx), buf);
  }
  if (dy !== 0) {
    const starts = Int32Array.from({ length: nz * nx }, (_, c) => Math.floor(c / nx) * plane + (c % nx));
    shiftLines(data, starts, nx, ny, dy, new LineDft(ny), buf);
  }
  if (dz !== 0) {
    const starts = Int32Array.from({ length: plane }, (_, c) => c);
    shiftLines(data, starts, plane, nz, dz, new LineDft(nz), buf);
  }
}

function inside(i: number, d: number, n: number): boolean {
  return i - d >= -1e-9 && i - d <= n - 1 + 1e-9;
}

function fillOutside(data: Float32Array, nz: number, ny: number, nx: number, dz: number, dy: number, dx: number, fill: number): void {
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const rowOk = inside(z, dz, nz) && inside(y, dy, ny);
      const o = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) if (!rowOk || !inside(x, dx, nx)) data[o + x] = fill;
    }
}

/**
 * Applies per-axis weights along x, then y, then z (axis-resample.ts's AxisWeights; an
 * output with no weights is undefined → fill). Undefined stays NaN through the passes and
 * becomes `fill` at the end, as applySeparable does in 2D.
 */
function applySeparable3d(src: Float32Array, nz: number, ny: number, nx: number, rz: AxisWeights, ry: AxisWeights, rx: AxisWeights, fill: number, out: Float32Array): void {
  const plane = ny * nx;
  const a = new Float64Array(nz * plane);
  // Along x.
  for (let r = 0; r < nz * ny; r++) {
    const o = r * nx;
    for (let j = 0; j < nx; j++) {
      const s = rx.start[j];
      const e = rx.start[j + 1];
      let acc = s === e ? NaN : 0;
      for (let q = s; q < e; q++) acc += rx.weight[q] * src[o + rx.index[q]];
      a[o + j] = acc;
    }
  }
  // Along y (into b), then z (into out).
  const b = new Float64Array(nz * plane);
  for (let z = 0; z < nz; z++)
    for (let i = 0; i < ny; i++) {
      const s = ry.start[i];
      const e = ry.start[i + 1];
      const o = z * plane + i * nx;
      if (s === e) {
        b.fill(NaN, o, o + nx);
        continue;
      }
      for (let j = 0; j < nx; j++) {
        let acc = 0;
        for (let q = s; q < e; q++) acc += ry.weight[q] * a[z * plane + ry.index[q] * nx + j];
        b[o + j] = acc;
      }
    }
  for (let k = 0; k < nz; k++) {
    const s = rz.start[k];
    const e = rz.start[k + 1];
    const o = k * plane;
    if (s === e) {
      out.fill(fill, o, o + plane);
      continue;
    }
    for (let c = 0; c < plane; c++) {
      let acc = 0;
      for (let q = s; q < e; q++) acc += rz.weight[q] * b[rz.index[q] * plane + c];
      out[o + c] = Number.isNaN(acc) ? fill : acc;
    }
  }
}
