/**
 * Moving images by subpixel shifts. Convention everywhere in ptyxanes: shifting by (dy, dx)
 * gives out(y, x) = in(y − dy, x − dx), i.e. the content moves by +dy rows and +dx columns
 * (scipy.ndimage.shift / fourier_shift), so `shiftImage(moving, ...registerPairs shift)`
 * lands the moving image on the reference.
 *
 * - fourierShift: band-limited (phase ramp in Fourier space, exact for any size).
 *   boundary 'periodic' (default): content leaving one side re-enters on the other, as the
 *   DFT implies; every output pixel is defined. boundary 'pad': the image is first padded
 *   (by padPx, default ceil(|shift|) + 8) with a linear ramp from each edge to the
 *   opposite one, so the wrap is smooth and rings less, and pixels whose source lies
 *   outside the image are set to `fill` (default NaN; null keeps the padded values).
 * - shiftImage: bilinear or bicubic (Keys, a = −0.5) interpolation; pixels whose source
 *   lies outside the image are `fill` (default NaN). Local, no ringing, slightly smoothing.
 */
import { PtyxanesError } from '../core/errors.ts';
import type { RealArray } from '../core/arrays.ts';
import { applySeparable, interpolationWeights, type InterpolationOrder } from './axis-resample.ts';
import { LineDft, shiftLines } from './line-dft.ts';

export interface FourierShiftOptions {
  boundary?: 'periodic' | 'pad';
  /** Padding per side for boundary 'pad' (pixels). */
  padPx?: number;
  /** For boundary 'pad': value where the source is outside the image (null keeps the padded data). */
  fill?: number | null;
}

function frames(image: RealArray, field: string): { n: number; h: number; w: number } {
  const s = image?.shape;
  if (!image || !(image.data instanceof Float32Array) || !Array.isArray(s) || (s.length !== 2 && s.length !== 3)) {
    throw new PtyxanesError('not an image or image stack', { field, expected: '{ data: Float32Array, shape: [h, w] or [n, h, w] }', found: s ? `shape [${s.join(', ')}]` : typeof image });
  }
  const [n, h, w] = s.length === 2 ? [1, s[0], s[1]] : [s[0], s[1], s[2]];
  if (image.data.length !== n * h * w) {
    throw new PtyxanesError('data length does not match shape', { field, expected: String(n * h * w), found: String(image.data.length) });
  }
  return { n, h, w };
}

function checkShift(dy: number, dx: number): void {
  if (!Number.isFinite(dy) || !Number.isFinite(dx)) {
    throw new PtyxanesError('shift must be finite', { field: 'shift', expected: 'finite (dy, dx)', found: `(${dy}, ${dx})` });
  }
}

/** Fourier (band-limited) shift of an image or of every frame of a stack by (dy, dx). */
export function fourierShift(image: RealArray, dy: number, dx: number, opts: FourierShiftOptions = {}): RealArray {
  const { n, h, w } = frames(image, 'image');
  checkShift(dy, dx);
  const boundary = opts.boundary ?? 'periodic';
  if (boundary !== 'periodic' && boundary !== 'pad') {
    throw new PtyxanesError('unknown boundary', { field: 'boundary', expected: "'periodic' or 'pad'", found: String(boundary) });
  }
  const out = new Float32Array(n * h * w);
  if (boundary === 'periodic') {
    out.set(image.data);
    for (let f = 0; f < n; f++) shiftFramePeriodic(out, f * h * w, h, w, dy, dx);
    return { data: out, shape: [...image.shape] };
  }
  const pad = opts.padPx ?? Math.ceil(Math.max(Math.abs(dy), Math.abs(dx))) + 8;
  if (!Number.isInteger(pad) || pad < 0) throw new PtyxanesError('padding must be a non-negative integer', { field: 'padPx', expected: 'integer ≥ 0', found: String(pad) });
  const fill = opts.fill === undefined ? NaN : opts.fill;
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const padded = new Float32Array(ph * pw);
  for (let f = 0; f < n; f++) {
    padRamp(image.data, f * h * w, h, w, pad, padded);
    shiftFramePeriodic(padded, 0, ph, pw, dy, dx);
    for (let y = 0; y < h; y++) {
      const rowOk = y - dy >= -1e-9 && y - dy <= h - 1 + 1e-9;
      for (let x = 0; x < w; x++) {
        const ok = rowOk && x - dx >= -1e-9 && x - dx <= w - 1 + 1e-9;
        out[f * h * w + y * w + x] = ok || fill === null ? padded[(y + pad) * pw + x + pad] : fill;
      }
    }
  }
  return { data: out, shape: [...image.shape] };
}

function shiftFramePeriodic(data: Float32Array, off: number, h: number, w: number, dy: number, dx: number): void {
  const buf = new Float64Array(2 * Math.max(h, w));
  if (dx !== 0) {
    const starts = Int32Array.from({ length: h }, (_, y) => off + y * w);
    shiftLines(data, starts, 1, w, dx, new LineDft(w), buf);
  }
  if (dy !== 0) {
    const starts = Int32Array.from({ length: w }, (_, x) => off + x);
    shiftLines(data, starts, w, h, dy, new LineDft(h), buf);
  }
}

/** Pads a frame by `pad` per side; the pad ramps linearly from each edge to the opposite edge (periodic, continuous). */
function padRamp(src: Float32Array, off: number, h: number, w: number, pad: number, out: Float32Array): void {
  const pw = w + 2 * pad;
  const gap = 2 * pad + 1;
  for (let y = 0; y < h; y++) {
    const o = (y + pad) * pw;
    const first = src[off + y * w];
    const last = src[off + y * w + w - 1];
    for (let x = 0; x < w; x++) out[o + pad + x] = src[off + y * w + x];
    for (let g = 1; g <= 2 * pad; g++) {
      // g-th sample after the last column, wrapping into the left pad.
      const v = last + ((first - last) * g) / gap;
      const x = (pad + w - 1 + g) % pw;
      out[o + x] = v;
    }
  }
  for (let x = 0; x < pw; x++) {
    const first = out[pad * pw + x];
    const last = out[(pad + h - 1) * pw + x];
    for (let g = 1; g <= 2 * pad; g++) {
      const y = (pad + h - 1 + g) % (h + 2 * pad);
      out[y * pw + x] = last + ((first - last) * g) / gap;
    }
  }
}

export interface InterpolationShiftOptions {
  order?: InterpolationOrder;
  /** Value where the source lies outside the image. Default NaN. */
  fill?: number;
}

/** Interpolation shift of an image or of every frame of a stack by (dy, dx). */
export function shiftImage(image: RealArray, dy: number, dx: number, opts: InterpolationShiftOptions = {}): RealArray {
  const { n, h, w } = frames(image, 'image');
  checkShift(dy, dx);
  const order = opts.order ?? 'bicubic';
  if (order !== 'bilinear' && order !== 'bicubic') {
    throw new PtyxanesError('unknown interpolation order', { field: 'order', expected: "'bilinear' or 'bicubic'", found: String(order) });
  }
  const ry = interpolationWeights(h, Float64Array.from({ length: h }, (_, y) => y - dy), order);
  const rx = interpolationWeights(w, Float64Array.from({ length: w }, (_, x) => x - dx), order);
  const out = new Float32Array(n * h * w);
  for (let f = 0; f < n; f++) applySeparable(image.data, f * h * w, h, w, ry, rx, opts.fill ?? NaN, out, f * h * w);
  return { data: out, shape: [...image.shape] };
}

export type ShiftMethod = 'fourier' | InterpolationOrder;

/**
 * Shifts frame i of a [n, h, w] stack by shifts[2i], shifts[2i+1]; outside the source →
 * `fill` (default NaN; e.g. 0 for projections of an object surrounded by nothing).
 * 'fourier' uses boundary 'pad'.
 */
export function shiftStack(stack: RealArray, shifts: ArrayLike<number>, method: ShiftMethod = 'fourier', fill = NaN): RealArray {
  const { n, h, w } = frames(stack, 'stack');
  if (shifts.length !== 2 * n) throw new PtyxanesError('one (dy, dx) per frame needed', { field: 'shifts', expected: String(2 * n), found: String(shifts.length) });
  const out = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const frame: RealArray = { data: stack.data.subarray(i * h * w, (i + 1) * h * w), shape: [h, w] };
    const dy = shifts[2 * i];
    const dx = shifts[2 * i + 1];
    const r = method === 'fourier' ? fourierShift(frame, dy, dx, { boundary: 'pad', fill }) : shiftImage(frame, dy, dx, { order: method, fill });
    out.set(r.data, i * h * w);
  }
  return { data: out, shape: [n, h, w] };
}
