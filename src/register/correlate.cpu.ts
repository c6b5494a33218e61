/**
 * CPU path of registerPairs on one thread: the same steps and formulas as the GPU kernels
 * (pack → FFT → cross-power → inverse FFT → coarse peak → upsampled DFT around it → error
 * at the refined shift), in float64 after the float32 FFTs. Two savings the GPU does not
 * need: two pairs share one inverse FFT (their correlations are real, so one goes in the
 * real part and one in the imaginary part), and the two matrix products of the refinement
 * are evaluated as chirp-z transforms (same values, fewer operations; see chirp-z.ts).
 */
import { CpuFft2d } from '../fft/index.ts';
import { throwIfAborted } from '../core/progress.ts';
import type { ResolvedCorrelationOptions } from './options.ts';
import { packImage, packPair, type PairSet } from './pairs.ts';
import { PHASE_EPS2, correlationAt, crossPowerSpectrum } from './cross-power.ts';
import { kernelAt, upsampleGeometry, wrapShift, type UpsampleGeometry } from './upsampled-dft.ts';
import { ChirpZ } from './chirp-z.ts';
import { window2d } from './window.ts';
import { LocalPeakSearch, parabolaVertex, type GridPeak } from './peak-search.ts';

export interface PairResults {
  /** [n, 2]: (dy, dx) that moves each moving image onto its reference. */
  shifts: Float64Array;
  errors: Float64Array;
  peaks: Float64Array;
}

/** Raw per-pair numbers both paths produce; turned into PairResults by finishPair. */
export interface PairRaw {
  s0r: number;
  s0c: number;
  /** Refined grid offsets: shift = s0 + m/U. */
  mr: number;
  mc: number;
  /** Refined correlation value (of the chosen normalisation), unscaled sum. */
  peakSum: number;
  /** Σ|F|², Σ|G|² and the unnormalised correlation Σ F·conj(G)·K at the refined shift. */
  refPower: number;
  movPower: number;
  ccAtShift: number;
}

/**
 * error = sqrt(|1 − CC(s)² / (Σ|F|² Σ|G|²)|): scikit-image's translation-invariant error,
 * always from the unnormalised correlation CC at the refined shift (scikit-image mixes the
 * phase-normalised peak with unnormalised powers in 'phase' mode, which is not an error
 * measure). 0 = identical up to the shift, 1 = uncorrelated; NaN for a flat image.
 * peak = refined correlation / (H·W): the value the inverse FFT would hold there (≈1 for
 * identical images under 'phase').
 */
export function finishPair(raw: PairRaw, u: number, fftH: number, fftW: number, out: PairResults, i: number): void {
  out.shifts[2 * i] = raw.s0r + raw.mr / u;
  out.shifts[2 * i + 1] = raw.s0c + raw.mc / u;
  const amp = raw.refPower * raw.movPower;
  out.errors[i] = amp > 0 ? Math.sqrt(Math.abs(1 - (raw.ccAtShift * raw.ccAtShift) / amp)) : NaN;
  out.peaks[i] = raw.peakSum / (fftH * fftW);
}

export function correlatePairsCpu(set: PairSet, opts: ResolvedCorrelationOptions, signal?: AbortSignal, onPair?: (done: number) => void): PairResults {
  const n = set.n;
  const out: PairResults = { shifts: new Float64Array(2 * n), errors: new Float64Array(n), peaks: new Float64Array(n) };
  const c = new PairCorrelator(set, opts);
  for (let i = 0; i < n; i += 2) {
    throwIfAborted(signal);
    c.correlate(set, i, Math.min(2, n - i), out);
    onPair?.(Math.min(n, i + 2));
  }
  return out;
}

/**
 * The per-thread state of the CPU path (FFT plan, window, refinement scratch) for one frame
 * size and options; correlate() does one or two pairs (two share one inverse FFT).
 * Worker threads hold one each (correlate.threads.ts).
 */
export class PairCorrelator {
  private readonly plan: CpuFft2d;
  private readonly win: Float32Array;
  private readonly work: RefineWork;
  private readonly search: LocalPeakSearch | null;
  private readonly z: Float32Array[];
  private readonly p: Float32Array[];
  private readonly x: Float32Array;
  /** The shared reference's spectrum, and the arrays it was computed from. */
  private refSpec: Float32Array | null = null;
  private refOf: Float32Array | null = null;
  private refMaskOf: Float32Array | undefined = undefined;

  constructor(
    dims: { h: number; w: number; fftH: number; fftW: number },
    private readonly opts: ResolvedCorrelationOptions,
  ) {
    const { fftH: hh, fftW: ww } = dims;
    this.plan = new CpuFft2d(hh, ww);
    this.win = window2d(opts.window, dims.h, dims.w, opts.tukeyAlpha);
    const geometry = upsampleGeometry(opts.upsampleFactor);
    this.work = new RefineWork(hh, ww, geometry);
    // U = 1 has a one-point grid: nothing to search.
    this.search = opts.upsampleFactor > 1 && opts.localSearch !== false ? new LocalPeakSearch(hh, ww, geometry) : null;
    const frame = 2 * hh * ww;
    this.z = [new Float32Array(frame), new Float32Array(frame)];
    this.p = [new Float32Array(frame), new Float32Array(frame)];
    this.x = new Float32Array(frame);
  }

  /**
   * One reference for all pairs: its spectrum F once per set, then the two moving images in
   * one FFT, Z = G₀ + i·G₁, and in one pass over half the spectrum (the rest by Hermitian
   * symmetry: both images are real) for each pair the packed spectrum F + i·G_q that
   * packPair's frame would have given (the FFT is linear, so everything downstream is
   * unchanged), the cross-power P_q, the powers, and x = P₀ + i·P₁ for the shared inverse FFT.
   * One forward FFT per two pairs instead of two, and one elementwise pass instead of four.
   */
  private sharedReferenceSpectra(set: PairSet, i: number, count: number, phase: boolean): { refPower: number; movPower: number }[] {
    const { plan, win, z, p } = this;
    const { fftH: hh, fftW: ww } = set;
    if (this.refOf !== set.ref || this.refMaskOf !== set.refMask) {
      this.refSpec ??= new Float32Array(2 * hh * ww);
      this.refSpec.fill(0);
      packImage(set, 'reference', 0, win, this.refSpec, 0);
      plan.transform(this.refSpec, 'forward');
      this.refOf = set.ref;
      this.refMaskOf = set.refMask;
    }
    const f = this.refSpec!;
    const m = this.x; // in: the moving pair's spectrum; out: P₀ + i·P₁ (each a, b read before written)
    packImage(set, 'moving', i, win, m, 0);
    if (count === 2) packImage(set, 'moving', i + 1, win, m, 1);
    else for (let k = 1; k < m.length; k += 2) m[k] = 0;
    plan.transform(m, 'forward');
    const [z0, z1] = z;
    const [p0, p1] = p;
    const two = count === 2;
    let refPower = 0;
    let mov0 = 0;
    let mov1 = 0;
    for (let kr = 0; kr <= hh / 2; kr++) {
      const ao = 2 * kr * ww;
      const bo = 2 * ((hh - kr) % hh) * ww;
      // Rows 0 and H/2 are their own mirror: their first half (to W/2) covers them.
      const last = kr === 0 || 2 * kr === hh ? ww / 2 : ww - 1;
      for (let kc = 0; kc <= last; kc++) {
        const a = ao + 2 * kc;
        const b = kc === 0 ? bo : bo + 2 * (ww - kc);
        const weight = a === b ? 1 : 2;
        const fr = f[a];
        const fi = f[a + 1];
        const mar = m[a], mai = m[a + 1], mbr = m[b], mbi = m[b + 1];
        // G₀ = (Z[k] + conj Z[−k]) / 2, G₁ = (Z[k] − conj Z[−k]) / (2i)
        const g0r = 0.5 * (mar + mbr);
        const g0i = 0.5 * (mai - mbi);
        const f2 = fr * fr + fi * fi;
        refPower += weight * f2;
        // F + i·G at k, and its conjugate at −k.
        z0[a] = fr - g0i;
        z0[a + 1] = fi + g0r;
        z0[b] = fr + g0i;
        z0[b + 1] = g0r - fi;
        const g02 = g0r * g0r + g0i * g0i;
        mov0 += weight * g02;
        let q0r = fr * g0r + fi * g0i;
        let q0i = fi * g0r - fr * g0i;
        if (phase) {
          const s0 = f2 > PHASE_EPS2 && g02 > PHASE_EPS2 ? 1 / Math.sqrt(f2 * g02) : 0;
          q0r *= s0;
          q0i *= s0;
        }
        p0[a] = q0r;
        p0[a + 1] = q0i;
        p0[b] = q0r;
        p0[b + 1] = -q0i;
        let q1r = 0;
        let q1i = 0;
        if (two) {
          const g1r = 0.5 * (mai + mbi);
          const g1i = -0.5 * (mar - mbr);
          z1[a] = fr - g1i;
          z1[a + 1] = fi + g1r;
          z1[b] = fr + g1i;
          z1[b + 1] = g1r - fi;
          const g12 = g1r * g1r + g1i * g1i;
          mov1 += weight * g12;
          q1r = fr * g1r + fi * g1i;
          q1i = fi * g1r - fr * g1i;
          if (phase) {
            const s1 = f2 > PHASE_EPS2 && g12 > PHASE_EPS2 ? 1 / Math.sqrt(f2 * g12) : 0;
            q1r *= s1;
            q1i *= s1;
          }
          p1[a] = q1r;
          p1[a + 1] = q1i;
          p1[b] = q1r;
          p1[b + 1] = -q1i;
        }
        // x = P₀ + i·P₁ at k; at −k, conj(P₀) + i·conj(P₁).
        m[a] = q0r - q1i;
        m[a + 1] = q0i + q1r;
        m[b] = q0r + q1i;
        m[b + 1] = q1r - q0i;
      }
    }
    const powers = [{ refPower, movPower: mov0 }];
    if (two) powers.push({ refPower, movPower: mov1 });
    return powers;
  }

  /** Pairs i .. i+count−1 (count 1 or 2) of `set` into `out`. */
  correlate(set: PairSet, i: number, count: number, out: PairResults): void {
    const { plan, win, work, search, z, p, x } = this;
    const { fftH: hh, fftW: ww } = set;
    const frame = 2 * hh * ww;
    const phase = this.opts.normalization === 'phase';
    let powers: { refPower: number; movPower: number }[];
    if (set.refCount === 1 && set.refMaskCount <= 1) {
      powers = this.sharedReferenceSpectra(set, i, count, phase);
    } else {
      powers = [];
      for (let q = 0; q < count; q++) {
        packPair(set, i + q, win, z[q]);
        plan.transform(z[q], 'forward');
        powers.push(crossPowerSpectrum(z[q], hh, ww, phase, p[q]));
      }
      // x = P0 + i·P1: both correlations are real, so one inverse FFT serves two pairs.
      const p0 = p[0];
      const p1 = p[1];
      if (count === 2) {
        for (let k = 0; k < frame; k += 2) {
          x[k] = p0[k] - p1[k + 1];
          x[k + 1] = p0[k + 1] + p1[k];
        }
      } else {
        x.set(p0);
      }
    }
    plan.transform(x, 'inverse');
    for (let q = 0; q < count; q++) {
      const [r0, c0] = coarsePeak(x, hh, ww, q);
      const s0r = wrapShift(r0, hh);
      const s0c = wrapShift(c0, ww);
      // Local search from a parabola through the coarse samples; the whole grid when it declines.
      let local: GridPeak | null = null;
      if (search) {
        const at = (r: number, c: number) => x[2 * ((((r + hh) % hh) * ww) + ((c + ww) % ww)) + q];
        const startR = parabolaVertex(at(r0 - 1, c0), at(r0, c0), at(r0 + 1, c0));
        const startC = parabolaVertex(at(r0, c0 - 1), at(r0, c0), at(r0, c0 + 1));
        local = search.find(p[q], s0r, s0c, startR, startC, at(r0, c0) * hh * ww);
      }
      const raw = work.refine(p[q], z[q], s0r, s0c, phase, powers[q], local);
      finishPair(raw, this.opts.upsampleFactor, hh, ww, out, i + q);
    }
  }
}

/** Index (row, col) of max |x| over part `part` (0 = re, 1 = im); the first one on ties (numpy's argmax). */
export function coarsePeak(x: Float32Array, h: number, w: number, part = 0): [number, number] {
  let best = -1;
  let at = 0;
  for (let i = 0; i < h * w; i++) {
    const v = Math.abs(x[2 * i + part]);
    if (v > best) {
      best = v;
      at = i;
    }
  }
  return [Math.floor(at / w), at % w];
}

/**
 * Scratch for the refinement, reused across pairs. Stage 1: per row k = 0..H/2 of the
 * cross-power, the zoomed DFT over columns; stage 2: per grid column, over rows (real part).
 */
class RefineWork {
  private readonly stage1: ChirpZ;
  private readonly stage2: ChirpZ;
  private readonly line: Float64Array;
  private readonly lineOut: Float64Array;
  /** C[v][k] (interleaved), k = 0..H/2: B[k] · Σ_l P[k,l] A[l] Kc[v,l], the input of stage 2. */
  private readonly cols: Float64Array;
  private readonly colOut: Float64Array;
  private readonly grid: Float64Array;
  private readonly nyqSin: Float64Array;
  private readonly nyqCos: Float64Array;
  private readonly aRe: Float64Array;
  private readonly aIm: Float64Array;
  private readonly bRe: Float64Array;
  private readonly bIm: Float64Array;
  private readonly t = new Float64Array(2);

  constructor(
    private readonly height: number,
    private readonly width: number,
    private readonly geometry: UpsampleGeometry,
  ) {
    const { upsampleFactor: u, regionSize: r, regionCenter: d } = geometry;
    const kh = height / 2 + 1;
    // Input index j ↔ frequency j − N/2 (j = 0 is the Nyquist column / row).
    this.stage1 = new ChirpZ(width, r, -width / 2, -d, u * width);
    this.stage2 = height === width ? this.stage1 : new ChirpZ(height, r, -height / 2, -d, u * height);
    this.line = new Float64Array(2 * Math.max(width, height));
    this.lineOut = new Float64Array(2 * r);
    this.cols = new Float64Array(2 * r * kh);
    this.colOut = new Float64Array(2 * r);
    this.grid = new Float64Array(r * r);
    // The CZT gives the Nyquist column exp(−iπδ); the Hermitian kernel wants cos(πδ): add i·sin(πδ).
    this.nyqSin = Float64Array.from({ length: r }, (_, v) => Math.sin((Math.PI * (v - d)) / u));
    this.nyqCos = Float64Array.from({ length: r }, (_, v) => Math.cos((Math.PI * (v - d)) / u));
    this.aRe = new Float64Array(width);
    this.aIm = new Float64Array(width);
    this.bRe = new Float64Array(height);
    this.bIm = new Float64Array(height);
  }

  /** Per-pair separable phases K_W(l, s0c + mc/U) into a, K_H(k, s0r + mr/U) into b. */
  private phases(s0r: number, s0c: number, mr: number, mc: number): void {
    const { height: hh, width: ww, aRe, aIm, bRe, bIm, t } = this;
    const u = this.geometry.upsampleFactor;
    for (let l = 0; l < ww; l++) {
      kernelAt(l, ww, s0c, mc, u, t);
      aRe[l] = t[0];
      aIm[l] = t[1];
    }
    for (let k = 0; k < hh; k++) {
      kernelAt(k, hh, s0r, mr, u, t);
      bRe[k] = t[0];
      bIm[k] = t[1];
    }
  }

  /** p: the (normalised) cross-power spectrum, H×W interleaved; z: the packed spectrum. */
  refine(p: Float32Array, z: Float32Array, s0r: number, s0c: number, phase: boolean, powers: { refPower: number; movPower: number }, local: GridPeak | null = null): PairRaw {
    if (local) return this.finish(z, s0r, s0c, local.mr, local.mc, local.value, phase, powers);
    const { height: hh, width: ww, line, lineOut, cols, colOut, grid, nyqSin, nyqCos, aRe, aIm, bRe, bIm } = this;
    const { regionSize: r, regionCenter: d } = this.geometry;
    const kh = hh / 2 + 1;
    const half = hh / 2;
    this.phases(s0r, s0c, 0, 0);
    for (let k = 0; k < kh; k++) {
      const ro = 2 * k * ww;
      for (let j = 0; j < ww; j++) {
        const l = (j + ww / 2) % ww;
        const pr = p[ro + 2 * l];
        const pi = p[ro + 2 * l + 1];
        line[2 * j] = pr * aRe[l] - pi * aIm[l];
        line[2 * j + 1] = pr * aIm[l] + pi * aRe[l];
      }
      this.stage1.transform(line, lineOut);
      const br = bRe[k];
      const bi = bIm[k];
      for (let v = 0; v < r; v++) {
        const xr = lineOut[2 * v] - line[1] * nyqSin[v];
        const xi = lineOut[2 * v + 1] + line[0] * nyqSin[v];
        const o = 2 * (v * kh + k);
        cols[o] = xr * br - xi * bi;
        // The Nyquist row is real in exact arithmetic (its kernel is cos): keep only that part.
        cols[o + 1] = k === half ? 0 : xr * bi + xi * br;
      }
    }
    // Stage 2 over the full Hermitian column (rows −k hold conj(C[k])), so the output is real
    // and two grid columns v, w share one transform: CZT(C_v + i·C_w) = CC_v + i·CC_w. The
    // Nyquist row (real, kernel cos) goes in as half at −H/2 plus half·exp(+iπδ) added after.
    for (let v = 0; v < r; v += 2) {
      const w = v + 1;
      const ov = 2 * v * kh;
      const ow = w < r ? 2 * w * kh : -1;
      for (let k = 0; k < half; k++) {
        const ar = cols[ov + 2 * k];
        const ai = cols[ov + 2 * k + 1];
        const br2 = ow >= 0 ? cols[ow + 2 * k] : 0;
        const bi2 = ow >= 0 ? cols[ow + 2 * k + 1] : 0;
        line[2 * (half + k)] = ar - bi2;
        line[2 * (half + k) + 1] = ai + br2;
        if (k > 0) {
          line[2 * (half - k)] = ar + bi2;
          line[2 * (half - k) + 1] = br2 - ai;
        }
      }
      const nv = 0.5 * cols[ov + 2 * half];
      const nw = ow >= 0 ? 0.5 * cols[ow + 2 * half] : 0;
      line[0] = nv;
      line[1] = nw;
      this.stage2.transform(line, colOut);
      for (let uu = 0; uu < r; uu++) {
        grid[uu * r + v] = colOut[2 * uu] + nv * nyqCos[uu] - nw * nyqSin[uu];
        if (w < r) grid[uu * r + w] = colOut[2 * uu + 1] + nv * nyqSin[uu] + nw * nyqCos[uu];
      }
    }
    // Argmax of |CC| over the grid, first in row-major order on ties.
    let best = -1;
    let at = 0;
    for (let i = 0; i < r * r; i++) {
      const a = Math.abs(grid[i]);
      if (a > best) {
        best = a;
        at = i;
      }
    }
    return this.finish(z, s0r, s0c, Math.floor(at / r) - d, (at % r) - d, grid[at], phase, powers);
  }

  private finish(z: Float32Array, s0r: number, s0c: number, mr: number, mc: number, peakSum: number, phase: boolean, powers: { refPower: number; movPower: number }): PairRaw {
    let ccAtShift = peakSum;
    if (phase) {
      // The grid holds the phase-normalised correlation; the error needs the plain one there.
      this.phases(s0r, s0c, mr, mc);
      ccAtShift = correlationAt(z, this.height, this.width, this.bRe, this.bIm, this.aRe, this.aIm);
    }
    return { s0r, s0c, mr, mc, peakSum, refPower: powers.refPower, movPower: powers.movPower, ccAtShift };
  }
}
