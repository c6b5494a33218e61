/**
 * Registration of an energy stack [nE, h, w]: every image is brought onto one reference
 * image, either directly ('reference') or through its neighbours ('chain': image i onto
 * i∓1, shifts accumulated outwards from the reference). All pairs go to registerPairs in
 * one batched call. The aligned stack is resampled (Fourier shift with padding by default)
 * and the common region (where every shifted image is defined) is reported for cropping.
 *
 * Default strategy: 'reference' onto the last (highest-energy) image, chosen by evidence
 * (`npx tsx scripts/bench-register.ts --skip-gpu --skip-cpu --strategies`; BENCHMARKS.md):
 * an XANES-like stack of 43 energies across the Ni K-edge (two Ni phases whose contrast
 * changes and flips near the edge, a non-Ni matrix, random-walk drift, Poisson noise, 128²,
 * 3 seeds), rms / max error against the simulated drift with the default 'phase' correlation:
 *
 *   photons/px   reference/last   reference/middle   reference/first   chain/middle
 *      500        0.147 / 0.89     0.180 / 0.96       0.331 / 1.22      1.03 / 4.97
 *     2000        0.051 / 0.21     0.052 / 0.25       0.137 / 0.68      0.35 / 1.63
 *    10000        0.018 / 0.06     0.018 / 0.08       0.039 / 0.14      0.08 / 0.36
 *
 * Registered directly, each image carries one pair's error; chained, an image carries the
 * sum of all link errors between it and the reference (a random walk). The contrast change
 * across the edge did not break direct registration (particles and matrix stay visible at
 * every energy), and the post-edge image, with the most contrast, is the best reference.
 * With the plain correlation (normalization null) chaining is on a par (2000 photons/px:
 * chain/last 0.064 / 0.16, reference/last 0.076 / 0.21), so 'chain' stays available for
 * series whose appearance changes so much that far-apart images no longer correlate (the
 * returned `errors` near 1 show that).
 */
import { PtyxanesError } from '../core/errors.ts';
import type { RealArray } from '../core/arrays.ts';
import type { RunControl } from '../core/progress.ts';
import type { MaskArray, PhaseCorrelationOptions } from './options.ts';
import { registerPairs } from './register-pairs.ts';
import { shiftStack, type ShiftMethod } from './shift.ts';

export type StackStrategy = 'reference' | 'chain';
export const DEFAULT_STACK_STRATEGY: StackStrategy = 'reference';

export interface RegisterStackOptions extends Omit<PhaseCorrelationOptions, 'mask'>, RunControl {
  strategy?: StackStrategy;
  /** Image the others are registered onto (its shift is (0, 0)). Default: the last image. */
  referenceIndex?: number;
  /** Mask of valid pixels: h·w (all images) or nE·h·w (per image). */
  mask?: MaskArray;
  /** How the aligned stack is resampled. Default 'fourier' (band-limited, boundary 'pad'). */
  resample?: ShiftMethod;
}

export interface Region {
  row0: number;
  col0: number;
  rows: number;
  cols: number;
}

export interface StackRegistration {
  /** [nE, 2]: (dy, dx) applied to image i (shiftImage convention) aligns it with the reference. */
  shifts: Float64Array;
  /** Per image, the error of the pair that registered it (0 for the reference). */
  errors: Float64Array;
  peaks: Float64Array;
  /** [nE, h, w]: the shifted images; NaN where a shifted image has no data. */
  aligned: RealArray;
  /** Rows/columns where every aligned image is defined: crop with cropToRegion. */
  commonRegion: Region;
  referenceIndex: number;
  strategy: StackStrategy;
}

function checkStack(stack: RealArray): { n: number; h: number; w: number } {
  const s = stack?.shape;
  if (!stack || !(stack.data instanceof Float32Array) || !Array.isArray(s) || s.length !== 3) {
    throw new PtyxanesError('not an image stack', { field: 'stack', expected: '{ data: Float32Array, shape: [nE, h, w] }', found: s ? `shape [${s.join(', ')}]` : typeof stack });
  }
  const [n, h, w] = s;
  if (stack.data.length !== n * h * w) throw new PtyxanesError('data length does not match shape', { field: 'stack', expected: String(n * h * w), found: String(stack.data.length) });
  if (n < 1) throw new PtyxanesError('empty stack', { field: 'stack', expected: 'at least one image', found: '0' });
  return { n, h, w };
}

/** Pairs (reference image, moving image) that register every image but the reference. */
function pairsFor(n: number, ref: number, strategy: StackStrategy): { refOf: number[]; movOf: number[] } {
  const refOf: number[] = [];
  const movOf: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === ref) continue;
    movOf.push(i);
    refOf.push(strategy === 'reference' ? ref : i > ref ? i - 1 : i + 1);
  }
  return { refOf, movOf };
}

export async function registerStack(stack: RealArray, opts: RegisterStackOptions = {}): Promise<StackRegistration> {
  const { n, h, w } = checkStack(stack);
  const strategy = opts.strategy ?? DEFAULT_STACK_STRATEGY;
  if (strategy !== 'reference' && strategy !== 'chain') {
    throw new PtyxanesError('unknown strategy', { field: 'strategy', expected: "'reference' or 'chain'", found: String(strategy) });
  }
  const ref = opts.referenceIndex ?? n - 1;
  if (!Number.isInteger(ref) || ref < 0 || ref >= n) {
    throw new PtyxanesError('reference index out of range', { field: 'referenceIndex', expected: `integer 0..${n - 1}`, found: String(ref) });
  }
  const hw = h * w;
  const mask = opts.mask;
  if (mask && mask.length !== hw && mask.length !== n * hw) {
    throw new PtyxanesError('mask length does not match the stack', { field: 'mask', expected: `${hw} (h·w) or ${n * hw} (nE·h·w)`, found: String(mask.length) });
  }
  const shifts = new Float64Array(2 * n);
  const errors = new Float64Array(n);
  const peaks = new Float64Array(n);
  peaks[ref] = NaN;
  if (n > 1) {
    const { refOf, movOf } = pairsFor(n, ref, strategy);
    const frame = (i: number) => stack.data.subarray(i * hw, (i + 1) * hw);
    const gather = (idx: number[], src: (i: number) => ArrayLike<number>, T: typeof Float32Array | typeof Uint8Array) => {
      const out = new T(idx.length * hw);
      idx.forEach((i, q) => out.set(src(i), q * hw));
      return out;
    };
    const moving: RealArray = { data: gather(movOf, frame, Float32Array) as Float32Array, shape: [movOf.length, h, w] };
    const reference: RealArray = strategy === 'reference' ? { data: frame(ref), shape: [h, w] } : { data: gather(refOf, frame, Float32Array) as Float32Array, shape: [refOf.length, h, w] };
    let pairMask: PhaseCorrelationOptions['mask'];
    if (mask && mask.length === hw) pairMask = mask;
    else if (mask) {
      const m = (i: number) => mask.subarray(i * hw, (i + 1) * hw);
      const T = mask instanceof Uint8Array ? Uint8Array : Float32Array;
      pairMask = { reference: strategy === 'reference' ? m(ref) : (gather(refOf, m, T) as MaskArray), moving: gather(movOf, m, T) as MaskArray };
    }
    const r = await registerPairs(reference, moving, {
      upsampleFactor: opts.upsampleFactor,
      normalization: opts.normalization,
      window: opts.window,
      tukeyAlpha: opts.tukeyAlpha,
      mask: pairMask,
      maskTaperPx: opts.maskTaperPx,
      backend: opts.backend,
      ctx: opts.ctx,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    const pairShift = new Map<number, [number, number]>();
    movOf.forEach((i, q) => {
      pairShift.set(i, [r.shifts[2 * q], r.shifts[2 * q + 1]]);
      errors[i] = r.errors[q];
      peaks[i] = r.peaks[q];
    });
    // Accumulate outwards from the reference: image i onto its pair's reference, then that onto the reference.
    const order = [...movOf].sort((a, b) => Math.abs(a - ref) - Math.abs(b - ref));
    for (const i of order) {
      const [dy, dx] = pairShift.get(i)!;
      const via = strategy === 'reference' ? ref : i > ref ? i - 1 : i + 1;
      shifts[2 * i] = dy + shifts[2 * via];
      shifts[2 * i + 1] = dx + shifts[2 * via + 1];
    }
  }
  const aligned = shiftStack(stack, shifts, opts.resample ?? 'fourier');
  return { shifts, errors, peaks, aligned, commonRegion: commonRegion(shifts, h, w), referenceIndex: ref, strategy };
}

/**
 * Rows and columns where every image shifted by its (dy, dx) is defined: output row y holds
 * source row y − dy, which must lie in [0, h − 1] for all images.
 */
export function commonRegion(shifts: ArrayLike<number>, h: number, w: number): Region {
  let dyMax = 0;
  let dyMin = 0;
  let dxMax = 0;
  let dxMin = 0;
  for (let i = 0; i < shifts.length; i += 2) {
    dyMax = Math.max(dyMax, shifts[i]);
    dyMin = Math.min(dyMin, shifts[i]);
    dxMax = Math.max(dxMax, shifts[i + 1]);
    dxMin = Math.min(dxMin, shifts[i + 1]);
  }
  const tol = 1e-9;
  const row0 = Math.max(0, Math.ceil(dyMax - tol));
  const col0 = Math.max(0, Math.ceil(dxMax - tol));
  const rowEnd = Math.min(h - 1, Math.floor(h - 1 + dyMin + tol));
  const colEnd = Math.min(w - 1, Math.floor(w - 1 + dxMin + tol));
  if (rowEnd < row0 || colEnd < col0) {
    throw new PtyxanesError('the shifted images have no pixel in common', { field: 'shifts', expected: `drift spread < image size (${h}×${w})`, found: `dy ${dyMin.toFixed(2)}..${dyMax.toFixed(2)}, dx ${dxMin.toFixed(2)}..${dxMax.toFixed(2)}` });
  }
  return { row0, col0, rows: rowEnd - row0 + 1, cols: colEnd - col0 + 1 };
}

/** Crops an image [h, w] or stack [n, h, w] to a region. */
export function cropToRegion(image: RealArray, region: Region): RealArray {
  const s = image.shape;
  const [n, h, w] = s.length === 2 ? [1, s[0], s[1]] : [s[0], s[1], s[2]];
  const { row0, col0, rows, cols } = region;
  if (!(row0 >= 0 && col0 >= 0 && rows >= 1 && cols >= 1 && row0 + rows <= h && col0 + cols <= w)) {
    throw new PtyxanesError('region outside the image', { field: 'region', expected: `inside ${h}×${w}`, found: `rows ${row0}+${rows}, cols ${col0}+${cols}` });
  }
  const out = new Float32Array(n * rows * cols);
  for (let f = 0; f < n; f++)
    for (let y = 0; y < rows; y++) {
      const src = f * h * w + (row0 + y) * w + col0;
      out.set(image.data.subarray(src, src + cols), (f * rows + y) * cols);
    }
  return { data: out, shape: s.length === 2 ? [rows, cols] : [n, rows, cols] };
}
