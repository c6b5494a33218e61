/**
 * Synthetic images for registration tests and benchmarks (seeded, reproducible):
 * a smoothed random field, and an XANES-like energy stack of particles whose contrast
 * changes across the Ni K-edge, with drift and Poisson noise.
 */
import type { RealArray } from '../core/arrays.ts';
import { fourierShift } from './shift.ts';

export { seededRandom, gaussianRandom } from '../core/random.ts';
import { seededRandom, gaussianRandom } from '../core/random.ts';

/** Poisson sample (Knuth for small means, normal approximation above 50). */
export function poisson(mean: number, rand: () => number, gauss: () => number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss()));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

/** Periodic Gaussian blur (separable, wrap-around), sigma in pixels. */
function blurPeriodic(data: Float64Array, h: number, w: number, sigma: number): void {
  const r = Math.ceil(3 * sigma);
  const k = Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float64Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += k[i + r] * data[y * w + (((x + i) % w) + w) % w];
      tmp[y * w + x] = acc;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += k[i + r] * tmp[((((y + i) % h) + h) % h) * w + x];
      data[y * w + x] = acc;
    }
}

/** A smooth random texture (white noise blurred by sigmaPx), scaled to zero mean, unit std. */
export function smoothRandomField(h: number, w: number, sigmaPx: number, seed: number): RealArray {
  const gauss = gaussianRandom(seededRandom(seed));
  const d = Float64Array.from({ length: h * w }, () => gauss());
  blurPeriodic(d, h, w, sigmaPx);
  let mean = 0;
  for (const v of d) mean += v;
  mean /= d.length;
  let v2 = 0;
  for (const v of d) v2 += (v - mean) ** 2;
  const sd = Math.sqrt(v2 / d.length);
  return { data: Float32Array.from(d, (v) => (v - mean) / sd), shape: [h, w] };
}

/**
 * A smooth random volume [nz, ny, nx]: white noise blurred periodically by a Gaussian of
 * sigmaPx voxels along each axis, scaled to zero mean and unit std (the 3D smoothRandomField).
 */
export function smoothRandomVolume(nz: number, ny: number, nx: number, sigmaPx: number, seed: number): RealArray {
  const gauss = gaussianRandom(seededRandom(seed));
  const d = Float64Array.from({ length: nz * ny * nx }, () => gauss());
  const r = Math.ceil(3 * sigmaPx);
  const k = Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigmaPx * sigmaPx)));
  const ksum = k.reduce((a, b) => a + b, 0);
  const line = new Float64Array(Math.max(nz, ny, nx));
  // One axis at a time: `count` lines of length n, element stride `stride`, starts from `start(l)`.
  const blur = (n: number, stride: number, count: number, start: (l: number) => number) => {
    for (let l = 0; l < count; l++) {
      const o = start(l);
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) acc += k[i + r] * d[o + ((((j + i) % n) + n) % n) * stride];
        line[j] = acc / ksum;
      }
      for (let j = 0; j < n; j++) d[o + j * stride] = line[j];
    }
  };
  blur(nx, 1, nz * ny, (l) => l * nx);
  blur(ny, nx, nz * nx, (l) => Math.floor(l / nx) * ny * nx + (l % nx));
  blur(nz, ny * nx, ny * nx, (l) => l);
  let mean = 0;
  for (const v of d) mean += v;
  mean /= d.length;
  let v2 = 0;
  for (const v of d) v2 += (v - mean) ** 2;
  const sd = Math.sqrt(v2 / d.length);
  return { data: Float32Array.from(d, (v) => (v - mean) / sd), shape: [nz, ny, nx] };
}

export interface XanesStackSpec {
  height: number;
  width: number;
  energiesEv: number[];
  seed: number;
  /** Drift per energy (dy, dx) in pixels applied to the images, [nE, 2]; default a random walk. */
  driftPx?: Float64Array;
  /** Incident photons per pixel for Poisson noise on the transmission (0 = noise-free). */
  photonsPerPixel?: number;
}

/** Normalised Ni K-edge absorption of a phase whose edge sits at e0 (eV): arctan step plus white line. */
function niEdge(energyEv: number, e0: number): number {
  const step = 0.5 + Math.atan((energyEv - e0) / 2) / Math.PI;
  const whiteLine = 0.6 * Math.exp(-(((energyEv - e0 - 8) / 4) ** 2));
  return step + whiteLine;
}

/**
 * −ln(transmission) images over the energies: two Ni phases (edges 4 eV apart, as Ni²⁺ and
 * Ni³⁺) in particles, plus a binder/carbon texture that does not change with energy. Below
 * the edge the binder dominates the contrast, above it the particles do, and between the
 * phases the contrast flips near the edge. Returns the stack and the drift it applied:
 * stack[i] = truth shifted by drift[i], so registration should return −drift[i] relative
 * to a drift-free reference.
 */
export function xanesLikeStack(spec: XanesStackSpec): { stack: RealArray; driftPx: Float64Array } {
  const { height: h, width: w, energiesEv, seed } = spec;
  const n = energiesEv.length;
  const rand = seededRandom(seed);
  const gauss = gaussianRandom(rand);
  const phaseA = new Float64Array(h * w);
  const phaseB = new Float64Array(h * w);
  const nParticles = Math.max(4, Math.round((h * w) / 900));
  for (let p = 0; p < nParticles; p++) {
    const cy = rand() * h;
    const cx = rand() * w;
    const r = 4 + rand() * Math.min(h, w) * 0.08;
    const target = rand() < 0.5 ? phaseA : phaseB;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        // Periodic distance, so the image is periodic and Fourier-shift drift is exact.
        const ddy = Math.abs(y - cy);
        const ddx = Math.abs(x - cx);
        const d = Math.hypot(Math.min(ddy, h - ddy), Math.min(ddx, w - ddx));
        // Soft-edged spheres: projected thickness ∝ sqrt(r² − d²).
        if (d < r) target[y * w + x] += Math.sqrt(r * r - d * d) / r;
      }
  }
  const binder = smoothRandomField(h, w, 3, seed + 1).data;
  const drift = spec.driftPx ?? randomWalkDrift(n, 0.8, rand);
  const out = new Float32Array(n * h * w);
  const photons = spec.photonsPerPixel ?? 0;
  for (let i = 0; i < n; i++) {
    const e = energiesEv[i];
    const muA = 0.15 + 0.6 * niEdge(e, 8342);
    const muB = 0.15 + 0.6 * niEdge(e, 8346);
    const img = new Float32Array(h * w);
    for (let p = 0; p < h * w; p++) img[p] = 0.3 + muA * phaseA[p] + muB * phaseB[p] + 0.12 * binder[p];
    const shifted = fourierShift({ data: img, shape: [h, w] }, drift[2 * i], drift[2 * i + 1]).data;
    if (photons > 0) {
      for (let p = 0; p < h * w; p++) {
        const counts = poisson(photons * Math.exp(-shifted[p]), rand, gauss);
        shifted[p] = -Math.log(Math.max(counts, 0.5) / photons);
      }
    }
    out.set(shifted, i * h * w);
  }
  return { stack: { data: out, shape: [n, h, w] }, driftPx: drift };
}

function randomWalkDrift(n: number, stepPx: number, rand: () => number): Float64Array {
  const d = new Float64Array(2 * n);
  for (let i = 1; i < n; i++) {
    d[2 * i] = d[2 * i - 2] + (rand() * 2 - 1) * stepPx;
    d[2 * i + 1] = d[2 * i - 1] + (rand() * 2 - 1) * stepPx;
  }
  return d;
}
