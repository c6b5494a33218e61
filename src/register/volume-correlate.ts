/**
 * CPU correlation of one volume pair, the 3D form of correlate.cpu.ts: pack (mean removal,
 * separable taper, zero padding) → 3D FFT → cross-power spectrum → inverse FFT → integer
 * peak s0 → the upsampled DFT of Guizar-Sicairos et al. on a 1/U-voxel grid over a 1.5-voxel
 * neighbourhood of s0 (R = ceil(1.5·U) points per axis, as upsampled-dft.ts and
 * scikit-image) → its maximum, and the error at the refined shift.
 *
 * The refinement is the separable sum of upsampled-dft.ts with one more axis,
 *   CC(s) = Σ_k P[k] · K_Z(k_z, s_z) · K_Y(k_y, s_y) · K_X(k_x, s_x),
 * done as three small matrix products (over k_x, then k_y, then k_z), with the same kernel
 * K (kernelAt: Hermitian, Nyquist as cos, phases reduced exactly). P is Hermitian and so is
 * each K, so the sum over the plane −k_z is the conjugate of the one over k_z: only planes
 * k_z = 0..Nz/2 are transformed (weights 1, 2, …, 2, 1 on their real parts), half the work.
 * Cost per pair for a 64³ FFT volume at U = 20 (R = 30): 4 M + 1.9 M + 0.9 M complex
 * multiply-adds, under the two 3D FFTs; R³ grows as U³, hence MAX_VOLUME_UPSAMPLE_FACTOR.
 */
import { PHASE_EPS } from './cross-power.ts';
import { coarsePeak } from './correlate.cpu.ts';
import { kernelAt, upsampleGeometry, wrapShift } from './upsampled-dft.ts';
import { overlapWindow, packVolumes, type PairWindows, type VolumeSet } from './volume-pairs.ts';
import { window1d } from './window.ts';
import { shiftVolume } from './volume-shift.ts';
import type { WindowKind } from './options.ts';
import type { CpuFft3d } from './volume-fft.ts';

/** 1/100 voxel; the grid has (1.5·U)³ points (3.4 M at U = 100), so larger U costs seconds per pair. */
export const MAX_VOLUME_UPSAMPLE_FACTOR = 100;

const PHASE_EPS2 = PHASE_EPS * PHASE_EPS;

/**
 * Cross-power spectrum P = F·conj(G) (or P/|P| with `phase`) of the packed spectrum z of a
 * [fz, fy, fx] volume (F, G from z and its mirror z[−k], as cross-power.ts), written into
 * out; returns Σ|F|² and Σ|G|².
 */
export function crossPower3d(z: Float32Array, fz: number, fy: number, fx: number, phase: boolean, out: Float32Array): { refPower: number; movPower: number } {
  let refPower = 0;
  let movPower = 0;
  for (let kz = 0; kz < fz; kz++) {
    const mz = (fz - kz) % fz;
    for (let ky = 0; ky < fy; ky++) {
      const ao = 2 * (kz * fy + ky) * fx;
      const bo = 2 * (mz * fy + ((fy - ky) % fy)) * fx;
      for (let kx = 0; kx < fx; kx++) {
        const a = ao + 2 * kx;
        const b = bo + 2 * ((fx - kx) % fx);
        const fRe = 0.5 * (z[a] + z[b]);
        const fIm = 0.5 * (z[a + 1] - z[b + 1]);
        const gRe = 0.5 * (z[a + 1] + z[b + 1]);
        const gIm = -0.5 * (z[a] - z[b]);
        const f2 = fRe * fRe + fIm * fIm;
        const g2 = gRe * gRe + gIm * gIm;
        refPower += f2;
        movPower += g2;
        let re = fRe * gRe + fIm * gIm;
        let im = fIm * gRe - fRe * gIm;
        if (phase) {
          const s = f2 > PHASE_EPS2 && g2 > PHASE_EPS2 ? 1 / Math.sqrt(f2 * g2) : 0;
          re *= s;
          im *= s;
        }
        out[a] = re;
        out[a + 1] = im;
      }
    }
  }
  return { refPower, movPower };
}

/** K_N(k, s0 + m_v/U) for the grid offsets m_v (rows v) and all k: interleaved [rows][n]. */
export function kernelTable(n: number, s0: number, offsets: ArrayLike<number>, u: number): Float64Array {
  const out = new Float64Array(2 * offsets.length * n);
  const t = [0, 0];
  for (let v = 0; v < offsets.length; v++)
    for (let k = 0; k < n; k++) {
      kernelAt(k, n, s0, offsets[v], u, t);
      out[2 * (v * n + k)] = t[0];
      out[2 * (v * n + k) + 1] = t[1];
    }
  return out;
}

/**
 * Re Σ_k P[k] Kz[vz][kz] Ky[vy][ky] Kx[vx][kx] for every (vz, vy, vx): the correlation on
 * the grid, [rz, ry, rx] row-major. Three matrix products, planes kz = 0..fz/2 only.
 */
export function correlationGrid(p: Float32Array, fz: number, fy: number, fx: number, kz: Float64Array, ky: Float64Array, kx: Float64Array): { grid: Float64Array; rz: number; ry: number; rx: number } {
  const rz = kz.length / (2 * fz);
  const ry = ky.length / (2 * fy);
  const rx = kx.length / (2 * fx);
  const planes = fz / 2 + 1;
  // Stage 1, over kx: a[kzi][ky][vx].
  const a = new Float64Array(2 * planes * fy * rx);
  for (let zi = 0; zi < planes; zi++)
    for (let y = 0; y < fy; y++) {
      const po = 2 * (zi * fy + y) * fx;
      const ao = 2 * (zi * fy + y) * rx;
      // Two grid columns per sweep of the row: each P value is loaded once for both.
      for (let v = 0; v < rx; v += 2) {
        const ko = 2 * v * fx;
        const k2 = v + 1 < rx ? ko + 2 * fx : ko;
        let re = 0;
        let im = 0;
        let re2 = 0;
        let im2 = 0;
        for (let j = 0; j < 2 * fx; j += 2) {
          const pr = p[po + j];
          const pi = p[po + j + 1];
          const cr = kx[ko + j];
          const ci = kx[ko + j + 1];
          const dr = kx[k2 + j];
          const di = kx[k2 + j + 1];
          re += pr * cr - pi * ci;
          im += pr * ci + pi * cr;
          re2 += pr * dr - pi * di;
          im2 += pr * di + pi * dr;
        }
        a[ao + 2 * v] = re;
        a[ao + 2 * v + 1] = im;
        if (v + 1 < rx) {
          a[ao + 2 * v + 2] = re2;
          a[ao + 2 * v + 3] = im2;
        }
      }
    }
  // Stage 2, over ky: b[kzi][vy][vx].
  const b = new Float64Array(2 * planes * ry * rx);
  for (let zi = 0; zi < planes; zi++)
    for (let vy = 0; vy < ry; vy++) {
      const bo = 2 * (zi * ry + vy) * rx;
      const ko = 2 * vy * fy;
      // Sums kept in registers, over y with stride 2·rx through the plane of a (L1/L2-sized).
      for (let j = 0; j < 2 * rx; j += 2) {
        let ao = 2 * zi * fy * rx + j;
        let re = 0;
        let im = 0;
        for (let y = 0; y < 2 * fy; y += 2, ao += 2 * rx) {
          const cr = ky[ko + y];
          const ci = ky[ko + y + 1];
          const ar = a[ao];
          const ai = a[ao + 1];
          re += ar * cr - ai * ci;
          im += ar * ci + ai * cr;
        }
        b[bo + j] = re;
        b[bo + j + 1] = im;
      }
    }
  // Stage 3, over kz (real part; planes 1..fz/2−1 stand for ±kz): grid[vz][vy][vx].
  const grid = new Float64Array(rz * ry * rx);
  const plane = ry * rx;
  for (let vz = 0; vz < rz; vz++) {
    const go = vz * plane;
    for (let zi = 0; zi < planes; zi++) {
      const w = zi === 0 || 2 * zi === fz ? 1 : 2;
      const cr = w * kz[2 * (vz * fz + zi)];
      const ci = w * kz[2 * (vz * fz + zi) + 1];
      const bo = 2 * zi * plane;
      for (let q = 0; q < plane; q++) grid[go + q] += b[bo + 2 * q] * cr - b[bo + 2 * q + 1] * ci;
    }
  }
  return { grid, rz, ry, rx };
}

export interface VolumePairResult {
  /** (dz, dy, dx) that moves the moving volume onto the reference. */
  shift: [number, number, number];
  error: number;
  peak: number;
}

export interface VolumeWork {
  fft: CpuFft3d;
  window: WindowKind;
  tukeyAlpha: number;
  /** Two complex FFT volumes: the packed spectrum and the cross-power / correlation. */
  spectrum: Float32Array;
  scratch: Float32Array;
}

/**
 * Pair i of the set: one pass with the same window on both volumes (scikit-image's method,
 * plus the taper), then up to `overlapPasses` passes with windows that follow the shift
 * found (volume-pairs.ts overlapWindow), until the shift changes by less than half a grid
 * step. Why: a window that stays put while the texture under it moves multiplies the
 * correlation by the window's own autocorrelation, which falls off from zero shift and pulls
 * the peak towards it. Measured on smooth random volumes (σ = 2 voxels) cropped to 40³,
 * 6 shifts up to ±5 voxels, U = 20, plain correlation, Tukey taper: max error 0.36 voxel
 * after the first pass (Hann 0.31), 0.049 after one overlap pass, 0.023 (the grid step is
 * 0.05) after two; 48³ crops: 0.032 after one, 0.023 after two (test/register-volume.test.ts).
 * Each pass costs a full correlation (two 3D FFTs and the grid).
 */
export function correlateVolumePair(set: VolumeSet, i: number, work: VolumeWork, upsampleFactor: number, phase: boolean, overlapPasses: number, checkpoint: () => void): VolumePairResult {
  const fixed = [set.nz, set.ny, set.nx].map((n) => window1d(work.window, n, work.tukeyAlpha)) as [Float64Array, Float64Array, Float64Array];
  let r = correlateOnce(set, i, work, { ref: fixed, mov: fixed }, upsampleFactor, phase, checkpoint);
  for (let pass = 0; pass < overlapPasses; pass++) {
    // An axis of 1–3 samples (a single slice, a thin slab) keeps its fixed window; any other
    // axis without overlap left ends the passes (nothing to follow).
    const axes = [set.nz, set.ny, set.nx].map((n, a) => (n < 4 ? { ref: fixed[a], mov: fixed[a] } : overlapWindow(work.window, work.tukeyAlpha, n, r.shift[a])));
    if (axes.some((w) => w === null)) break;
    const win: PairWindows = { ref: axes.map((w) => w!.ref) as PairWindows['ref'], mov: axes.map((w) => w!.mov) as PairWindows['mov'], ...jointMasks(set, r.shift) };
    const next = correlateOnce(set, i, work, win, upsampleFactor, phase, checkpoint);
    const change = Math.max(...next.shift.map((v, a) => Math.abs(v - r.shift[a])));
    r = next;
    if (change < 0.5 / upsampleFactor) break;
  }
  return r;
}

/**
 * Masks follow the shift as the windows do: a physical point counts in both volumes only
 * where both masks hold data there, so the reference gets refMask(p)·movMask(p − s) and the
 * moving volume movMask(x)·refMask(x + s) (trilinear, 0 outside). A mask that stays put on
 * one volume only biases the peak as a fixed window does (0.18 voxel in the mask test).
 */
function jointMasks(set: VolumeSet, s: readonly number[]): { refMask?: Float32Array; movMask?: Float32Array } {
  const { nz, ny, nx, refMask, movMask } = set;
  if (!refMask && !movMask) return {};
  const shape = [nz, ny, nx];
  const moved = (m: Float32Array, sign: number) => shiftVolume({ data: m, shape }, sign * s[0], sign * s[1], sign * s[2], { method: 'linear', fill: 0 }).data;
  const times = (a: Float32Array | undefined, b: Float32Array | undefined) => (a && b ? a.map((v, q) => v * b[q]) : (a ?? b));
  return { refMask: times(refMask, movMask && moved(movMask, 1)), movMask: times(movMask, refMask && moved(refMask, -1)) };
}

/**
 * One correlation of pair i under the given windows. error and peak as correlate.cpu.ts's
 * finishPair: error from the unnormalised correlation at the refined shift, peak = refined
 * value / voxels of the FFT volume (≈ 1 for identical volumes under 'phase').
 */
function correlateOnce(set: VolumeSet, i: number, work: VolumeWork, win: PairWindows, upsampleFactor: number, phase: boolean, checkpoint: () => void): VolumePairResult {
  const { fz, fy, fx } = set;
  const { spectrum: z, scratch: p, fft } = work;
  packVolumes(set, i, win, z);
  fft.transform(z, 'forward', { zeroFrom: set.nz, checkpoint });
  const powers = crossPower3d(z, fz, fy, fx, phase, p);
  fft.transform(p, 'inverse', { hermitian: true, checkpoint });
  const [row, col] = coarsePeak(p, fz * fy, fx);
  const s0 = [wrapShift(Math.floor(row / fy), fz), wrapShift(row % fy, fy), wrapShift(col, fx)];
  // The inverse FFT overwrote P: compute it again (cheaper than a third volume buffer).
  crossPower3d(z, fz, fy, fx, phase, p);
  checkpoint();
  const { regionSize: r, regionCenter: d } = upsampleGeometry(upsampleFactor);
  const offsets = Array.from({ length: r }, (_, v) => v - d);
  const { grid } = correlationGrid(p, fz, fy, fx, kernelTable(fz, s0[0], offsets, upsampleFactor), kernelTable(fy, s0[1], offsets, upsampleFactor), kernelTable(fx, s0[2], offsets, upsampleFactor));
  // Argmax of |CC|, first in row-major order on ties (numpy's argmax, as scikit-image).
  let best = -1;
  let at = 0;
  for (let q = 0; q < grid.length; q++) {
    const v = Math.abs(grid[q]);
    if (v > best) {
      best = v;
      at = q;
    }
  }
  const m = [Math.floor(at / (r * r)) - d, (Math.floor(at / r) % r) - d, (at % r) - d];
  let cc = grid[at];
  if (phase) {
    // The grid holds the phase-normalised correlation; the error needs the plain one there.
    checkpoint();
    crossPower3d(z, fz, fy, fx, false, p);
    cc = correlationGrid(p, fz, fy, fx, kernelTable(fz, s0[0], [m[0]], upsampleFactor), kernelTable(fy, s0[1], [m[1]], upsampleFactor), kernelTable(fx, s0[2], [m[2]], upsampleFactor)).grid[0];
  }
  const amp = powers.refPower * powers.movPower;
  return {
    shift: [s0[0] + m[0] / upsampleFactor, s0[1] + m[1] / upsampleFactor, s0[2] + m[2] / upsampleFactor],
    error: amp > 0 ? Math.sqrt(Math.abs(1 - (cc * cc) / amp)) : NaN,
    peak: grid[at] / (fz * fy * fx),
  };
}
