/**
 * Input handling for registration: reference/moving images and masks in the shapes the
 * API accepts, checked once (shapes, counts, finite values inside the masks), then held
 * as flat float32 stacks, the layout both the CPU path and the GPU upload use.
 *
 * FFT frame: images are zero-padded (after mean subtraction and the taper) to the next
 * power of two per axis, at least MIN_FFT_SIZE, because src/fft only does powers of two.
 * Zero padding after mean subtraction and windowing adds no wrap-around jump (the padded
 * frame holds the image, tapered to zero, and zeros), and shifts up to half the padded frame
 * (−H/2 < dy ≤ H/2) are told apart. Cropping instead would discard data.
 */
import { PtyxanesError } from '../core/errors.ts';
import { product, type RealArray } from '../core/arrays.ts';
import { MAX_FFT_SIZE, MIN_FFT_SIZE } from '../fft/index.ts';
import { DEFAULT_MASK_TAPER_PX, type MaskArray, type MaskInput } from './options.ts';

export type ImageStackInput = RealArray | readonly RealArray[];

export interface PairSet {
  n: number;
  h: number;
  w: number;
  /** FFT frame (zero-padded) size. */
  fftH: number;
  fftW: number;
  /** Reference images, 1 (broadcast to every pair) or n of them, each h·w. */
  ref: Float32Array;
  refCount: number;
  mov: Float32Array;
  /** Mask weights (0 outside, tapered to 1 inside; see taperedMask), 1 or n of them; undefined = whole frame. */
  refMask?: Float32Array;
  refMaskCount: number;
  movMask?: Float32Array;
  movMaskCount: number;
}

export function fftSizeFor(n: number, field: string): number {
  let p = MIN_FFT_SIZE;
  while (p < n) p *= 2;
  if (p > MAX_FFT_SIZE) {
    throw new PtyxanesError('image too large to register', { field, expected: `≤ ${MAX_FFT_SIZE} pixels per axis`, found: String(n) });
  }
  return p;
}

/** Flattens [h,w], [n,h,w] or a list of [h,w] images into one stack. */
export function toStack(input: ImageStackInput, field: string): { data: Float32Array; count: number; h: number; w: number } {
  if (Array.isArray(input)) {
    const list = input as readonly RealArray[];
    if (list.length === 0) throw new PtyxanesError('no images given', { field, expected: 'at least one image', found: '0' });
    const first = checkImage(list[0], `${field}[0]`);
    const out = new Float32Array(list.length * first.h * first.w);
    list.forEach((img, i) => {
      const s = checkImage(img, `${field}[${i}]`);
      if (s.h !== first.h || s.w !== first.w) {
        throw new PtyxanesError('images of different shapes', { field: `${field}[${i}]`, expected: `[${first.h}, ${first.w}]`, found: `[${s.h}, ${s.w}]` });
      }
      out.set(img.data, i * first.h * first.w);
    });
    return { data: out, count: list.length, h: first.h, w: first.w };
  }
  const arr = input as RealArray;
  if (!arr || !(arr.data instanceof Float32Array) || !Array.isArray(arr.shape)) {
    throw new PtyxanesError('not an image array', { field, expected: '{ data: Float32Array, shape: [h, w] or [n, h, w] }', found: typeof arr });
  }
  const shape = arr.shape;
  if (shape.length !== 2 && shape.length !== 3) {
    throw new PtyxanesError('wrong number of dimensions', { field, expected: '[h, w] or [n, h, w]', found: `[${shape.join(', ')}]` });
  }
  checkLength(arr, field);
  const [count, h, w] = shape.length === 2 ? [1, shape[0], shape[1]] : [shape[0], shape[1], shape[2]];
  if (count < 1 || h < 1 || w < 1) throw new PtyxanesError('empty image stack', { field, expected: 'n, h, w ≥ 1', found: `[${shape.join(', ')}]` });
  return { data: arr.data, count, h, w };
}

function checkImage(img: RealArray, field: string): { h: number; w: number } {
  if (!img || !(img.data instanceof Float32Array) || !Array.isArray(img.shape) || img.shape.length !== 2) {
    throw new PtyxanesError('not a 2D image', { field, expected: '{ data: Float32Array, shape: [h, w] }', found: img?.shape ? `shape [${img.shape.join(', ')}]` : typeof img });
  }
  checkLength(img, field);
  return { h: img.shape[0], w: img.shape[1] };
}

function checkLength(arr: RealArray, field: string): void {
  const want = product(arr.shape);
  if (arr.data.length !== want) {
    throw new PtyxanesError('data length does not match shape', { field, expected: `${want} values for shape [${arr.shape.join(', ')}]`, found: String(arr.data.length) });
  }
}

function toMask(mask: MaskArray | undefined, n: number, h: number, w: number, taperPx: number, field: string): { data?: Float32Array; count: number } {
  if (!mask) return { count: 0 };
  if (!(mask instanceof Uint8Array || mask instanceof Float32Array)) {
    throw new PtyxanesError('mask must be a Uint8Array or Float32Array', { field, expected: 'Uint8Array | Float32Array', found: typeof mask });
  }
  const hw = h * w;
  if (mask.length !== hw && mask.length !== n * hw) {
    throw new PtyxanesError('mask length does not match the images', { field, expected: `${hw} (h·w) or ${n * hw} (n·h·w)`, found: String(mask.length) });
  }
  const count = mask.length / hw;
  const data = new Float32Array(mask.length);
  for (let i = 0; i < count; i++) taperedMask(mask.subarray(i * hw, (i + 1) * hw), h, w, taperPx, data.subarray(i * hw, (i + 1) * hw));
  return { data, count };
}

/**
 * Mask weights with a cosine ramp over `taperPx` pixels inward from the mask boundary. A
 * hard mask edge is broadband structure shared by both images at zero shift, which phase
 * correlation whitens into a false peak there; the ramp removes it, as the window does at
 * the frame edges. Distance is a two-pass chamfer (1, √2) approximation of the Euclidean one.
 */
export function taperedMask(mask: ArrayLike<number>, h: number, w: number, taperPx: number, out: Float32Array): void {
  const big = 1e9;
  const d = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) d[i] = mask[i] !== 0 && !Number.isNaN(mask[i]) ? big : 0;
  if (taperPx <= 0) {
    for (let i = 0; i < h * w; i++) out[i] = d[i] > 0 ? 1 : 0;
    return;
  }
  const s2 = Math.SQRT2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (d[i] === 0) continue;
      let v = d[i];
      if (x > 0) v = Math.min(v, d[i - 1] + 1);
      if (y > 0) {
        v = Math.min(v, d[i - w] + 1);
        if (x > 0) v = Math.min(v, d[i - w - 1] + s2);
        if (x < w - 1) v = Math.min(v, d[i - w + 1] + s2);
      }
      d[i] = v;
    }
  for (let y = h - 1; y >= 0; y--)
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (d[i] === 0) continue;
      let v = d[i];
      if (x < w - 1) v = Math.min(v, d[i + 1] + 1);
      if (y < h - 1) {
        v = Math.min(v, d[i + w] + 1);
        if (x < w - 1) v = Math.min(v, d[i + w + 1] + s2);
        if (x > 0) v = Math.min(v, d[i + w - 1] + s2);
      }
      d[i] = v;
    }
  // Pixels farther than the taper (or with no masked-out pixel at all) keep weight 1.
  for (let i = 0; i < h * w; i++) out[i] = d[i] === 0 ? 0 : d[i] >= taperPx ? 1 : 0.5 * (1 - Math.cos((Math.PI * d[i]) / taperPx));
}

/** Every pixel inside the mask must be finite (NaN is allowed only where the mask is 0). */
function checkFinite(data: Float32Array, count: number, w: number, hw: number, mask: Float32Array | undefined, maskCount: number, field: string): void {
  for (let i = 0; i < count; i++) {
    const mo = maskCount > 1 ? i * hw : 0;
    const o = i * hw;
    // Fast pass: v·0 is 0 for finite v and NaN otherwise, so one sum tells whether the
    // image (inside its mask) is clean; only a dirty one is scanned for the message.
    let probe = 0;
    let weight = 0;
    if (!mask) {
      for (let p = 0; p < hw; p++) probe += data[o + p] * 0;
      weight = hw;
    } else {
      for (let p = 0; p < hw; p++) {
        const m = mask[mo + p];
        if (m !== 0) {
          probe += data[o + p] * 0;
          weight++;
        }
      }
    }
    if (probe === 0 && weight > 0) continue;
    let any = false;
    for (let p = 0; p < hw; p++) {
      if (mask && mask[mo + p] === 0) continue;
      any = true;
      const v = data[i * hw + p];
      if (!Number.isFinite(v)) {
        throw new PtyxanesError('non-finite pixel value', {
          field: count > 1 ? `${field}[${i}]` : field,
          expected: 'finite values (mask out pixels without data)',
          found: `${v} at row ${Math.floor(p / w)}, column ${p % w}`,
        });
      }
    }
    if (!any) throw new PtyxanesError('mask leaves no pixels', { field: `mask.${field}${maskCount > 1 ? `[${i}]` : ''}`, expected: 'at least one nonzero mask pixel', found: 'all zero' });
  }
}

/** Checks and flattens the inputs of registerPairs. */
export function preparePairs(reference: ImageStackInput, moving: ImageStackInput, mask?: MaskInput, maskTaperPx = DEFAULT_MASK_TAPER_PX): PairSet {
  const mov = toStack(moving, 'moving');
  const ref = toStack(reference, 'reference');
  if (ref.h !== mov.h || ref.w !== mov.w) {
    throw new PtyxanesError('reference and moving images differ in shape', { field: 'moving', expected: `[${ref.h}, ${ref.w}] (the reference's)`, found: `[${mov.h}, ${mov.w}]` });
  }
  const n = mov.count;
  if (ref.count !== 1 && ref.count !== n) {
    throw new PtyxanesError('reference count does not match moving count', { field: 'reference', expected: `1 or ${n} images`, found: String(ref.count) });
  }
  const { h, w } = mov;
  const m = mask instanceof Uint8Array || mask instanceof Float32Array ? { reference: mask, moving: mask } : (mask ?? {});
  const rm = toMask(m.reference, n, h, w, maskTaperPx, 'mask.reference');
  const mm = toMask(m.moving, n, h, w, maskTaperPx, 'mask.moving');
  checkFinite(ref.data, ref.count, w, h * w, rm.data, rm.count, 'reference');
  checkFinite(mov.data, mov.count, w, h * w, mm.data, mm.count, 'moving');
  return {
    n,
    h,
    w,
    fftH: fftSizeFor(h, 'height'),
    fftW: fftSizeFor(w, 'width'),
    ref: ref.data,
    refCount: ref.count,
    mov: mov.data,
    refMask: rm.data,
    refMaskCount: rm.count,
    movMask: mm.data,
    movMaskCount: mm.count,
  };
}

/**
 * CPU twin of shaders/register_pack.wgsl: the FFT frame of pair `i` with the reference in
 * the real part and the moving image in the imaginary part (one complex FFT transforms
 * both), each mean-subtracted inside its mask (unweighted mean over weight > 0), multiplied
 * by the window and the mask weight, and zero-padded.
 */
export function packPair(set: PairSet, i: number, window: Float32Array, out: Float32Array): void {
  const { h, w, fftW, ref, mov, refMask, movMask } = set;
  const hw = h * w;
  const refOff = set.refCount > 1 ? i * hw : 0;
  const movOff = i * hw;
  const rmOff = set.refMaskCount > 1 ? i * hw : 0;
  const mmOff = set.movMaskCount > 1 ? i * hw : 0;
  const refMean = maskedMean(ref, refOff, refMask, rmOff, hw);
  const movMean = maskedMean(mov, movOff, movMask, mmOff, hw);
  // Zero only the padding; every pixel of the image area is written below.
  if (w < fftW) for (let y = 0; y < h; y++) out.fill(0, 2 * (y * fftW + w), 2 * (y + 1) * fftW);
  out.fill(0, 2 * h * fftW);
  for (let y = 0; y < h; y++) {
    let o = 2 * y * fftW;
    const row = y * w;
    if (!refMask && !movMask) {
      for (let x = 0; x < w; x++, o += 2) {
        const wv = window[row + x];
        out[o] = (ref[refOff + row + x] - refMean) * wv;
        out[o + 1] = (mov[movOff + row + x] - movMean) * wv;
      }
      continue;
    }
    for (let x = 0; x < w; x++, o += 2) {
      const p = row + x;
      const rw = refMask ? refMask[rmOff + p] : 1;
      const mw = movMask ? movMask[mmOff + p] : 1;
      out[o] = rw > 0 ? (ref[refOff + p] - refMean) * window[p] * rw : 0;
      out[o + 1] = mw > 0 ? (mov[movOff + p] - movMean) * window[p] * mw : 0;
    }
  }
}

/**
 * One image of the set into one part (0: real, 1: imaginary) of an FFT frame, prepared as
 * packPair does (mean inside the mask subtracted, window and mask weight applied, padding
 * zero). The CPU path packs two moving images into one frame when all pairs share one
 * reference: FFT(a + i·b) holds both spectra, so each pair costs half a forward FFT.
 */
export function packImage(set: PairSet, which: 'reference' | 'moving', i: number, window: Float32Array, out: Float32Array, part: 0 | 1): void {
  const { h, w, fftW } = set;
  const hw = h * w;
  const isRef = which === 'reference';
  const data = isRef ? set.ref : set.mov;
  const mask = isRef ? set.refMask : set.movMask;
  const off = (isRef ? set.refCount : set.n) > 1 ? i * hw : 0;
  const mOff = (isRef ? set.refMaskCount : set.movMaskCount) > 1 ? i * hw : 0;
  const mean = maskedMean(data, off, mask, mOff, hw);
  for (let y = 0; y < set.fftH; y++) {
    const o = 2 * y * fftW + part;
    if (y >= h) {
      for (let x = 0; x < fftW; x++) out[o + 2 * x] = 0;
      continue;
    }
    const row = y * w;
    if (!mask) {
      for (let x = 0; x < w; x++) out[o + 2 * x] = (data[off + row + x] - mean) * window[row + x];
    } else {
      for (let x = 0; x < w; x++) {
        const mw = mask[mOff + row + x];
        out[o + 2 * x] = mw > 0 ? (data[off + row + x] - mean) * window[row + x] * mw : 0;
      }
    }
    for (let x = w; x < fftW; x++) out[o + 2 * x] = 0;
  }
}

function maskedMean(data: Float32Array, off: number, mask: Float32Array | undefined, maskOff: number, hw: number): number {
  let sum = 0;
  let count = 0;
  if (!mask) {
    for (let p = 0; p < hw; p++) sum += data[off + p];
    return hw ? sum / hw : 0;
  }
  for (let p = 0; p < hw; p++) {
    if (mask[maskOff + p] === 0) continue;
    sum += data[off + p];
    count++;
  }
  return count ? sum / count : 0;
}
