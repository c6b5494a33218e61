/**
 * Input handling for 3D registration: the reference volume [nz, ny, nx], the moving volumes
 * ([nz, ny, nx], [n, nz, ny, nx] or a list of [nz, ny, nx]) and optional masks, checked once
 * (shapes, lengths, finite values inside the masks), and the packing of one pair into the
 * zero-padded complex FFT volume (reference in the real part, moving in the imaginary part).
 *
 * FFT volume: each axis is zero-padded to the next power of two (at least 16 in y and x, as
 * src/fft requires; at least 2 in z), after the mean is subtracted and the taper applied, as
 * the 2D path does (see pairs.ts): no wrap-around jump, and shifts up to half the padded
 * size are told apart. Powers of two can nearly double each axis (8× the voxels at worst),
 * so the padded volume is capped at MAX_VOLUME_FFT_VOXELS (two float32 complex buffers of
 * 512 MiB each): bin or crop larger volumes first.
 */
import { PtyxanesError } from '../core/errors.ts';
import { product, type RealArray } from '../core/arrays.ts';
import { MAX_FFT_SIZE, MIN_FFT_SIZE } from '../fft/index.ts';
import type { MaskArray, MaskInput, WindowKind } from './options.ts';
import { tukeyAt } from './window.ts';

export const MAX_VOLUME_FFT_VOXELS = 2 ** 26;

export type VolumeStackInput = RealArray | readonly RealArray[];

export interface VolumeSet {
  n: number;
  nz: number;
  ny: number;
  nx: number;
  /** Zero-padded FFT volume size. */
  fz: number;
  fy: number;
  fx: number;
  ref: Float32Array;
  /** n moving volumes, each nz·ny·nx, one after the other (or the list as given). */
  mov: readonly Float32Array[];
  /** Mask weights in 0..1 (0 outside; cosine taper inward from the boundary); undefined = everything. */
  refMask?: Float32Array;
  movMask?: Float32Array;
}

function describe(a: RealArray | undefined): string {
  return a?.shape ? `shape [${a.shape.join(', ')}]` : typeof a;
}

function checkVolume(v: RealArray, field: string): [number, number, number] {
  if (!v || !(v.data instanceof Float32Array) || !Array.isArray(v.shape) || v.shape.length !== 3) {
    throw new PtyxanesError('not a 3D volume', { field, expected: '{ data: Float32Array, shape: [nz, ny, nx] }', found: describe(v) });
  }
  const [nz, ny, nx] = v.shape;
  if (!(nz >= 1 && ny >= 1 && nx >= 1) || !v.shape.every(Number.isInteger)) {
    throw new PtyxanesError('empty or non-integer volume size', { field, expected: 'nz, ny, nx ≥ 1', found: describe(v) });
  }
  if (v.data.length !== nz * ny * nx) {
    throw new PtyxanesError('data length does not match shape', { field, expected: `${nz * ny * nx} values for shape [${v.shape.join(', ')}]`, found: String(v.data.length) });
  }
  return [nz, ny, nx];
}

function movingList(moving: VolumeStackInput): { list: Float32Array[]; shapes: [number, number, number][] } {
  if (Array.isArray(moving)) {
    const vols = moving as readonly RealArray[];
    if (vols.length === 0) throw new PtyxanesError('no moving volumes given', { field: 'moving', expected: 'at least one volume', found: '0' });
    const shapes = vols.map((v, i) => checkVolume(v, `moving[${i}]`));
    return { list: vols.map((v) => v.data), shapes };
  }
  const m = moving as RealArray;
  if (m?.shape?.length === 4 && m.data instanceof Float32Array) {
    const [n, nz, ny, nx] = m.shape;
    if (!(n >= 1) || m.data.length !== product(m.shape)) {
      throw new PtyxanesError('data length does not match shape', { field: 'moving', expected: `${product(m.shape)} values for shape [${m.shape.join(', ')}]`, found: String(m.data.length) });
    }
    const size = nz * ny * nx;
    const shape = checkVolume({ data: m.data.subarray(0, size), shape: [nz, ny, nx] }, 'moving');
    return { list: Array.from({ length: n }, (_, i) => m.data.subarray(i * size, (i + 1) * size)), shapes: Array.from({ length: n }, () => shape) };
  }
  const shape = checkVolume(m, 'moving');
  return { list: [m.data], shapes: [shape] };
}

function fftSize(n: number, min: number): number {
  let p = min;
  while (p < n) p *= 2;
  return p;
}

/** The zero-padded FFT volume [fz, fy, fx] registerVolumes uses for volumes of [nz, ny, nx], and whether it is within the caps. */
export function volumeFftShape(nz: number, ny: number, nx: number): { shape: [number, number, number]; fits: boolean } {
  const fz = fftSize(nz, 2);
  const fy = fftSize(ny, MIN_FFT_SIZE);
  const fx = fftSize(nx, MIN_FFT_SIZE);
  return { shape: [fz, fy, fx], fits: fy <= MAX_FFT_SIZE && fx <= MAX_FFT_SIZE && fz * fy * fx <= MAX_VOLUME_FFT_VOXELS };
}

/** Checks and flattens the inputs of registerVolumes. */
export function prepareVolumes(reference: RealArray, moving: VolumeStackInput, mask?: MaskInput, maskTaperPx = 0): VolumeSet {
  const [nz, ny, nx] = checkVolume(reference, 'reference');
  const { list, shapes } = movingList(moving);
  shapes.forEach((s, i) => {
    if (s[0] !== nz || s[1] !== ny || s[2] !== nx) {
      throw new PtyxanesError('reference and moving volumes differ in shape', { field: list.length > 1 ? `moving[${i}]` : 'moving', expected: `[${nz}, ${ny}, ${nx}] (the reference's)`, found: `[${s.join(', ')}]` });
    }
  });
  const { shape: [fz, fy, fx], fits } = volumeFftShape(nz, ny, nx);
  if (!fits) {
    throw new PtyxanesError('volume too large to register in one piece (bin or crop it first)', {
      field: 'reference',
      expected: `a zero-padded FFT volume of ≤ ${MAX_VOLUME_FFT_VOXELS} voxels, ≤ ${MAX_FFT_SIZE} per axis`,
      found: `[${nz}, ${ny}, ${nx}] → [${fz}, ${fy}, ${fx}]`,
    });
  }
  const m = mask instanceof Uint8Array || mask instanceof Float32Array ? { reference: mask, moving: mask } : (mask ?? {});
  const refMask = toMask(m.reference, nz, ny, nx, maskTaperPx, 'mask.reference');
  const movMask = toMask(m.moving, nz, ny, nx, maskTaperPx, 'mask.moving');
  checkFinite(reference.data, refMask, ny, nx, 'reference');
  list.forEach((d, i) => checkFinite(d, movMask, ny, nx, list.length > 1 ? `moving[${i}]` : 'moving'));
  return { n: list.length, nz, ny, nx, fz, fy, fx, ref: reference.data, mov: list, refMask, movMask };
}

function toMask(mask: MaskArray | undefined, nz: number, ny: number, nx: number, taperPx: number, field: string): Float32Array | undefined {
  if (!mask) return undefined;
  if (!(mask instanceof Uint8Array || mask instanceof Float32Array)) {
    throw new PtyxanesError('mask must be a Uint8Array or Float32Array', { field, expected: 'Uint8Array | Float32Array', found: typeof mask });
  }
  if (mask.length !== nz * ny * nx) {
    throw new PtyxanesError('mask length does not match the volumes', { field, expected: `${nz * ny * nx} (nz·ny·nx)`, found: String(mask.length) });
  }
  const out = new Float32Array(mask.length);
  taperedMask3d(mask, nz, ny, nx, taperPx, out);
  if (!out.some((v) => v > 0)) throw new PtyxanesError('mask leaves no voxels', { field, expected: 'at least one nonzero mask voxel', found: 'all zero' });
  return out;
}

/**
 * Mask weights with a cosine ramp over `taperPx` voxels inward from the mask boundary (a hard
 * mask edge is broadband structure both volumes share at zero shift; see pairs.ts). Distance:
 * two-pass chamfer over the 13 causal neighbours of the 26-neighbourhood (weights 1, √2, √3),
 * the 3D form of pairs.ts's taperedMask.
 */
export function taperedMask3d(mask: ArrayLike<number>, nz: number, ny: number, nx: number, taperPx: number, out: Float32Array): void {
  const nv = nz * ny * nx;
  const d = new Float64Array(nv);
  for (let i = 0; i < nv; i++) d[i] = mask[i] !== 0 && !Number.isNaN(mask[i]) ? 1e9 : 0;
  if (taperPx > 0) {
    // Causal neighbours (earlier in raster order) for the forward pass; their mirror for the backward one.
    const nb: [number, number, number, number][] = [];
    for (let dz = -1; dz <= 0; dz++)
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          if (dz === 0 && (dy > 0 || (dy === 0 && dx >= 0))) continue;
          nb.push([dz, dy, dx, Math.sqrt(dz * dz + dy * dy + dx * dx)]);
        }
    const pass = (sign: 1 | -1) => {
      for (let s = 0; s < nv; s++) {
        const i = sign > 0 ? s : nv - 1 - s;
        if (d[i] === 0) continue;
        const z = Math.floor(i / (ny * nx));
        const y = Math.floor(i / nx) % ny;
        const x = i % nx;
        let v = d[i];
        for (const [dz, dy, dx, w] of nb) {
          const zz = z + sign * dz;
          const yy = y + sign * dy;
          const xx = x + sign * dx;
          if (zz < 0 || zz >= nz || yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
          v = Math.min(v, d[(zz * ny + yy) * nx + xx] + w);
        }
        d[i] = v;
      }
    };
    pass(1);
    pass(-1);
  }
  for (let i = 0; i < nv; i++) out[i] = d[i] === 0 ? 0 : taperPx <= 0 || d[i] >= taperPx ? 1 : 0.5 * (1 - Math.cos((Math.PI * d[i]) / taperPx));
}

function checkFinite(data: Float32Array, mask: Float32Array | undefined, ny: number, nx: number, field: string): void {
  for (let p = 0; p < data.length; p++) {
    if (mask && mask[p] === 0) continue;
    const v = data[p];
    if (!Number.isFinite(v)) {
      const z = Math.floor(p / (ny * nx));
      throw new PtyxanesError('non-finite voxel value', { field, expected: 'finite values (mask out voxels without data)', found: `${v} at z ${z}, y ${Math.floor(p / nx) % ny}, x ${p % nx}` });
    }
  }
}

/** Per-axis window weights of the reference and of the moving volume. */
export interface PairWindows {
  ref: [Float64Array, Float64Array, Float64Array];
  mov: [Float64Array, Float64Array, Float64Array];
  /** Mask weights to use instead of the set's (the joint masks of an overlap pass). */
  refMask?: Float32Array;
  movMask?: Float32Array;
}

/**
 * Windows that follow the estimated shift s (moving(x) ≈ reference(x + s)): along one axis,
 * the taper spans the overlap [max(0, s), min(n, n + s) − 1] of the two fields of view in
 * reference coordinates, and the moving volume gets the same profile at x + s (a subpixel
 * position). The windowed moving volume is then the windowed reference shifted by s, not
 * the same texture under a window that stays put, so the window no longer pulls the peak
 * towards zero (see correlateVolumePair). Null when the volumes do not overlap.
 */
export function overlapWindow(kind: WindowKind, alpha: number, n: number, s: number): { ref: Float64Array; mov: Float64Array } | null {
  const lo = Math.max(0, s);
  const span = n - 1 - Math.abs(s);
  if (!(span > 1)) return null;
  const a = kind === 'hann' ? 1 : kind === 'none' ? 0 : alpha;
  const at = (p: number) => (kind === 'none' ? (p >= lo - 1e-9 && p <= lo + span + 1e-9 ? 1 : 0) : tukeyAt((p - lo) / span, a));
  return { ref: Float64Array.from({ length: n }, (_, p) => at(p)), mov: Float64Array.from({ length: n }, (_, x) => at(x + s)) };
}

/** Σ w·f / Σ w over the voxels with weight w = window · mask > 0. */
function weightedMean(data: Float32Array, win: readonly Float64Array[], mask: Float32Array | undefined, ny: number, nx: number): number {
  const [wz, wy, wx] = win;
  let sum = 0;
  let wsum = 0;
  for (let z = 0; z < wz.length; z++)
    for (let y = 0; y < ny; y++) {
      const wzy = wz[z] * wy[y];
      if (wzy === 0) continue;
      const o = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) {
        const w = wzy * wx[x] * (mask ? mask[o + x] : 1);
        if (w > 0) {
          sum += w * data[o + x];
          wsum += w;
        }
      }
    }
  return wsum > 0 ? sum / wsum : 0;
}

/**
 * The padded complex FFT volume of pair i: reference (real part) and moving volume
 * (imaginary part), each times its separable window and mask weight after subtracting its
 * mean under that weight (so the weighted volume has no DC term whose window pedestal would
 * bias the peak), zero elsewhere.
 */
export function packVolumes(set: VolumeSet, i: number, win: PairWindows, out: Float32Array): void {
  const { nz, ny, nx, fy, fx, ref } = set;
  const refMask = win.refMask ?? set.refMask;
  const movMask = win.movMask ?? set.movMask;
  const mov = set.mov[i];
  const refMean = weightedMean(ref, win.ref, refMask, ny, nx);
  const movMean = weightedMean(mov, win.mov, movMask, ny, nx);
  const [rz, ry, rx] = win.ref;
  const [mz, my, mx] = win.mov;
  out.fill(0);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const rzy = rz[z] * ry[y];
      const mzy = mz[z] * my[y];
      const src = (z * ny + y) * nx;
      let o = 2 * (z * fy + y) * fx;
      for (let x = 0; x < nx; x++, o += 2) {
        const p = src + x;
        const rw = rzy * rx[x] * (refMask ? refMask[p] : 1);
        const mw = mzy * mx[x] * (movMask ? movMask[p] : 1);
        out[o] = rw > 0 ? (ref[p] - refMean) * rw : 0;
        out[o + 1] = mw > 0 ? (mov[p] - movMean) * mw : 0;
      }
    }
}
