/**
 * Forward model of one scan: exit waves ψ = P(r − r_i)·O(r), far-field counts
 * |F{ψ}|² (F the unnormalised forward FFT, fftshift-centred), summed incoherently over
 * flight-scan sub-positions, then Poisson, saturation and mask (detector.ts).
 *
 * Positions are metres over the object grid (Grid2d: pixel (i, j) centre at origin + (i, j)·p);
 * the probe's centre pixel (N/2, N/2) sits on the position. Sub-pixel positions are
 * honoured by shifting the probe (Fourier shift, exact for this band-limited probe),
 * quantised to 1/`subpixelSteps` of a pixel (default 1/8: < 0.07 px error).
 */
import { complexArray, type ComplexArray } from '../core/arrays.ts';
import { wavelengthM } from '../core/frames.ts';
import { throwIfAborted } from '../core/progress.ts';
import { fft2dCpu } from '../fft/index.ts';
import { addFarField, countPhotons, type ForwardFft } from './detector.ts';
import type { Grid2d } from './render.ts';
import type { Rng } from './rng.ts';

/** O = exp(i·k·∫(−δ + iβ) dz) = exp(−k∫β dz)·exp(−i·k∫δ dz). */
export function objectTransmission(deltaIntegralM: Float32Array, betaIntegralM: Float32Array, energyEv: number, shape: [number, number]): ComplexArray {
  const k = (2 * Math.PI) / wavelengthM(energyEv);
  const out = complexArray(shape);
  for (let p = 0; p < deltaIntegralM.length; p++) {
    const amp = Math.exp(-k * betaIntegralM[p]);
    const ph = -k * deltaIntegralM[p];
    out.data[2 * p] = amp * Math.cos(ph);
    out.data[2 * p + 1] = amp * Math.sin(ph);
  }
  return out;
}

/** The probe and its sub-pixel shifted copies (made on demand; recent ones kept, ≤ 8 MiB). */
export class ProbeBank {
  private readonly cacheSize: number;
  readonly n: number;
  private readonly spectrum: Float32Array;
  private readonly cache = new Map<number, Float32Array>();

  constructor(
    readonly probe: ComplexArray,
    readonly subpixelSteps = 8,
  ) {
    this.n = probe.shape[0];
    this.cacheSize = Math.max(4, Math.min(subpixelSteps * subpixelSteps, Math.floor((8 * 2 ** 20) / (8 * this.n * this.n))));
    this.spectrum = Float32Array.from(probe.data);
    fft2dCpu(this.spectrum, 1, this.n, this.n, 'forward');
  }

  /** Probe moved by (qx, qy)/subpixelSteps pixels towards +x/+y. */
  shifted(qx: number, qy: number): Float32Array {
    const key = qy * this.subpixelSteps + qx;
    let p = this.cache.get(key);
    if (p) {
      this.cache.delete(key); // keep recently used ones last (LRU order)
      this.cache.set(key, p);
      return p;
    }
    if (qx === 0 && qy === 0) p = this.probe.data;
    else {
      const n = this.n;
      const sx = qx / this.subpixelSteps;
      const sy = qy / this.subpixelSteps;
      p = new Float32Array(this.spectrum.length);
      // Separable phase ramp exp(−2πi(kx·sx + ky·sy)/n).
      const ramp = (s: number) => {
        const r = new Float64Array(2 * n);
        for (let i = 0; i < n; i++) {
          const k = i < n / 2 ? i : i - n;
          r[2 * i] = Math.cos((-2 * Math.PI * k * s) / n);
          r[2 * i + 1] = Math.sin((-2 * Math.PI * k * s) / n);
        }
        return r;
      };
      const rx = ramp(sx);
      const ry = ramp(sy);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          const cr = ry[2 * r] * rx[2 * c] - ry[2 * r + 1] * rx[2 * c + 1];
          const ci = ry[2 * r] * rx[2 * c + 1] + ry[2 * r + 1] * rx[2 * c];
          const i = 2 * (r * n + c);
          const [re, im] = [this.spectrum[i], this.spectrum[i + 1]];
          p[i] = re * cr - im * ci;
          p[i + 1] = re * ci + im * cr;
        }
      }
      fft2dCpu(p, 1, n, n, 'inverse');
    }
    this.cache.set(key, p);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return p;
  }
}

/** Writes ψ = scale·P_shifted·O_patch for a probe centred at (xM, yM) into `out` at float offset `o`. */
export function exitWave(object: ComplexArray, grid: Grid2d, bank: ProbeBank, xM: number, yM: number, scale: number, out: Float32Array, o: number): void {
  const n = bank.n;
  const q = bank.subpixelSteps;
  const fx = (xM - grid.originM[0]) / grid.pixelM - n / 2;
  const fy = (yM - grid.originM[1]) / grid.pixelM - n / 2;
  let ix = Math.floor(fx);
  let iy = Math.floor(fy);
  let qx = Math.round((fx - ix) * q);
  let qy = Math.round((fy - iy) * q);
  if (qx === q) [ix, qx] = [ix + 1, 0];
  if (qy === q) [iy, qy] = [iy + 1, 0];
  const p = bank.shifted(qx, qy);
  const w = grid.nx;
  const od = object.data;
  for (let r = 0; r < n; r++) {
    const row = iy + r;
    for (let c = 0; c < n; c++) {
      const col = ix + c;
      const pi = 2 * (r * n + c);
      const oi = o + pi;
      const pr = p[pi] * scale;
      const pim = p[pi + 1] * scale;
      if (row < 0 || row >= grid.ny || col < 0 || col >= w) {
        out[oi] = pr; // outside the rendered object: free space, O = 1
        out[oi + 1] = pim;
        continue;
      }
      const k = 2 * (row * w + col);
      const or = od[k];
      const oim = od[k + 1];
      out[oi] = pr * or - pim * oim;
      out[oi + 1] = pr * oim + pim * or;
    }
  }
}

export interface ScanJob {
  object: ComplexArray;
  grid: Grid2d;
  bank: ProbeBank;
  /** Actual probe positions (m, x/y pairs): nominal + errors. */
  positionsM: Float64Array;
  /** x offsets of flight-scan sub-positions (m); [0] without blur. */
  flightOffsetsM: number[];
  mask: Uint8Array;
  saturationCounts: number;
  /** Poisson stream of this scan. */
  rng: Rng;
  /** Expected (noise-free) intensities instead of counts (tests). */
  noiseFree?: boolean;
}

export interface FrameBlock {
  start: number;
  count: number;
  /** Counts (or float intensities when noiseFree) [count, N, N]. */
  frames: Uint16Array | Uint32Array | Float32Array;
  saturated: number;
  total: number;
}

/** Simulates the scan's frames in blocks of `blockFrames` (bounded memory). */
export async function* scanFrames(job: ScanJob, opts: { blockFrames?: number; fft?: ForwardFft; signal?: AbortSignal } = {}): AsyncGenerator<FrameBlock> {
  const n = job.bank.n;
  const nPos = job.positionsM.length / 2;
  const block = Math.max(1, Math.min(opts.blockFrames ?? 64, nPos));
  const fft: ForwardFft = opts.fft ?? ((data, batch) => fft2dCpu(data, batch, n, n, 'forward'));
  const subs = job.flightOffsetsM;
  const scale = 1 / Math.sqrt(subs.length); // each sub-position gets 1/M of the photons
  const waves = new Float32Array(2 * block * n * n);
  for (let start = 0; start < nPos; start += block) {
    throwIfAborted(opts.signal);
    const count = Math.min(block, nPos - start);
    const intensity = new Float32Array(count * n * n);
    for (const off of subs) {
      for (let b = 0; b < count; b++) {
        const i = start + b;
        exitWave(job.object, job.grid, job.bank, job.positionsM[2 * i] + off, job.positionsM[2 * i + 1], scale, waves, 2 * b * n * n);
      }
      await addFarField(waves.subarray(0, 2 * count * n * n), count, n, fft, intensity);
    }
    if (job.noiseFree) {
      let total = 0;
      for (let i = 0; i < intensity.length; i++) if (job.mask[i % job.mask.length]) total += intensity[i];
      yield { start, count, frames: intensity, saturated: 0, total };
    } else {
      const c = countPhotons(intensity, job.mask, job.saturationCounts, job.rng);
      yield { start, count, frames: c.counts, saturated: c.saturated, total: c.total };
    }
  }
}
