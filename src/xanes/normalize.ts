/**
 * XANES normalisation with a pre-edge line and a post-edge line (or quadratic):
 *   μ_norm(E) = (μ(E) − pre(E)) / S,   S = post(E_s) − pre(E_s)
 * with E_s the normalisation energy (default the mean post-edge energy, see grid.ts).
 *
 * The edge step reported per pixel and used for the mask is the edge jump
 *   J = mean μ(post-edge energies) − mean μ(pre-edge energies),
 * not S: on the paper's grid the pre-edge line comes from 3 points over 30 eV, and
 * extrapolating it 110 eV to E_s multiplies the noise by ~6 (σ_S ≈ 5.9σ against σ_J ≈ 0.9σ),
 * which let noise-only pixels through a 10 % threshold. S only scales the normalised
 * spectrum (the half-maximum edge does not depend on it); S ≤ 0 is masked as well.
 *
 * Every pixel shares the
 * energies, so each least-squares fit is a fixed linear combination of the μ values at the
 * range energies: the weights are computed once per grid and the per-pixel work is a few
 * multiply-adds. The same weights drive the CPU path and the GPU kernel.
 */
import type { RealArray } from '../core/arrays.ts';
import { product } from '../core/arrays.ts';
import { check } from '../core/errors.ts';
import { resolveGrid, type EnergyGrid, type GridOptions } from './grid.ts';
import { XanesStatus } from './status.ts';

export interface NormWeights {
  nE: number;
  preIdx: Int32Array;
  postIdx: Int32Array;
  /** pre(E) = a + b·t(E), a = Σ wa·μ_pre, b = Σ wb·μ_pre, t = (E − E_s)/100 eV. */
  wa: Float64Array;
  wb: Float64Array;
  /** t(E) for every energy. */
  t: Float64Array;
  /** post(E_s) = Σ wPost·μ_post. */
  wPost: Float64Array;
}

/** Edge jump J = mean μ(post) − mean μ(pre) of one spectrum (see the module comment). */
export function edgeJump(w: NormWeights, mu: ArrayLike<number>, offset: number, stride: number): number {
  let pre = 0;
  let post = 0;
  for (let k = 0; k < w.preIdx.length; k++) pre += mu[offset + w.preIdx[k] * stride];
  for (let k = 0; k < w.postIdx.length; k++) post += mu[offset + w.postIdx[k] * stride];
  return post / w.postIdx.length - pre / w.preIdx.length;
}

/** Least-squares weights: row r of (XᵀX)⁻¹Xᵀ for polynomial degree `deg` at abscissae t. */
function lsqWeights(t: number[], deg: number): number[][] {
  const k = deg + 1;
  const xtx = Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, c) => t.reduce((s, v) => s + v ** (r + c), 0)));
  const inv = invertSmall(xtx);
  return inv.map((row) => t.map((v) => row.reduce((s, m, c) => s + m * v ** c, 0)));
}

function invertSmall(a: number[][]): number[][] {
  const k = a.length;
  const m = a.map((row, r) => [...row, ...Array.from({ length: k }, (_, c) => (c === r ? 1 : 0))]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * k; j++) m[c][j] /= d;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * k; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(k));
}

export function normWeights(grid: EnergyGrid): NormWeights {
  const es = grid.edgeStepEnergyEv;
  const t = Float64Array.from(grid.energyEv, (e) => (e - es) / 100);
  const tPre = grid.preIdx.map((i) => t[i]);
  const [wa, wb] = lsqWeights(tPre, 1);
  const tPost = grid.postIdx.map((i) => t[i]);
  // post(E_s) is the intercept (t = 0) of the post-edge polynomial.
  const [wPost] = lsqWeights(tPost, grid.postEdgeDegree);
  return {
    nE: grid.energyEv.length,
    preIdx: Int32Array.from(grid.preIdx),
    postIdx: Int32Array.from(grid.postIdx),
    wa: Float64Array.from(wa),
    wb: Float64Array.from(wb),
    t,
    wPost: Float64Array.from(wPost),
  };
}

/**
 * Normalises one spectrum `mu` (length nE, read with `stride` from `offset`) into `out`
 * (contiguous, length nE). Returns the normalisation scale S (NaN if any value is non-finite).
 */
export function normalizeSpectrum(w: NormWeights, mu: ArrayLike<number>, offset: number, stride: number, out: Float64Array): number {
  let a = 0;
  let b = 0;
  let post = 0;
  for (let k = 0; k < w.preIdx.length; k++) {
    const v = mu[offset + w.preIdx[k] * stride];
    a += w.wa[k] * v;
    b += w.wb[k] * v;
  }
  for (let k = 0; k < w.postIdx.length; k++) post += w.wPost[k] * mu[offset + w.postIdx[k] * stride];
  const step = post - a;
  let finite = Number.isFinite(step);
  const inv = 1 / step;
  for (let j = 0; j < w.nE; j++) {
    const v = mu[offset + j * stride];
    if (!Number.isFinite(v)) finite = false;
    out[j] = (v - a - b * w.t[j]) * inv;
  }
  return finite ? step : NaN;
}

export interface NormalizeOptions extends GridOptions {
  /** Pixels whose edge step is below this are masked; default: see `resolveMinEdgeStep`. */
  minEdgeStep?: number;
}

export interface NormalizedStack {
  /** [nE, ...spatial], NaN for masked / non-finite pixels. */
  normalized: RealArray;
  /** [...spatial] edge jump J (mean post − mean pre) in the stack's units (NaN if non-finite). */
  edgeStep: Float32Array;
  /** [...spatial] XanesStatus: OK, MASKED or NON_FINITE. */
  status: Uint8Array;
  minEdgeStep: number;
  grid: EnergyGrid;
}

/** Validates stack shape against the energies; returns the number of spectra. */
export function checkStack(stack: RealArray, nE: number, field = 'stack'): number {
  check(stack && stack.data instanceof Float32Array && stack.shape && typeof stack.shape.length === 'number', 'must be a RealArray { data: Float32Array, shape }', { field });
  check(stack.shape.length >= 1, 'shape must be [nE, ...spatial]', { field: `${field}.shape`, found: JSON.stringify(stack.shape) });
  check(stack.shape[0] === nE, 'first axis (energies) does not match the number of energies', { field: `${field}.shape[0]`, expected: `${nE}`, found: `${stack.shape[0]}` });
  check(product(stack.shape) === stack.data.length, 'data length does not match the shape', { field, expected: `${product(stack.shape)}`, found: `${stack.data.length}` });
  return product(stack.shape.slice(1));
}

/** Edge jump J of every pixel (one pass over the pre/post-edge planes only). */
export function edgeSteps(data: Float32Array, nPix: number, w: NormWeights): Float32Array {
  const a = new Float64Array(nPix);
  const post = new Float64Array(nPix);
  for (let k = 0; k < w.preIdx.length; k++) {
    const base = w.preIdx[k] * nPix;
    const wk = 1 / w.preIdx.length;
    for (let p = 0; p < nPix; p++) a[p] += wk * data[base + p];
  }
  for (let k = 0; k < w.postIdx.length; k++) {
    const base = w.postIdx[k] * nPix;
    const wk = 1 / w.postIdx.length;
    for (let p = 0; p < nPix; p++) post[p] += wk * data[base + p];
  }
  const out = new Float32Array(nPix);
  for (let p = 0; p < nPix; p++) out[p] = post[p] - a[p];
  return out;
}

/**
 * The mask threshold: `minEdgeStep` if given, else 10 % of the 99th percentile of the
 * finite positive edge steps (so thin or empty pixels drop out whatever the units), and
 * never below 0 (a negative or zero step is always masked).
 */
export function resolveMinEdgeStep(steps: Float32Array, minEdgeStep?: number): number {
  if (minEdgeStep !== undefined) {
    check(Number.isFinite(minEdgeStep) && minEdgeStep >= 0, 'must be a finite number ≥ 0', { field: 'minEdgeStep', found: String(minEdgeStep) });
    return minEdgeStep;
  }
  // A strided sample is plenty for a percentile and keeps 10⁷-voxel volumes cheap.
  const stride = Math.max(1, Math.floor(steps.length / 1_000_000));
  const sample: number[] = [];
  for (let i = 0; i < steps.length; i += stride) if (steps[i] > 0 && Number.isFinite(steps[i])) sample.push(steps[i]);
  const pos = Float64Array.from(sample);
  if (!pos.length) return 0;
  pos.sort();
  return 0.1 * pos[Math.min(pos.length - 1, Math.floor(0.99 * pos.length))];
}

/** Normalises a whole stack [nE, ...spatial]; masked and non-finite pixels become NaN. */
export function normalizeStack(stack: RealArray, energiesEv: ArrayLike<number>, opts: NormalizeOptions = {}): NormalizedStack {
  const nPix = checkStack(stack, energiesEv.length);
  const grid = resolveGrid(energiesEv, opts);
  const nE = grid.energyEv.length;
  const w = normWeights(grid);
  const edgeStep = edgeSteps(stack.data, nPix, w);
  const minEdgeStep = resolveMinEdgeStep(edgeStep, opts.minEdgeStep);
  const status = new Uint8Array(nPix);
  const out = new Float32Array(stack.data.length);
  const tmp = new Float64Array(nE);
  for (let p = 0; p < nPix; p++) {
    const scale = normalizeSpectrum(w, stack.data, p, nPix, tmp);
    const jump = edgeStep[p];
    if (!Number.isFinite(scale)) edgeStep[p] = NaN;
    const st = !Number.isFinite(scale) ? XanesStatus.NON_FINITE : jump > minEdgeStep && jump > 0 && scale > 0 ? XanesStatus.OK : XanesStatus.MASKED;
    status[p] = st;
    for (let j = 0; j < nE; j++) out[j * nPix + p] = st === XanesStatus.OK ? tmp[j] : NaN;
  }
  return { normalized: { data: out, shape: [...stack.shape] }, edgeStep, status, minEdgeStep, grid };
}
