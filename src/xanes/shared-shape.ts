/**
 * Shared-shape edge fit (the default edge model). The 3-Gaussian model of lm.ts has nine
 * free parameters per pixel; at the noise of a ptychographic −ln|O| (a few % of the edge
 * jump per energy) its half-maximum edge scatters by ~1 eV, several times the Ni²⁺→Ni³⁺
 * shift. Here the three Gaussians are fitted once, to the edge-step-weighted mean of the
 * normalised spectra (the template; refined on the aligned spectra, see buildEdgeTemplate),
 * and each pixel fits only a scale k and an energy
 * shift δ of that curve:
 *   f(x) = k · Σ A_j exp(−(x − c_j − δ)² / (2 s_j²)).
 * The pixel's edge is still the rising half maximum of the first main peak of its fitted
 * Gaussian sum (lm.ts); scaling leaves that point where it is and the shift moves it by δ,
 * so E½ = E½(template) + δ. Evidence (scripts/eval-edge-model.ts): the simulator's exact
 * 2d-small spectra plus Gaussian noise σ on −ln|O| (edge jump ≤ 0.084), valence RMS inside
 * the crystals free / shared: σ = 0 0.052 / 0.006, 0.001 0.13 / 0.08, 0.002 0.31 / 0.16,
 * 0.004 0.58 / 0.31. Spectra that differ in shape, not just position, need
 * `edgeModel: 'free'`: 30 % Ni-foil pixels among NiO / LiNiO2 read 1.49 here, 0.18 free.
 */
import { PtyxanesError } from '../core/errors.ts';
import { cholesky, cholSolve } from './linalg.ts';
import { edgeMetrics } from './edge-metrics.ts';
import { DEFAULT_LM, GaussEdgeFitter, lmVerdict, type LmSettings } from './lm.ts';
import type { EnergyGrid } from './grid.ts';
import { edgeJump, normalizeSpectrum, type NormWeights } from './normalize.ts';
import { XanesStatus } from './status.ts';

export type EdgeModel = 'shared' | 'free';

/** Largest |δ| (eV) a pixel may take: beyond it the template does not describe the pixel. */
export const MAX_SHIFT_EV = 10;

export interface EdgeTemplate {
  /** Gaussian parameters [A1, c1, s1, A2, c2, s2, A3, c3, s3], centres relative to the fit-window centre. */
  params: Float64Array;
  /** Fit-window centre x_c (eV). */
  xcEv: number;
  /** Half-maximum edge of the template (eV). */
  edgeEv: number;
  /** The weighted mean normalised spectrum on the fit window. */
  meanSpectrum: Float64Array;
  /** Pixels averaged into it. */
  pixels: number;
}

/** Pixels (largest edge jumps) whose aligned spectra refine the template. */
const REFINE_PIXELS = 400;
/** Alignment rounds after the mean-spectrum start. */
const REFINE_ROUNDS = 2;

/**
 * The template. Start: the 3-Gaussian fit of the mean normalised spectrum of the unmasked
 * pixels, weighted by edge jump² (∝ 1/variance of the normalised values). The mean of
 * spectra whose edges differ is smeared, so it is then refined: the pixels with the largest
 * jumps are fitted with it (scale k, shift δ), their points are placed at x − δ + mean δ
 * with values y/k (one densely sampled "aligned" spectrum), and that is fitted again with
 * the free model; twice. The template's edge is then that of the typical pixel.
 */
export function buildEdgeTemplate(data: Float32Array, nPix: number, grid: EnergyGrid, w: NormWeights, minEdgeStep: number, lm: Partial<LmSettings> = {}): EdgeTemplate {
  const acc = new EdgeTemplateAccumulator(grid, w, minEdgeStep);
  acc.add(data, nPix);
  return acc.finish(lm);
}

/**
 * buildEdgeTemplate over a volume read in chunks of spectra (z slabs), in their order: the
 * weighted mean is summed in the same order, and the REFINE_PIXELS largest jumps (ties by
 * position, as the stable sort of the whole) are kept with their spectra, so the template
 * equals the one built from the whole stack.
 */
export class EdgeTemplateAccumulator {
  private readonly mean: Float64Array;
  private wSum = 0;
  private pixels = 0;
  private top: { p: number; jump: number; mu: Float32Array }[] = [];
  private offset = 0;

  constructor(
    private readonly grid: EnergyGrid,
    private readonly w: NormWeights,
    private readonly minEdgeStep: number,
  ) {
    this.mean = new Float64Array(grid.fitHi - grid.fitLo);
  }

  /** The next chunk [nE, nPix] of spectra. */
  add(data: Float32Array, nPix: number): void {
    const { grid, w, mean } = this;
    const nE = grid.energyEv.length;
    const win = grid.fitHi - grid.fitLo;
    const work = new Float64Array(nE);
    // Candidates for the refinement set, pruned to the largest REFINE_PIXELS whenever they
    // grow past a few times that (a slab's worth of objects would cost more than its data).
    let cand: { p: number; jump: number; mu?: Float32Array }[] = this.top;
    let floor = this.top.length < REFINE_PIXELS ? -Infinity : this.top[this.top.length - 1].jump;
    const prune = () => {
      cand = cand.sort((a, b) => b.jump - a.jump || a.p - b.p).slice(0, REFINE_PIXELS);
      if (cand.length === REFINE_PIXELS) floor = cand[cand.length - 1].jump;
    };
    for (let p = 0; p < nPix; p++) {
      const scale = normalizeSpectrum(w, data, p, nPix, work);
      const jump = edgeJump(w, data, p, nPix);
      if (!Number.isFinite(scale) || !(scale > 0) || !(jump > this.minEdgeStep)) continue;
      let finite = true;
      for (let i = grid.fitLo; i < grid.fitHi; i++) finite &&= Number.isFinite(work[i]);
      if (!finite) continue;
      const wt = jump * jump;
      for (let i = 0; i < win; i++) mean[i] += wt * work[grid.fitLo + i];
      this.wSum += wt;
      this.pixels++;
      if (jump >= floor) {
        cand.push({ p: this.offset + p, jump });
        if (cand.length >= 4 * REFINE_PIXELS) prune();
      }
    }
    prune();
    // Spectra of the newly chosen pixels (this chunk's), copied out of the chunk.
    for (const c of cand) if (!c.mu) c.mu = Float32Array.from({ length: nE }, (_, e) => data[c.p - this.offset + e * nPix]);
    this.top = cand as { p: number; jump: number; mu: Float32Array }[];
    this.offset += nPix;
  }

  finish(lm: Partial<LmSettings> = {}): EdgeTemplate {
    const { grid, minEdgeStep } = this;
    if (!this.pixels) {
      throw new PtyxanesError('no pixel has an edge step above the mask threshold, so there is no mean spectrum for the shared-shape edge fit', {
        field: 'minEdgeStep',
        expected: 'some pixels with an edge jump above it',
        found: String(minEdgeStep),
      });
    }
    const win = grid.fitHi - grid.fitLo;
    const mean = Float64Array.from(this.mean);
    for (let i = 0; i < win; i++) mean[i] /= this.wSum;
    const windowEv = grid.energyEv.subarray(grid.fitLo, grid.fitHi);
    const fitter = new GaussEdgeFitter(windowEv, lm);
    const r = fitter.fit(mean);
    if (r.status !== XanesStatus.OK && r.status !== XanesStatus.NOT_CONVERGED) {
      throw new PtyxanesError('the 3-Gaussian fit of the mean spectrum (the shared-shape template) failed', {
        field: 'edgeModel',
        expected: "a mean spectrum with an edge and a main peak inside the fit window (or edgeModel 'free')",
        found: `status ${r.status} over ${this.pixels} pixels`,
      });
    }
    let template: EdgeTemplate = { params: Float64Array.from(fitter.p.subarray(0, 9)), xcEv: fitter.xc, edgeEv: r.edgeEv, meanSpectrum: mean, pixels: this.pixels };
    const chosen = this.top.map((u) => u.mu);
    for (let round = 0; round < REFINE_ROUNDS && chosen.length >= 3; round++) {
      template = alignedTemplate(chosen, grid, this.w, template, lm) ?? template;
    }
    return template;
  }
}

/** One refinement round (see buildEdgeTemplate); undefined when the aligned fit fails. */
function alignedTemplate(spectra: Float32Array[], grid: EnergyGrid, w: NormWeights, start: EdgeTemplate, lm: Partial<LmSettings>): EdgeTemplate | undefined {
  const windowEv = grid.energyEv.subarray(grid.fitLo, grid.fitHi);
  const win = windowEv.length;
  const shiftFitter = new ShiftEdgeFitter(windowEv, start, lm);
  const work = new Float64Array(grid.energyEv.length);
  const pts: { x: number; y: number }[] = [];
  const fits: { k: number; d: number; p: Float32Array }[] = [];
  for (const p of spectra) {
    normalizeSpectrum(w, p, 0, 1, work);
    const o = shiftFitter.fit(work, grid.fitLo, 1);
    if ((o.status === XanesStatus.OK || o.status === XanesStatus.NOT_CONVERGED) && shiftFitter.scale > 0) fits.push({ k: shiftFitter.scale, d: shiftFitter.shift, p });
  }
  if (fits.length < 3) return undefined;
  const meanShift = fits.reduce((a, f) => a + f.d, 0) / fits.length;
  for (const f of fits) {
    normalizeSpectrum(w, f.p, 0, 1, work);
    for (let i = 0; i < win; i++) pts.push({ x: windowEv[i] - f.d + meanShift, y: work[grid.fitLo + i] / f.k });
  }
  pts.sort((a, b) => a.x - b.x);
  // Ties would give the fitter a zero energy step; nudge them apart by a negligible amount.
  for (let i = 1; i < pts.length; i++) if (pts[i].x <= pts[i - 1].x) pts[i].x = pts[i - 1].x + 1e-6;
  const dense = new GaussEdgeFitter(
    pts.map((q) => q.x),
    lm,
  );
  const r = dense.fit(pts.map((q) => q.y));
  if (r.status !== XanesStatus.OK && r.status !== XanesStatus.NOT_CONVERGED) return undefined;
  const params = Float64Array.from(dense.p.subarray(0, 9));
  // Centres relative to the fit window's centre, as the per-pixel fitters use.
  for (let j = 1; j < 9; j += 3) params[j] += dense.xc - start.xcEv;
  return { ...start, params, edgeEv: r.edgeEv };
}

/** Per-pixel scale-and-shift fit against a template; allocation-free per spectrum. */
export class ShiftEdgeFitter {
  /** Holds the per-pixel Gaussian sum in `p` for the edge metrics, and the result in `out`. */
  readonly curve: GaussEdgeFitter;
  /** The window values being fitted (the curve fitter's work spectrum). */
  private y: Float64Array;
  private readonly q = new Float64Array(2);
  private readonly qn = new Float64Array(2);
  private readonly H = new Float64Array(4);
  private readonly A = new Float64Array(4);
  private readonly g = new Float64Array(2);
  private readonly d = new Float64Array(2);
  /** Scale k and shift δ (eV) of the last fit. */
  scale = NaN;
  shift = NaN;

  constructor(
    windowEnergiesEv: ArrayLike<number>,
    readonly template: EdgeTemplate,
    private readonly settings: Partial<LmSettings> = {},
  ) {
    this.curve = new GaussEdgeFitter(windowEnergiesEv, settings);
    if (Math.abs(this.curve.xc - template.xcEv) > 1e-9) throw new Error('template and fitter use different fit windows');
    this.y = new Float64Array(0);
  }

  /** Cost at (k, δ); with `jac` also fills JᵀJ and Jᵀr. */
  private evaluate(k: number, dlt: number, jac: boolean): number {
    const { x, n } = this.curve;
    const t = this.template.params;
    const { H, g, y } = this;
    if (jac) {
      H.fill(0);
      g.fill(0);
    }
    let s = 0;
    for (let i = 0; i < n; i++) {
      let gt = 0;
      let dg = 0;
      for (let j = 0; j < 9; j += 3) {
        const is = 1 / t[j + 2];
        const u = (x[i] - t[j + 1] - dlt) * is;
        const e = t[j] * Math.exp(-0.5 * u * u);
        gt += e;
        dg += e * u * is;
      }
      const r = y[i] - k * gt;
      s += r * r;
      if (jac) {
        const jk = gt;
        const jd = k * dg;
        H[0] += jk * jk;
        H[1] += jk * jd;
        H[3] += jd * jd;
        g[0] += jk * r;
        g[1] += jd * r;
      }
    }
    if (jac) H[2] = H[1];
    return s;
  }

  /** Fits the normalised window values `src[off + i·stride]`, i < n; result in `curve.out`. */
  fit(src: ArrayLike<number>, off = 0, stride = 1): GaussEdgeFitter['out'] {
    const f = this.curve;
    const o = f.out;
    const { q, qn, H, A, g, d } = this;
    const n = f.n;
    this.scale = this.shift = NaN;
    const y = f.begin(src, off, stride);
    if (!y) return o;
    this.y = y;
    q[0] = 1;
    q[1] = 0;
    const maxIt = this.settings.maxIterations ?? DEFAULT_LM.maxIterations;
    const relTol = this.settings.relTolerance ?? DEFAULT_LM.relTolerance;
    let cost = this.evaluate(q[0], q[1], true);
    let lambda = 1e-3;
    let converged = false;
    let it = 0;
    for (; it < maxIt; it++) {
      A[0] = H[0] * (1 + lambda);
      A[1] = A[2] = H[1];
      A[3] = H[3] * (1 + lambda);
      d[0] = g[0];
      d[1] = g[1];
      if (!cholesky(A, 2)) {
        lambda *= 10;
        if (lambda > 1e12) break;
        continue;
      }
      cholSolve(A, 2, d);
      qn[0] = Math.max(q[0] + d[0], 0);
      qn[1] = Math.min(Math.max(q[1] + d[1], -MAX_SHIFT_EV), MAX_SHIFT_EV);
      const costNew = this.evaluate(qn[0], qn[1], false);
      const v = lmVerdict(cost, costNew, lambda, relTol, n);
      lambda = v.lambda;
      if (v.accept) {
        q.set(qn);
        cost = this.evaluate(q[0], q[1], true);
      }
      if (v.converged) {
        converged = true;
        it++;
        break;
      }
    }
    o.iterations = it;
    o.rss = cost;
    this.scale = q[0];
    this.shift = q[1];
    if (!Number.isFinite(cost) || !(q[0] > 0)) {
      o.status = XanesStatus.FIT_FAILED;
      return o;
    }
    if (Math.abs(q[1]) >= MAX_SHIFT_EV) {
      o.status = XanesStatus.EDGE_NOT_FOUND;
      return o;
    }
    const t = this.template.params;
    for (let j = 0; j < 9; j += 3) {
      f.p[j] = q[0] * t[j];
      f.p[j + 1] = t[j + 1] + q[1];
      f.p[j + 2] = t[j + 2];
    }
    edgeMetrics(f, false);
    if (o.status !== XanesStatus.OK) return o;
    // E½ = E½(template) + δ, so its variance is that of δ: s²·(JᵀJ)⁻¹_δδ with s² = RSS/(n − 2).
    const det = H[0] * H[3] - H[1] * H[1];
    o.edgeStdEv = det > 0 ? Math.sqrt(((cost / Math.max(1, n - 2)) * H[0]) / det) : NaN;
    if (!converged) o.status = XanesStatus.NOT_CONVERGED;
    return o;
  }
}
