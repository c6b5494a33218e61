/**
 * Filtered back projection (`fbp`): each projection row is filtered by a ramp |f| with an
 * optional window, zero-padded to a power of two ≥ 2·cols (no wrap-around between the
 * ends of a row), then back-projected (GPU or CPU, as backProject) and weighted by each
 * angle's share of the half turn. The ramp is the band-limited one of Kak & Slaney
 * (h[0] = 1/4, h[odd n] = −1/(πn)², transformed), as scikit-image's `iradon` uses, so the
 * mean (DC) is not lost to sampling. Windows as scikit-image names them.
 *
 * Used alone as a fast reconstruction and as SIRT's optional start. The filter runs on the
 * CPU in every case (rows·cols·log cols, small beside the back projection's
 * rows·nx·ny·angles).
 */
import FFT from 'fft.js';
import { PtyxanesError } from '../core/errors.ts';
import type { RealArray } from '../core/arrays.ts';
import type { TomoGeometry } from './geometry.ts';
import { geometryForProjections, type TomoOptions } from './options.ts';
import { backWith } from './project.ts';
import { resolveBackend } from '../gpu/backend.ts';

export type FbpFilter = 'ramp' | 'shepp-logan' | 'cosine' | 'hamming' | 'hann';
export const FBP_FILTERS: readonly FbpFilter[] = ['ramp', 'shepp-logan', 'cosine', 'hamming', 'hann'];

export interface FbpOptions extends TomoOptions {
  /** Default 'ramp' (sharpest; 'shepp-logan' or 'hann' for noisy data). */
  filter?: FbpFilter;
}

/** Frequency response (length P, FFT order) of the windowed band-limited ramp. */
export function rampFilter(P: number, filter: FbpFilter = 'ramp'): Float64Array {
  if (!FBP_FILTERS.includes(filter)) throw new PtyxanesError('unknown FBP filter', { field: 'filter', expected: FBP_FILTERS.join(', '), found: String(filter) });
  const h = new Float64Array(2 * P);
  h[0] = 0.25;
  for (let n = 1; n <= P / 2; n += 2) {
    const v = -1 / (Math.PI * n) ** 2;
    h[2 * n] = v;
    if (n !== P - n) h[2 * (P - n)] = v;
  }
  const out = new Float64Array(2 * P);
  new FFT(P).transform(out, h);
  const H = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    const f = k < P / 2 ? k / P : (k - P) / P;
    let w = 1;
    if (filter === 'shepp-logan') w = f === 0 ? 1 : Math.sin(Math.PI * f) / (Math.PI * f);
    else if (filter === 'cosine') w = Math.cos(Math.PI * f);
    else if (filter === 'hamming') w = 0.54 + 0.46 * Math.cos(2 * Math.PI * f);
    else if (filter === 'hann') w = 0.5 + 0.5 * Math.cos(2 * Math.PI * f);
    H[k] = out[2 * k] * w;
  }
  return H;
}

/**
 * Weight of each angle: half the gap to its neighbours on the half circle (angles taken
 * modulo 180°), so uneven or partial sampling is weighted by the arc each angle stands for;
 * π/nAngles for evenly spaced angles over 180°.
 */
export function angleWeights(anglesDeg: Float64Array): Float64Array {
  const n = anglesDeg.length;
  const w = new Float64Array(n);
  if (n === 1) return w.fill(Math.PI);
  const m = Array.from(anglesDeg, (a, i) => ({ a: ((a % 180) + 180) % 180, i })).sort((p, q) => p.a - q.a);
  for (let k = 0; k < n; k++) {
    const prev = k > 0 ? m[k - 1].a : m[n - 1].a - 180;
    const next = k < n - 1 ? m[k + 1].a : m[0].a + 180;
    w[m[k].i] = (((next - prev) / 2) * Math.PI) / 180;
  }
  return w;
}

/** Filtered (and angle-weighted) projections for a checked geometry. */
export function filterProjections(g: TomoGeometry, proj: Float32Array, filter: FbpFilter = 'ramp'): Float32Array {
  let P = 64;
  while (P < 2 * g.cols) P *= 2;
  const H = rampFilter(P, filter);
  const weights = angleWeights(g.anglesDeg);
  const fft = new FFT(P);
  const line = new Float64Array(2 * P);
  const spec = new Float64Array(2 * P);
  const out = new Float32Array(proj.length);
  for (let a = 0; a < g.nAngles; a++) {
    const w = weights[a] / P;
    for (let z = 0; z < g.rows; z++) {
      const off = (a * g.rows + z) * g.cols;
      line.fill(0);
      for (let u = 0; u < g.cols; u++) line[2 * u] = proj[off + u];
      fft.transform(spec, line);
      // Inverse by the forward transform of the conjugate: H is real and even.
      for (let k = 0; k < P; k++) {
        spec[2 * k] *= H[k];
        spec[2 * k + 1] *= -H[k];
      }
      fft.transform(line, spec);
      for (let u = 0; u < g.cols; u++) out[off + u] = line[2 * u] * w;
    }
  }
  return out;
}

export interface FbpResult {
  volume: RealArray;
  backend: 'gpu' | 'cpu';
  seconds: number;
}

export async function fbp(projections: RealArray, anglesDeg: ArrayLike<number>, opts: FbpOptions = {}): Promise<FbpResult> {
  const t0 = performance.now();
  const g = geometryForProjections(projections, anglesDeg, opts);
  const backend = await resolveBackend(opts.backend ?? 'auto', opts.ctx);
  const data = await fbpWith(g, projections.data, { ...opts, backend: backend.kind, ctx: backend.kind === 'gpu' ? backend.ctx : undefined });
  return { volume: { data, shape: [g.rows, g.ny, g.nx] }, backend: backend.kind, seconds: (performance.now() - t0) / 1000 };
}

/** FBP volume [rows, ny, nx] for a checked geometry (alignment starts its levels with it). */
export function fbpWith(g: TomoGeometry, proj: Float32Array, opts: FbpOptions): Promise<Float32Array> {
  return backWith(g, filterProjections(g, proj, opts.filter ?? 'ramp'), opts);
}
