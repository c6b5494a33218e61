/**
 * Three-Gaussian edge fit of one normalised spectrum by Levenberg–Marquardt (CPU twin of
 * shaders/xanes_fit.wgsl; keep the two in step). Allocation-free per spectrum: one fitter
 * per fit window holds all work arrays.
 *
 * Model on the fit window, x = E − x_c (x_c the window centre):
 *   f(x) = Σ_{k<3} A_k exp(−(x − c_k)² / (2 s_k²))  [+ b0 + b1·x with `background`]
 * Bounds (projected after every step): A_k ≥ 0, c_k inside the window, s_min ≤ s_k ≤ window
 * width, s_min = max(0.25 eV, half the smallest energy step). A parameter on a bound whose
 * gradient points out of the box is held fixed for that step (active set): without this the
 * projected steps stall, λ runs away and fits stop in poor basins 0.2–0.4 eV off.
 * Damping: Marquardt (JᵀJ + λ·diag JᵀJ), λ ×10 on a rejected step, ÷10 on an accepted one.
 * Starts: three structured initial guesses from the spectrum (initialGuess), 12 screening
 * iterations each, the lowest cost continued to convergence (relative cost change < 1e-5).
 *
 * Edge (the paper's "FWHM" edge shift) — defined on the fitted Gaussian sum G(x) (no background):
 *   first main peak = the lowest-energy local maximum of G with G ≥ ½ max G over the window,
 *   not at a window end (refined by golden section), height M;
 *   edge E_½ = the energy below that peak where G rises through M/2 (the rising-side
 *   half-maximum of the first main peak of the fitted curve).
 * This is chosen over "c − s·√(2 ln 2) of the main Gaussian" because the sum is what the data
 * determine: the split into three Gaussians is degenerate (two Gaussians can trade amplitude
 * and width with no change in the curve) and the single-Gaussian edge jumps with it. Evidence
 * (real NiO / LiNiO2 resampled on the paper's 2D grid, 20 sub-eV shifts × 5 noise draws):
 * scatter of the sum's half maximum 0.02–0.04 eV noise-free, 0.07 eV at 0.5 % noise, 0.12–0.14
 * eV at 1 %; of the single-Gaussian edge 0.07–0.15, 0.18–0.24 and 0.28 eV
 * (test: "the half maximum of the fitted sum is steadier" in test/xanes-fit.test.ts).
 * Alternative metrics on the same curve: E where G = 0.5 (normalised μ half step, rising side
 * of the main peak; NaN if M < 0.5) and the maximum of G′ below the peak.
 *
 * Standard error of E_½: cov(p) = s²(JᵀJ)⁻¹, s² = RSS/(n − P); E_½ is implicit in
 * G(E_½) = ½G(E_pk) with G′(E_pk) = 0, so ∂E_½/∂p = −(∂G/∂p(E_½) − ½∂G/∂p(E_pk)) / G′(E_½)
 * and var(E_½) = ∇ᵀ cov ∇ (solved through the Cholesky factor, no inverse formed).
 */
import { XanesStatus } from './status.ts';
import { cholesky, cholSolve } from './linalg.ts';
import { edgeMetrics, gaussSum } from './edge-metrics.ts';

export interface LmSettings {
  maxIterations: number;
  /** Iterations each of the starts gets before the best one is continued. */
  screenIterations: number;
  /** Fit a linear background b0 + b1·x as well (11 parameters). */
  background: boolean;
  /** Converged when an accepted step lowers the cost by less than this fraction. */
  relTolerance: number;
}

export const DEFAULT_LM: LmSettings = { maxIterations: 100, screenIterations: 12, background: false, relTolerance: 1e-5 };

/** Number of structured starting points (see initialGuess). */
export const N_STARTS = 3;
/** Absolute convergence floor on the cost decrease, per fitted point (see runLm). */
export const ABS_TOL_PER_POINT = 1e-9;
const LN2X2 = Math.sqrt(2 * Math.LN2);

export interface LmVerdict {
  accept: boolean;
  lambda: number;
  converged: boolean;
}

/**
 * Marquardt bookkeeping after a trial step, shared by the fitters: an accepted step divides
 * λ by 10 (floor 1e-7) and converges when it lowered the cost by less than `relTol` of it, or
 * by less than ABS_TOL_PER_POINT per point (a 3e-5 rms change in normalised μ: near-noise-free
 * spectra keep every crawl "relative"); a rejected one multiplies λ by 10, and λ above 1e7
 * means no descent even with tiny steps: a (possibly bound-constrained) minimum.
 */
export function lmVerdict(cost: number, costNew: number, lambda: number, relTol: number, nPoints: number): LmVerdict {
  if (costNew < cost) {
    const drop = cost - costNew;
    return { accept: true, lambda: Math.max(lambda * 0.1, 1e-7), converged: drop < relTol * costNew || drop < ABS_TOL_PER_POINT * nPoints };
  }
  return { accept: false, lambda: lambda * 10, converged: lambda * 10 > 1e7 };
}

export interface EdgeFitResult {
  status: number;
  edgeEv: number;
  edgeStdEv: number;
  e0HalfStepEv: number;
  derivMaxEv: number;
  peakEv: number;
  peakHeight: number;
  iterations: number;
  rss: number;
  /** Single-Gaussian alternative: c − s√(2 ln 2) of the Gaussian with the largest amplitude·width product near the peak (diagnostic). */
  gaussEdgeEv: number;
}

export class GaussEdgeFitter {
  readonly n: number;
  readonly P: number;
  readonly xc: number;
  readonly x: Float64Array;
  readonly sMin: number;
  readonly sMax: number;
  readonly settings: LmSettings;
  /** Parameters after the last fit: [A1, c1, s1, A2, c2, s2, A3, c3, s3, (b0, b1)], c in x units. */
  readonly p: Float64Array;
  readonly initial: Float64Array;
  private readonly start: Float64Array;
  private readonly best: Float64Array;
  private readonly pn: Float64Array;
  /** @internal work array shared with edge-metrics.ts */
  readonly H: Float64Array;
  /** @internal work array shared with edge-metrics.ts */
  readonly A: Float64Array;
  private readonly g: Float64Array;
  private readonly d: Float64Array;
  /** @internal work array shared with edge-metrics.ts */
  readonly jr: Float64Array;
  /** @internal work array shared with edge-metrics.ts */
  readonly ja: Float64Array;
  private readonly y: Float64Array;
  /** @internal work array shared with edge-metrics.ts */
  readonly gv: Float64Array;
  readonly out: EdgeFitResult = { status: 0, edgeEv: NaN, edgeStdEv: NaN, e0HalfStepEv: NaN, derivMaxEv: NaN, peakEv: NaN, peakHeight: NaN, iterations: 0, rss: NaN, gaussEdgeEv: NaN };

  constructor(windowEnergiesEv: ArrayLike<number>, settings: Partial<LmSettings> = {}) {
    this.settings = { ...DEFAULT_LM, ...settings };
    this.n = windowEnergiesEv.length;
    const e0 = windowEnergiesEv[0];
    const e1 = windowEnergiesEv[this.n - 1];
    this.xc = (e0 + e1) / 2;
    this.x = Float64Array.from(windowEnergiesEv, (e) => e - this.xc);
    let minStep = Infinity;
    for (let i = 1; i < this.n; i++) minStep = Math.min(minStep, this.x[i] - this.x[i - 1]);
    this.sMin = Math.max(0.25, 0.5 * minStep);
    this.sMax = e1 - e0;
    this.P = this.settings.background ? 11 : 9;
    const P = this.P;
    this.p = new Float64Array(P);
    this.initial = new Float64Array(P);
    this.start = new Float64Array(P);
    this.best = new Float64Array(P);
    this.pn = new Float64Array(P);
    this.H = new Float64Array(P * P);
    this.A = new Float64Array(P * P);
    this.g = new Float64Array(P);
    this.d = new Float64Array(P);
    this.jr = new Float64Array(P);
    this.ja = new Float64Array(P);
    this.y = new Float64Array(this.n);
    this.gv = new Float64Array(this.n);
  }

  /** Fits the normalised window values `src[off + i·stride]`, i < n; result in `this.out`. */
  fit(src: ArrayLike<number>, off = 0, stride = 1): EdgeFitResult {
    const { p, settings } = this;
    const o = this.out;
    if (!this.begin(src, off, stride)) return o;
    // Multi-start: every start runs a short screening LM; the lowest cost goes on to
    // convergence. The 3-Gaussian cost has several basins on real spectra, and the half-
    // maximum edge of the poor ones is off by 0.2–0.4 eV (see initialGuess).
    let bestCost = Infinity;
    let it = 0;
    for (let s = 0; s < N_STARTS; s++) {
      this.initialGuess(s);
      const r = this.runLm(settings.screenIterations);
      it += r.iterations;
      if (r.cost < bestCost) {
        bestCost = r.cost;
        this.best.set(p);
        this.initial.set(this.start);
      }
    }
    p.set(this.best);
    const r = this.runLm(settings.maxIterations);
    it += r.iterations;
    const cost = r.cost;
    const converged = r.converged;
    o.iterations = it;
    o.rss = cost;
    if (!Number.isFinite(cost)) {
      o.status = XanesStatus.FIT_FAILED;
      return o;
    }
    this.edgeMetrics();
    if (o.status === XanesStatus.OK && !converged) o.status = XanesStatus.NOT_CONVERGED;
    return o;
  }

  /**
   * Resets `out` and loads the window values into the work spectrum (returned); null, with
   * status NON_FINITE, when one is not finite. Shared with the shared-shape fitter.
   */
  begin(src: ArrayLike<number>, off: number, stride: number): Float64Array | null {
    const { n, y } = this;
    const o = this.out;
    o.status = XanesStatus.OK;
    o.edgeEv = o.edgeStdEv = o.e0HalfStepEv = o.derivMaxEv = o.peakEv = o.peakHeight = o.rss = o.gaussEdgeEv = NaN;
    o.iterations = 0;
    for (let i = 0; i < n; i++) {
      y[i] = src[off + i * stride];
      if (!Number.isFinite(y[i])) {
        o.status = XanesStatus.NON_FINITE;
        return null;
      }
    }
    return y;
  }

  /** Damped Gauss–Newton iterations from `this.p` (projected onto the bounds); updates p in place. */
  private runLm(maxIterations: number): { cost: number; converged: boolean; iterations: number } {
    const { P, p, pn, H, A, g, d, settings } = this;
    let cost = this.evalJ(p);
    let lambda = 1e-3;
    let it = 0;
    let converged = false;
    for (; it < maxIterations; it++) {
      for (let k = 0; k < P * P; k++) A[k] = H[k];
      let maxDiag = 0;
      for (let a = 0; a < P; a++) maxDiag = Math.max(maxDiag, H[a * P + a]);
      const floor = 1e-10 * maxDiag + 1e-30;
      for (let a = 0; a < P; a++) {
        A[a * P + a] += lambda * Math.max(H[a * P + a], floor);
        d[a] = g[a];
      }
      // Active bounds: a parameter sitting on a bound whose gradient pushes it outward is
      // held fixed for this step (otherwise the projected step stalls and λ runs away).
      for (let a = 0; a < 9; a++) {
        if (this.pushesOut(a, g[a])) {
          for (let b = 0; b < P; b++) A[a * P + b] = A[b * P + a] = 0;
          A[a * P + a] = 1;
          d[a] = 0;
        }
      }
      if (!cholesky(A, P)) {
        lambda *= 10;
        if (lambda > 1e12) break;
        continue;
      }
      cholSolve(A, P, d);
      for (let a = 0; a < P; a++) pn[a] = p[a] + d[a];
      this.project(pn);
      const costNew = this.evalCost(pn);
      const v = lmVerdict(cost, costNew, lambda, settings.relTolerance, this.n);
      lambda = v.lambda;
      if (v.accept) {
        p.set(pn);
        cost = this.evalJ(p);
      }
      if (v.converged) {
        converged = true;
        it++;
        break;
      }
    }
    return { cost, converged, iterations: it };
  }

  /**
   * Starting points from the spectrum itself. Shape features: the main peak at the maximum
   * of the 3-point smoothed data (x_k), its rising half-maximum crossing x_h, w = x_k − x_h.
   * Centres/widths of the starts (the structures the global minima take on the real
   * references, found by 40 random restarts per spectrum):
   *   0: narrow + broad Gaussian both at the peak (asymmetric white line), one at the window end;
   *   1: one on the rising edge at x_h, the main one at the peak, one at the window end;
   *   2: main at the peak, a broad one between peak and window end, a narrow one at the end.
   * Amplitudes then by linear least squares for those centres and widths (floored at 2 % of
   * the peak so no Gaussian starts dead: at A = 0 its centre and width get no gradient).
   */
  private initialGuess(start: number): void {
    const { n, x, y, p } = this;
    let k = 0;
    let best = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = i === 0 || i === n - 1 ? y[i] : (y[i - 1] + y[i] + y[i + 1]) / 3;
      if (v > best) [best, k] = [v, i];
    }
    const ymax = Math.max(best, 1e-3);
    let xh = x[0];
    for (let i = k; i > 0; i--) {
      if (y[i - 1] < ymax / 2) {
        const t = (ymax / 2 - y[i - 1]) / (y[i] - y[i - 1] || 1);
        xh = x[i - 1] + Math.min(Math.max(t, 0), 1) * (x[i] - x[i - 1]);
        break;
      }
    }
    const w = Math.max(x[k] - xh, 2 * this.sMin * LN2X2);
    const sw = w / LN2X2;
    const xe = x[n - 1];
    const tailW = Math.max(xe - x[k], w);
    if (start === 0) {
      p[1] = x[k]; p[2] = 0.4 * sw;
      p[4] = x[k]; p[5] = 1.1 * sw;
      p[7] = xe; p[8] = tailW;
    } else if (start === 1) {
      p[1] = xh; p[2] = 0.5 * sw;
      p[4] = x[k]; p[5] = sw;
      p[7] = xe; p[8] = tailW;
    } else {
      p[1] = x[k]; p[2] = sw;
      p[4] = 0.5 * (x[k] + xe); p[5] = 0.5 * tailW;
      p[7] = xe; p[8] = 0.3 * tailW;
    }
    if (this.P === 11) {
      p[9] = 0;
      p[10] = 0;
    }
    this.project(p);
    this.linearAmplitudes(0.02 * ymax);
    this.start.set(p);
  }

  /** Amplitudes by least squares for the current centres and widths (3×3 normal equations). */
  private linearAmplitudes(floor: number): void {
    const { n, x, y, p } = this;
    const m = this.A;
    const b = this.d;
    m.fill(0, 0, 9);
    b.fill(0, 0, 3);
    const e = this.ja;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) {
        const u = (x[i] - p[3 * k + 1]) / p[3 * k + 2];
        e[k] = Math.exp(-0.5 * u * u);
      }
      for (let a = 0; a < 3; a++) {
        b[a] += e[a] * y[i];
        for (let c = 0; c < 3; c++) m[a * 3 + c] += e[a] * e[c];
      }
    }
    for (let a = 0; a < 3; a++) m[a * 3 + a] *= 1 + 1e-6;
    const ok = cholesky(m, 3);
    if (ok) cholSolve(m, 3, b);
    for (let k = 0; k < 3; k++) p[3 * k] = ok && b[k] > floor ? b[k] : floor;
  }

  /** True if parameter a is on a bound and the descent direction (+g) points out of the box. */
  private pushesOut(a: number, ga: number): boolean {
    const v = this.p[a];
    const kind = a % 3;
    if (kind === 0) return v <= 0 && ga < 0;
    const lo = kind === 1 ? this.x[0] : this.sMin;
    const hi = kind === 1 ? this.x[this.n - 1] : this.sMax;
    return (v <= lo && ga < 0) || (v >= hi && ga > 0);
  }

  private project(q: Float64Array): void {
    const lo = this.x[0];
    const hi = this.x[this.n - 1];
    for (let k = 0; k < 9; k += 3) {
      if (!(q[k] >= 0)) q[k] = 0;
      q[k + 1] = Math.min(Math.max(q[k + 1], lo), hi);
      q[k + 2] = Math.min(Math.max(q[k + 2], this.sMin), this.sMax);
    }
  }

  private evalCost(q: Float64Array): number {
    const { n, x, y } = this;
    const bg = this.P === 11;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      let f = 0;
      for (let k = 0; k < 9; k += 3) {
        const u = (xi - q[k + 1]) / q[k + 2];
        f += q[k] * Math.exp(-0.5 * u * u);
      }
      if (bg) f += q[9] + q[10] * xi;
      const r = y[i] - f;
      s += r * r;
    }
    return s;
  }

  /** Cost at q, with JᵀJ (upper triangle mirrored) in H and Jᵀr in g. */
  private evalJ(q: Float64Array): number {
    const { n, x, y, H, g, jr, P } = this;
    H.fill(0);
    g.fill(0);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      let f = 0;
      for (let k = 0; k < 9; k += 3) {
        const dx = xi - q[k + 1];
        const is = 1 / q[k + 2];
        const u = dx * is;
        const e = Math.exp(-0.5 * u * u);
        const ae = q[k] * e;
        f += ae;
        jr[k] = e;
        jr[k + 1] = ae * u * is;
        jr[k + 2] = ae * u * u * is;
      }
      if (P === 11) {
        f += q[9] + q[10] * xi;
        jr[9] = 1;
        jr[10] = xi;
      }
      const r = y[i] - f;
      s += r * r;
      for (let a = 0; a < P; a++) {
        const ja = jr[a];
        g[a] += ja * r;
        const row = a * P;
        for (let b = a; b < P; b++) H[row + b] += ja * jr[b];
      }
    }
    for (let a = 0; a < P; a++) for (let b = 0; b < a; b++) H[a * P + b] = H[b * P + a];
    return s;
  }

  /** Edge metrics and standard error on the fitted sum (edge-metrics.ts). */
  private edgeMetrics(): void {
    edgeMetrics(this);
  }

  /** Gaussian sum G(x) (mode 0) or its derivative G′(x) (mode 1) at the current parameters. */
  gauss(xv: number, mode: 0 | 1): number {
    return gaussSum(this.p, xv, mode);
  }
}
