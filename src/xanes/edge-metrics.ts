/**
 * Edge metrics on the fitted Gaussian sum G (CPU twin of shaders/xanes_edge.wgsl), see the
 * definitions at the top of lm.ts: first main peak, its rising half maximum (the edge),
 * the normalised-μ = 0.5 crossing, the derivative maximum, and the edge's standard error.
 */
import { cholesky } from './linalg.ts';
import type { GaussEdgeFitter } from './lm.ts';
import { XanesStatus } from './status.ts';

const LN2X2 = Math.sqrt(2 * Math.LN2);
const GOLD = 0.3819660112501051;

/** Gaussian sum G(x) (mode 0) or its derivative G′(x) (mode 1) at the current parameters. */
export function gaussSum(p: Float64Array, xv: number, mode: 0 | 1): number {
  let f = 0;
  for (let k = 0; k < 9; k += 3) {
    const dx = xv - p[k + 1];
    const is = 1 / p[k + 2];
    const e = p[k] * Math.exp(-0.5 * dx * dx * is * is);
    f += mode === 0 ? e : -e * dx * is * is;
  }
  return f;
}

/** Golden-section maximum of G (mode 0) or G′ (mode 1) on [a, b]. */
function goldenMax(f: GaussEdgeFitter, a: number, b: number, mode: 0 | 1): number {
  let c = b - (1 - GOLD) * (b - a);
  let dd = a + (1 - GOLD) * (b - a);
  let fc = gaussSum(f.p, c, mode);
  let fd = gaussSum(f.p, dd, mode);
  for (let it = 0; it < 40 && b - a > 1e-5; it++) {
    if (fc > fd) {
      b = dd; dd = c; fd = fc;
      c = b - (1 - GOLD) * (b - a);
      fc = gaussSum(f.p, c, mode);
    } else {
      a = c; c = dd; fc = fd;
      dd = a + (1 - GOLD) * (b - a);
      fd = gaussSum(f.p, dd, mode);
    }
  }
  return (a + b) / 2;
}

/** Root of G(x) = level in [a, b] with G(a) < level ≤ G(b) (Illinois regula falsi). */
function crossing(f: GaussEdgeFitter, a: number, b: number, level: number): number {
  let fa = gaussSum(f.p, a, 0) - level;
  let fb = gaussSum(f.p, b, 0) - level;
  let side = 0;
  let c = a;
  for (let it = 0; it < 60; it++) {
    c = (a * fb - b * fa) / (fb - fa);
    const fcv = gaussSum(f.p, c, 0) - level;
    if (Math.abs(fcv) < 1e-12 || b - a < 1e-7) break;
    if (fcv * fb > 0) {
      b = c; fb = fcv;
      if (side === -1) fa *= 0.5;
      side = -1;
    } else {
      a = c; fa = fcv;
      if (side === 1) fb *= 0.5;
      side = 1;
    }
  }
  return c;
}

/** Metrics of the fitted sum in `f.p`; `withStd` false leaves edgeStdEv to the caller (the shared-shape fit has its own covariance). */
export function edgeMetrics(f: GaussEdgeFitter, withStd = true): void {
  const n = f.n;
  const x = f.x;
  const gv = f.gv;
  const o = f.out;
  let gmax = -Infinity;
  for (let i = 0; i < n; i++) {
    gv[i] = gaussSum(f.p, x[i], 0);
    if (gv[i] > gmax) gmax = gv[i];
  }
  let ipk = -1;
  for (let i = 0; i < n; i++) {
    if (gv[i] >= 0.5 * gmax && (i === 0 || gv[i] >= gv[i - 1]) && (i === n - 1 || gv[i] >= gv[i + 1])) {
      ipk = i;
      break;
    }
  }
  if (ipk <= 0 || ipk >= n - 1 || !(gmax > 0)) {
    o.status = XanesStatus.EDGE_NOT_FOUND;
    return;
  }
  const xpk = goldenMax(f, x[ipk - 1], x[ipk + 1], 0);
  const m = gaussSum(f.p, xpk, 0);
  const half = risingCrossing(f, ipk, xpk, 0.5 * m);
  if (!Number.isFinite(half)) {
    o.status = XanesStatus.EDGE_NOT_FOUND;
    return;
  }
  o.peakEv = xpk + f.xc;
  o.peakHeight = m;
  o.edgeEv = half + f.xc;
  o.e0HalfStepEv = m > 0.5 ? risingCrossing(f, ipk, xpk, 0.5) + f.xc : NaN;
  // Derivative maximum below the peak: best grid point, then golden section around it.
  let jb = 0;
  let db = -Infinity;
  for (let j = 0; j <= ipk; j++) {
    const dv = gaussSum(f.p, x[j], 1);
    if (dv > db) [db, jb] = [dv, j];
  }
  o.derivMaxEv = goldenMax(f, x[Math.max(jb - 1, 0)], Math.min(x[Math.min(jb + 1, n - 1)], xpk), 1) + f.xc;
  o.gaussEdgeEv = mainGaussianEdge(f, xpk) + f.xc;
  if (withStd) o.edgeStdEv = edgeStd(f, half, xpk);
}

/** Where G rises through `level` below the peak at index ipk / position xpk; NaN if it never does. */
function risingCrossing(f: GaussEdgeFitter, ipk: number, xpk: number, level: number): number {
  const { x, gv } = f;
  let hi = xpk;
  for (let j = ipk; j >= 0; j--) {
    if (x[j] <= xpk && gv[j] < level) return crossing(f, x[j], hi, level);
    if (x[j] <= xpk) hi = x[j];
  }
  return NaN;
}

/** c − s√(2 ln 2) of the Gaussian contributing most at the peak (diagnostic alternative). */
function mainGaussianEdge(f: GaussEdgeFitter, xpk: number): number {
  const p = f.p;
  let best = -1;
  let kb = 0;
  for (let k = 0; k < 9; k += 3) {
    const u = (xpk - p[k + 1]) / p[k + 2];
    const v = p[k] * Math.exp(-0.5 * u * u);
    if (v > best) [best, kb] = [v, k];
  }
  return p[kb + 1] - p[kb + 2] * LN2X2;
}

/** Standard error of the half-maximum edge from s²(JᵀJ)⁻¹ and ∂E½/∂p. */
function edgeStd(f: GaussEdgeFitter, xh: number, xpk: number): number {
  const { P, H, A, jr, ja, n } = f;
  const dof = n - P;
  const s2 = f.out.rss / dof;
  gaussGrad(f, xh, jr);
  gaussGrad(f, xpk, ja);
  const slope = gaussSum(f.p, xh, 1);
  if (!(slope > 0)) return NaN;
  for (let a = 0; a < P; a++) jr[a] = -(jr[a] - 0.5 * ja[a]) / slope;
  // Parameters the data do not constrain (a zero-amplitude Gaussian's centre and width)
  // have empty Jacobian columns and also no influence on the edge: drop them.
  let maxDiag = 0;
  for (let a = 0; a < P; a++) maxDiag = Math.max(maxDiag, H[a * P + a]);
  for (let k = 0; k < P * P; k++) A[k] = H[k];
  for (let a = 0; a < P; a++) {
    if (H[a * P + a] <= 1e-10 * maxDiag) {
      for (let b = 0; b < P; b++) A[a * P + b] = A[b * P + a] = 0;
      A[a * P + a] = 1;
      jr[a] = 0;
    } else {
      // A relative ridge of 1e-6 keeps the factorisation possible in float32 (GPU twin)
      // for near-degenerate splits into Gaussians; it changes well-determined variances by ~1e-6.
      A[a * P + a] *= 1 + 1e-6;
    }
  }
  if (!cholesky(A, P)) return NaN;
  // var = gᵀ(LLᵀ)⁻¹g = |L⁻¹g|²
  let v = 0;
  for (let a = 0; a < P; a++) {
    let z = jr[a];
    for (let b = 0; b < a; b++) z -= A[a * P + b] * jr[b];
    z /= A[a * P + a];
    jr[a] = z;
    v += z * z;
  }
  return Math.sqrt(s2 * v);
}

/** ∂G/∂p at x (background entries 0: the edge is defined on the Gaussian sum). */
function gaussGrad(f: GaussEdgeFitter, xv: number, out: Float64Array): void {
  const p = f.p;
  out.fill(0);
  for (let k = 0; k < 9; k += 3) {
    const dx = xv - p[k + 1];
    const is = 1 / p[k + 2];
    const u = dx * is;
    const e = Math.exp(-0.5 * u * u);
    out[k] = e;
    out[k + 1] = p[k] * e * u * is;
    out[k + 2] = p[k] * e * u * u * is;
  }
}
