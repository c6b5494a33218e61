/**
 * Starting guesses. The probe is real-space [K, n, n] with its centre at (n/2, n/2); its
 * power is scaled to the data: with an unnormalised forward FFT, Σ_pixels I = n²·Σ|ψ|²,
 * so a transmissive object (|O| ≈ 1) needs Σ_k Σ|P_k|² ≈ (mean counts per frame over the
 * valid pixels) / (number of valid pixels).
 */
import type { ComplexArray } from '../core/arrays.ts';
import { PtyxanesError } from '../core/errors.ts';
import { CpuFft2d, fftshift2d, ifftshift2d } from '../fft/index.ts';
import type { AmplitudeStore } from './amplitude-store.ts';
import { seedModes } from './modes.ts';
import type { ProbeInit } from './types.ts';

export function targetProbePower(store: AmplitudeStore): number {
  return store.meanCounts / store.validPixels;
}

function power(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

export function scaleToPower(a: Float32Array, target: number): void {
  const p = power(a);
  if (!(p > 0)) return;
  const s = Math.sqrt(target / p);
  for (let i = 0; i < a.length; i++) a[i] *= s;
}

/** √(mean pattern) with a flat phase, propagated back to the sample (a focused guess). */
export function probeFromMeanPattern(store: AmplitudeStore): Float32Array {
  const h = store.height;
  const w = store.width;
  const spec = new Float32Array(2 * h * w);
  for (let i = 0; i < h * w; i++) spec[2 * i] = Math.sqrt(store.meanIntensity[i]);
  const shifted = ifftshift2d(spec, 1, h, w);
  new CpuFft2d(h, w).transform(shifted, 'inverse');
  return fftshift2d(shifted, 1, h, w);
}

/** Validates a user probe array: [n, n] or [K', n, n] complex matching the frames. */
export function checkProbeArray(p: ComplexArray, h: number, w: number, label: string): number {
  const shape = p.shape;
  const where = { file: label, field: 'probeInit' };
  if (!p.data || (shape.length !== 2 && shape.length !== 3)) {
    throw new PtyxanesError('probe array must be complex [n, n] or [K, n, n]', { ...where, expected: `[${h}, ${w}] or [K, ${h}, ${w}]`, found: `shape [${shape}]` });
  }
  const ph = shape[shape.length - 2];
  const pw = shape[shape.length - 1];
  if (ph > h || pw > w) {
    throw new PtyxanesError(`patterns (${h}×${w}) are smaller than the probe (${ph}×${pw})`, { ...where, expected: `probe of ${h}×${w} (the pattern size)`, found: `[${shape}]` });
  }
  if (ph !== h || pw !== w) {
    throw new PtyxanesError('probe array has the wrong size', { ...where, expected: `[${h}, ${w}] or [K, ${h}, ${w}] (the pattern size)`, found: `[${shape}]` });
  }
  const k = shape.length === 3 ? shape[0] : 1;
  if (k < 1 || p.data.length !== 2 * k * h * w) {
    throw new PtyxanesError('probe array data length does not match its shape', { ...where, expected: `${2 * k * h * w} floats`, found: String(p.data.length) });
  }
  for (let i = 0; i < p.data.length; i++) {
    if (!Number.isFinite(p.data[i])) throw new PtyxanesError('probe array contains a non-finite value', { ...where, expected: 'finite values', found: `${p.data[i]} at float ${i}` });
  }
  return k;
}

/**
 * A generic probe guess on the n×n probe grid (centre n/2, pixel `pixelSizeM`): a flat disk
 * of diameter `diameterM` (an aperture or a defocused beam's footprint), or a Gaussian of
 * FWHM `fwhmM`. Flat phase: the phase is left to the reconstruction.
 */
export function genericProbe(n: number, pixelSizeM: number, shape: { aperture: { diameterM: number } } | { gaussian: { fwhmM: number } }, label: string): Float32Array {
  const size = 'aperture' in shape ? shape.aperture?.diameterM : shape.gaussian?.fwhmM;
  const field = 'aperture' in shape ? 'probeInit.aperture.diameterM' : 'probeInit.gaussian.fwhmM';
  if (!(size !== undefined && Number.isFinite(size) && size > 0)) {
    throw new PtyxanesError('probe size must be a positive length in metres', { file: label, field, expected: '> 0 (m)', found: String(size) });
  }
  const rPx = size / pixelSizeM / 2;
  if (rPx < 1 || rPx > n / 2) {
    throw new PtyxanesError('probe size does not fit the probe grid', { file: label, field, expected: `${(2 * pixelSizeM).toExponential(2)}..${(n * pixelSizeM).toExponential(2)} m (2..${n} pixels of ${pixelSizeM.toExponential(2)} m)`, found: `${size} m` });
  }
  const p = new Float32Array(2 * n * n);
  const c = n / 2;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const r2 = (x - c) ** 2 + (y - c) ** 2;
      // Gaussian: FWHM = 2·rPx, so exp(−ln2·r²/rPx²). Aperture: edge softened over a pixel.
      p[2 * (y * n + x)] = 'aperture' in shape ? Math.min(1, Math.max(0, rPx + 0.5 - Math.sqrt(r2))) : Math.exp((-Math.LN2 * r2) / (rPx * rPx));
    }
  }
  return p;
}

/** K initial probe modes, scaled to the data's power. */
export function initialProbe(init: ProbeInit | undefined, store: AmplitudeStore, K: number, seed: number, label: string, pixelSizeM = 0): Float32Array {
  const h = store.height;
  const w = store.width;
  const frame = 2 * h * w;
  let modes: Float32Array;
  if (init === undefined || init === 'mean-pattern') {
    modes = seedModes(probeFromMeanPattern(store), K, h, w, seed);
  } else if (typeof init === 'object' && 'zonePlate' in init) {
    checkProbeArray(init.zonePlate, h, w, label);
    modes = seedModes(init.zonePlate.data, K, h, w, seed);
  } else if (typeof init === 'object' && ('aperture' in init || 'gaussian' in init)) {
    modes = seedModes(genericProbe(h, pixelSizeM, init, label), K, h, w, seed);
  } else if (typeof init === 'object' && 'data' in init) {
    const given = checkProbeArray(init, h, w, label);
    if (given >= K) {
      modes = Float32Array.from(init.data.subarray(0, K * frame));
    } else {
      // Extra modes seeded from the first, keeping the given ones.
      modes = seedModes(init.data, K, h, w, seed);
      modes.set(init.data.subarray(0, given * frame));
    }
  } else {
    throw new PtyxanesError('unknown probe initialisation', { file: label, field: 'probeInit', expected: "a complex array, 'mean-pattern', { zonePlate: array }, { aperture: { diameterM } } or { gaussian: { fwhmM } }", found: String(init) });
  }
  scaleToPower(modes, targetProbePower(store));
  return modes;
}

/** Object start: ones, or a given array on exactly this scan's grid. */
export function initialObject(init: ComplexArray | undefined, height: number, width: number, label: string): Float32Array {
  if (!init) {
    const o = new Float32Array(2 * height * width);
    for (let i = 0; i < o.length; i += 2) o[i] = 1;
    return o;
  }
  const s = init.shape;
  if (s.length !== 2 || s[0] !== height || s[1] !== width || init.data.length !== 2 * height * width) {
    throw new PtyxanesError('object array does not match this scan\'s object grid (reconstructSeries resamples between energies)', {
      file: label,
      field: 'objectInit',
      expected: `complex [${height}, ${width}]`,
      found: `[${s}] (${init.data.length} floats)`,
    });
  }
  for (let i = 0; i < init.data.length; i++) {
    if (!Number.isFinite(init.data[i])) throw new PtyxanesError('object array contains a non-finite value', { file: label, field: 'objectInit', expected: 'finite values', found: `${init.data[i]} at float ${i}` });
  }
  return Float32Array.from(init.data);
}
