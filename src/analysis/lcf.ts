/**
 * Linear combination fitting (LCF): each normalised spectrum as a non-negative combination
 * of reference spectra (Lawson & Hanson's NNLS, 1974), a second reading of the oxidation
 * state next to the edge position: phase fractions (normalised to sum 1), their sum (≈ 1
 * when the references span the sample), the residual, and the state Σ fᵢ·vᵢ of the
 * references' valences with its error from the fit covariance. Data and references go
 * through the same pre/post-edge normalisation on the working grid (src/xanes/normalize.ts),
 * so the references are compared with the data as the instrument would have seen them.
 */
import type { RealArray } from '../core/arrays.ts';
import { PtyxanesError } from '../core/errors.ts';
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import { normalizeStack, type NormalizeOptions } from '../xanes/normalize.ts';
import { interpolateSpectrum, type ReferenceSpectrum } from '../xanes/references.ts';
import { XanesStatus } from '../xanes/status.ts';

/** Solves the small k×k system M·x = r (Gaussian elimination with pivoting); null if singular. */
function solveSmall(M: number[][], r: number[]): number[] | null {
  const k = r.length;
  const a = M.map((row, i) => [...row, r[i]]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let i = c + 1; i < k; i++) if (Math.abs(a[i][c]) > Math.abs(a[p][c])) p = i;
    if (Math.abs(a[p][c]) < 1e-14 * Math.max(1, Math.abs(a[c][c]))) return null;
    [a[c], a[p]] = [a[p], a[c]];
    for (let i = c + 1; i < k; i++) {
      const f = a[i][c] / a[c][c];
      for (let j = c; j <= k; j++) a[i][j] -= f * a[c][j];
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let s = a[i][k];
    for (let j = i + 1; j < k; j++) s -= a[i][j] * x[j];
    x[i] = s / a[i][i];
  }
  return x;
}

function invertSmall(G: number[][]): number[][] | null {
  const k = G.length;
  const cols = Array.from({ length: k }, (_, q) => solveSmall(G, Array.from({ length: k }, (_, r) => (r === q ? 1 : 0))));
  if (!cols.every(Boolean)) return null;
  return Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => cols[b]![a]));
}

/**
 * Non-negative least squares min ‖A·x − b‖, x ≥ 0 (Lawson–Hanson active set). A is given
 * by its Gram matrix G = AᵀA (k×k) and c = Aᵀb, enough for the few columns LCF has.
 */
export function nnlsGram(G: number[][], c: number[], maxIter = 100): number[] {
  const k = c.length;
  const x = new Array<number>(k).fill(0);
  const passive = new Array<boolean>(k).fill(false);
  const grad = () => c.map((ci, i) => ci - G[i].reduce((s, g, j) => s + g * x[j], 0));
  const tol = 1e-12 * Math.max(1, ...G.map((r, i) => Math.abs(r[i])));
  for (let outer = 0; outer < maxIter; outer++) {
    const w = grad();
    let t = -1;
    for (let i = 0; i < k; i++) if (!passive[i] && w[i] > tol && (t < 0 || w[i] > w[t])) t = i;
    if (t < 0) break;
    passive[t] = true;
    for (let inner = 0; inner < maxIter; inner++) {
      const P = passive.map((p, i) => (p ? i : -1)).filter((i) => i >= 0);
      const z = solveSmall(P.map((i) => P.map((j) => G[i][j])), P.map((i) => c[i]));
      if (!z) {
        passive[t] = false;
        break;
      }
      if (z.every((v) => v > 0)) {
        x.fill(0);
        P.forEach((i, q) => (x[i] = z[q]));
        break;
      }
      let alpha = Infinity;
      P.forEach((i, q) => {
        if (z[q] <= 0) alpha = Math.min(alpha, x[i] / (x[i] - z[q]));
      });
      P.forEach((i, q) => (x[i] += alpha * (z[q] - x[i])));
      for (const i of P) if (x[i] <= tol) {
        x[i] = 0;
        passive[i] = false;
      }
    }
  }
  return x;
}

export interface LcfOptions extends NormalizeOptions, RunControl {
  /** Energies (eV) the fit uses (default: all). */
  rangeEv?: [number, number];
}

export interface LcfResult {
  /** Spatial shape. */
  shape: number[];
  references: { id: string; compound: string; oxidationState: number }[];
  /** fractions[r]: fraction of reference r per voxel (normalised to sum 1; NaN where not fitted). */
  fractions: Float32Array[];
  /** Σ of the non-negative weights: the fitted edge jump in the stack's units (∝ Ni thickness). */
  weightSum: Float32Array;
  /** Σ fᵢ·vᵢ and its standard error. */
  oxidationState: Float32Array;
  oxidationStateStd: Float32Array;
  /** RMS residual over the fitted edge jump (normalised absorption units; a spectrum the references do not span stands out). */
  residualRms: Float32Array;
  energiesEv: number[];
  rangeEv: [number, number];
}

/**
 * LCF of every spectrum of a stack [nE, ...spatial] of absorption (−ln|O|, any units):
 * μ(E) = a + b·(E − Ē) + Σ wᵢ·refᵢ(E) with a, b free and w ≥ 0, on the raw spectrum rather
 * than the normalised one. Why: normalising first extrapolates a pre-edge line from three
 * points over 120 eV, and its noisy slope tilts the spectrum, which no combination of
 * references can fit; in a test at 2 % noise one pixel in eleven came out 0.11 off in its
 * fraction (residual 5× the others). Fitting the line with the references removes it: the
 * free columns are projected out (Q = I − N(NᵀN)⁻¹Nᵀ), NNLS runs on the projected
 * references. The references (unit edge jump) are interpolated onto the energies; pixels
 * masked by the XANES edge-step rule (normalize.ts) are left NaN.
 */
export function lcfStack(stack: RealArray, energiesEv: ArrayLike<number>, refs: ReferenceSpectrum[], opts: LcfOptions = {}): LcfResult {
  if (refs.length < 1) throw new PtyxanesError('LCF needs reference spectra', { field: 'references', expected: 'one or more', found: 'none' });
  const norm = normalizeStack(stack, energiesEv, opts);
  const E = norm.grid.energyEv;
  const range: [number, number] = opts.rangeEv ?? [E[0], E[E.length - 1]];
  const use = Array.from(E.keys()).filter((j) => E[j] >= range[0] && E[j] <= range[1]);
  const k = refs.length;
  if (use.length <= k + 2) throw new PtyxanesError('too few energies in the LCF range', { field: 'rangeEv', expected: `more than ${k + 2} energies`, found: `${use.length} in ${range[0]}–${range[1]} eV` });
  const m = use.length;
  const eMean = use.reduce((a, j) => a + E[j], 0) / m;
  const t = use.map((j) => (E[j] - eMean) / 100);
  const t2 = t.reduce((a, v) => a + v * v, 0);
  // Q·y for the free constant and slope (orthogonal columns after centring).
  const project = (y: ArrayLike<number>): Float64Array => {
    let s0 = 0, s1 = 0;
    for (let q = 0; q < m; q++) {
      s0 += y[q];
      s1 += y[q] * t[q];
    }
    const out = new Float64Array(m);
    for (let q = 0; q < m; q++) out[q] = y[q] - s0 / m - (t2 > 0 ? (s1 * t[q]) / t2 : 0);
    return out;
  };
  const R = refs.map((r) => {
    const mu = interpolateSpectrum(r, E);
    return project(use.map((j) => mu[j]));
  });
  const G = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => R[a].reduce((s, v, q) => s + v * R[b][q], 0)));
  const Gi = invertSmall(G);
  const nPix = norm.status.length;
  const data = stack.data;
  const fractions = refs.map(() => new Float32Array(nPix).fill(NaN));
  const weightSum = new Float32Array(nPix).fill(NaN);
  const state = new Float32Array(nPix).fill(NaN);
  const stateStd = new Float32Array(nPix).fill(NaN);
  const resid = new Float32Array(nPix).fill(NaN);
  const v = refs.map((r) => r.oxidationState);
  const y = new Float64Array(m);
  for (let p = 0; p < nPix; p++) {
    if (p % 4096 === 0) {
      throwIfAborted(opts.signal);
      opts.onProgress?.({ stage: 'lcf', done: p, total: nPix });
    }
    if (norm.status[p] !== XanesStatus.OK) continue;
    for (let q = 0; q < m; q++) y[q] = data[use[q] * nPix + p];
    const yq = project(y);
    const c = R.map((ref) => ref.reduce((s, rv, q) => s + rv * yq[q], 0));
    const x = nnlsGram(G, c);
    let rss = 0;
    for (let q = 0; q < m; q++) {
      let fit = 0;
      for (let a = 0; a < k; a++) fit += x[a] * R[a][q];
      rss += (yq[q] - fit) ** 2;
    }
    const S = x.reduce((a, b) => a + b, 0);
    weightSum[p] = S;
    if (!(S > 0)) continue;
    resid[p] = Math.sqrt(rss / m) / S;
    const s = x.reduce((acc, xi, a) => acc + xi * v[a], 0) / S;
    x.forEach((xi, a) => (fractions[a][p] = xi / S));
    state[p] = s;
    // Error of the state from the covariance σ²(AᵀA)⁻¹ of all weights (also those the bound
    // holds at 0, so a pure phase still gets an honest error): ∂s/∂xᵢ = (vᵢ − s)/S.
    const dof = m - k - 2;
    if (dof > 0 && Gi) {
      const g = v.map((va) => (va - s) / S);
      let varS = 0;
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) varS += g[a] * Gi[a][b] * g[b];
      stateStd[p] = Math.sqrt(Math.max(0, (rss / dof) * varS));
    }
  }
  opts.onProgress?.({ stage: 'lcf', done: nPix, total: nPix });
  return {
    shape: [...stack.shape.slice(1)],
    references: refs.map((r) => ({ id: r.id, compound: r.compound, oxidationState: r.oxidationState })),
    fractions,
    weightSum,
    oxidationState: state,
    oxidationStateStd: stateStd,
    residualRms: resid,
    energiesEv: Array.from(E),
    rangeEv: range,
  };
}
