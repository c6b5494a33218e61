/**
 * Models of a surface-to-core profile, fitted by weighted least squares and compared by
 * information criteria:
 * - diffusion from the surface into a slab (half-thickness L), a sphere (radius R) or a
 *   semi-infinite solid, with a constant surface value Cs and initial value C0 (Crank, The
 *   Mathematics of Diffusion, 2nd ed., eqs. 4.17/4.54 and 6.18/6.19): after an effective
 *   time t the fraction f(depth; Dt) = (C − C0)/(Cs − C0) depends on D only through Dt, so
 *   D = (Dt)/t with the user's t. For fixed Dt the model is linear in (C0, Cs), so those are
 *   solved exactly and χ² is minimised over ln(Dt) alone (grid + golden section); the error
 *   of ln(Dt) is from the curvature of that profiled χ² (Δχ² = 1);
 * - a two-phase core–shell step: shell value to a depth w, core value beyond;
 * - a uniform value (no gradient), as the null model.
 * All have their errors scaled by √(χ²/dof) when that exceeds 1 (neighbouring pixels are
 * correlated, so per-pixel errors understate the scatter of bin means).
 * AIC = χ² + 2k and BIC = χ² + k·ln n (Gaussian likelihood with the given errors).
 */
import { PtyxanesError } from '../core/errors.ts';

export type DiffusionGeometry = 'slab' | 'sphere' | 'semi-infinite';

export interface ProfileData {
  depthNm: readonly number[];
  value: readonly number[];
  sigma: readonly number[];
}

/** Complementary error function (Numerical Recipes' erfcc: fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/**
 * Fraction f ∈ [0,1] of the way from the initial to the surface value at `depth` below the
 * surface after diffusion with product Dt (same length unit squared); `size` is the slab
 * half-thickness or sphere radius (ignored for 'semi-infinite'). Short times use the erfc
 * image series, long times the Fourier series, each where it converges in a few terms.
 */
export function diffusionFraction(depth: number, dt: number, geometry: DiffusionGeometry, size = Infinity): number {
  if (!(dt > 0)) return depth <= 0 ? 1 : 0;
  const s = 2 * Math.sqrt(dt);
  if (geometry === 'semi-infinite' || !Number.isFinite(size)) return erfc(Math.max(0, depth) / s);
  const d = Math.min(Math.max(0, depth), size);
  const tau = dt / (size * size);
  if (geometry === 'slab') {
    const x = size - d; // distance from the mid-plane
    if (tau < 0.05) {
      let f = 0;
      for (let n = 0; n < 6; n++) f += (n % 2 ? -1 : 1) * (erfc(((2 * n + 1) * size - x) / s) + erfc(((2 * n + 1) * size + x) / s));
      return f;
    }
    let sum = 0;
    for (let n = 0; n < 200; n++) {
      const m = 2 * n + 1;
      const e = Math.exp((-m * m * Math.PI * Math.PI * tau) / 4);
      if (e < 1e-16) break;
      sum += ((n % 2 ? -1 : 1) / m) * e * Math.cos((m * Math.PI * x) / (2 * size));
    }
    return 1 - (4 / Math.PI) * sum;
  }
  const r = size - d; // distance from the centre
  if (tau < 0.05) {
    let f = 0;
    for (let n = 0; n < 6; n++) {
      const a = (2 * n + 1) * size;
      // (R/r)[erfc((a − r)/s) − erfc((a + r)/s)], and its limit 4R/(s√π)·exp(−(a/s)²) at the centre.
      f += r > 1e-6 * size ? (size / r) * (erfc((a - r) / s) - erfc((a + r) / s)) : ((4 * size) / (s * Math.sqrt(Math.PI))) * Math.exp(-((a / s) ** 2));
    }
    return f;
  }
  let sum = 0;
  for (let n = 1; n < 400; n++) {
    const e = Math.exp(-n * n * Math.PI * Math.PI * tau);
    if (e < 1e-16) break;
    const sgn = n % 2 ? -1 : 1;
    sum += r > 1e-6 * size ? ((sgn / n) * e * Math.sin((n * Math.PI * r) / size) * size * 2) / (Math.PI * r) : 2 * sgn * e;
  }
  return 1 + sum;
}

export interface ModelFit {
  model: 'diffusion' | 'core-shell' | 'uniform';
  /** Free parameters. */
  k: number;
  n: number;
  chi2: number;
  reducedChi2: number;
  aic: number;
  bic: number;
  /** Model values at the data's depths. */
  fitted: number[];
}

export interface DiffusionFit extends ModelFit {
  model: 'diffusion';
  geometry: DiffusionGeometry;
  sizeNm: number;
  surfaceState: number;
  surfaceStateErr: number;
  initialState: number;
  initialStateErr: number;
  /** Dt (nm²) and its standard error; √(Dt) is the diffusion length. */
  dtNm2: number;
  dtErrNm2: number;
  /** D (m²/s) from the effective time, with its standard error (NaN without a time). */
  diffusionM2PerS: number;
  diffusionErrM2PerS: number;
  timeS: number | null;
  /** 'low'/'high' when the best Dt lies at the edge of what the profile can resolve (then only a bound). */
  atBound: 'low' | 'high' | null;
}

export interface CoreShellFit extends ModelFit {
  model: 'core-shell';
  shellState: number;
  shellStateErr: number;
  coreState: number;
  coreStateErr: number;
  shellThicknessNm: number;
  /** Range of shell thickness within Δχ² ≤ 1 of the best (nm). */
  shellThicknessRangeNm: [number, number];
}

export interface UniformFit extends ModelFit {
  model: 'uniform';
  state: number;
  stateErr: number;
}

export interface DiffusionOptions {
  geometry?: DiffusionGeometry;
  /** Slab half-thickness or sphere radius (nm); default: the deepest point + half a bin. */
  sizeNm?: number;
  /** Effective diffusion time (s), to turn Dt into D. */
  timeS?: number;
  /** Its standard error (s), added in quadrature to D's relative error. */
  timeErrS?: number;
}

function checkData(p: ProfileData, minPoints: number, what: string): void {
  const n = p.depthNm.length;
  if (n !== p.value.length || n !== p.sigma.length) throw new PtyxanesError('profile arrays differ in length', { field: what, expected: `${n} values and errors`, found: `${p.value.length} / ${p.sigma.length}` });
  if (n < minPoints) throw new PtyxanesError(`too few depth bins to fit a ${what} model`, { field: what, expected: `≥ ${minPoints} bins`, found: String(n) });
  for (let i = 0; i < n; i++) {
    if (![p.depthNm[i], p.value[i], p.sigma[i]].every(Number.isFinite) || !(p.sigma[i] > 0)) {
      throw new PtyxanesError('profile point is not finite or has no positive error', { field: `${what} bin ${i}`, expected: 'finite depth, value and error > 0', found: `${p.depthNm[i]}, ${p.value[i]}, ${p.sigma[i]}` });
    }
  }
}

function criteria(chi2: number, k: number, n: number): { reducedChi2: number; aic: number; bic: number } {
  return { reducedChi2: n > k ? chi2 / (n - k) : NaN, aic: chi2 + 2 * k, bic: chi2 + k * Math.log(n) };
}

/**
 * Weighted LS of y ≈ a·(1 − f) + b·f with a, b kept within `bounds`; returns a, b, their
 * (conditional) errors and χ². The bounds matter where f ≈ 1 everywhere (a Dt long enough
 * to have equilibrated the whole crystal): there a is barely determined and would run off
 * to absurd values (10⁴ and beyond on the 2d-small run) with a χ² as good as any.
 */
function twoLevel(f: ArrayLike<number>, p: ProfileData, bounds: [number, number] = [-Infinity, Infinity]): { a: number; b: number; ea: number; eb: number; chi2: number } {
  let s00 = 0, s01 = 0, s11 = 0, y0 = 0, y1 = 0;
  for (let i = 0; i < f.length; i++) {
    const w = 1 / p.sigma[i] ** 2;
    const g = 1 - f[i], h = f[i];
    s00 += w * g * g;
    s01 += w * g * h;
    s11 += w * h * h;
    y0 += w * g * p.value[i];
    y1 += w * h * p.value[i];
  }
  const chi = (a: number, b: number) => {
    let c = 0;
    for (let i = 0; i < f.length; i++) c += ((p.value[i] - (a * (1 - f[i]) + b * f[i])) / p.sigma[i]) ** 2;
    return c;
  };
  const [lo, hi] = bounds;
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  const det = s00 * s11 - s01 * s01;
  if (det > 1e-12 * Math.max(1e-300, s00 * s11)) {
    const a = (y0 * s11 - y1 * s01) / det;
    const b = (y1 * s00 - y0 * s01) / det;
    const ea = Math.sqrt(s11 / det), eb = Math.sqrt(s00 / det);
    if (a >= lo && a <= hi && b >= lo && b <= hi) return { a, b, ea, eb, chi2: chi(a, b) };
    // A level at its bound, the other refitted (1D); keep the best of the candidates.
    const cands: [number, number][] = [];
    for (const aFix of [lo, hi]) if (Number.isFinite(aFix) && s11 > 0) cands.push([aFix, clamp((y1 - aFix * s01) / s11)]);
    for (const bFix of [lo, hi]) if (Number.isFinite(bFix) && s00 > 0) cands.push([clamp((y0 - bFix * s01) / s00), bFix]);
    let best = cands[0] ?? [clamp(a), clamp(b)];
    for (const c of cands) if (chi(c[0], c[1]) < chi(best[0], best[1])) best = c;
    return { a: best[0], b: best[1], ea, eb, chi2: chi(best[0], best[1]) };
  }
  // f is (nearly) constant: only one level is determined.
  const m = clamp((y0 + y1) / (s00 + 2 * s01 + s11));
  return { a: m, b: m, ea: Infinity, eb: Infinity, chi2: chi(m, m) };
}

/** Plausible range of the model's levels: the data's range widened by its span on each side. */
function levelBounds(p: ProfileData): [number, number] {
  const lo = Math.min(...p.value), hi = Math.max(...p.value);
  const span = Math.max(hi - lo, 0.1);
  return [lo - span, hi + span];
}

export function fitUniform(p: ProfileData): UniformFit {
  checkData(p, 2, 'uniform');
  let sw = 0, sy = 0;
  for (let i = 0; i < p.value.length; i++) {
    const w = 1 / p.sigma[i] ** 2;
    sw += w;
    sy += w * p.value[i];
  }
  const m = sy / sw;
  let chi2 = 0;
  for (let i = 0; i < p.value.length; i++) chi2 += ((p.value[i] - m) / p.sigma[i]) ** 2;
  const n = p.value.length;
  const c = criteria(chi2, 1, n);
  return { model: 'uniform', k: 1, n, chi2, ...c, fitted: p.value.map(() => m), state: m, stateErr: Math.sqrt(1 / sw) * Math.sqrt(Math.max(1, c.reducedChi2 || 1)) };
}

export function fitDiffusion(p: ProfileData, opts: DiffusionOptions = {}): DiffusionFit {
  checkData(p, 4, 'diffusion');
  const geometry = opts.geometry ?? 'sphere';
  const n = p.depthNm.length;
  const maxDepth = Math.max(...p.depthNm);
  const sorted = [...p.depthNm].sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < n; i++) if (sorted[i] > sorted[i - 1]) step = Math.min(step, sorted[i] - sorted[i - 1]);
  if (!Number.isFinite(step)) step = Math.max(1, maxDepth);
  const size = geometry === 'semi-infinite' ? Infinity : opts.sizeNm ?? maxDepth + step / 2;
  if (!(size > 0)) throw new PtyxanesError('bad crystal size for the diffusion model', { field: 'sizeNm', expected: 'a positive half-thickness or radius (nm)', found: String(size) });
  const f = new Float64Array(n);
  const bounds = levelBounds(p);
  const chiAt = (u: number) => {
    const dt = Math.exp(u);
    for (let i = 0; i < n; i++) f[i] = diffusionFraction(p.depthNm[i], dt, geometry, size);
    return twoLevel(f, p, bounds).chi2;
  };
  // Dt from a tenth of a bin squared (a step at the surface) to beyond equilibrium.
  const span = Number.isFinite(size) ? size : maxDepth;
  const uLo = Math.log((0.1 * step) ** 2), uHi = Math.log((3 * span) ** 2);
  const G = 80;
  let best = 0, bestChi = Infinity;
  const grid: number[] = [];
  for (let g = 0; g <= G; g++) {
    const c = chiAt(uLo + ((uHi - uLo) * g) / G);
    grid.push(c);
    if (c < bestChi) { bestChi = c; best = g; }
  }
  const du = (uHi - uLo) / G;
  let a = uLo + Math.max(0, best - 1) * du, b = uLo + Math.min(G, best + 1) * du;
  const gr = (Math.sqrt(5) - 1) / 2;
  let x1 = b - gr * (b - a), x2 = a + gr * (b - a), f1 = chiAt(x1), f2 = chiAt(x2);
  for (let it = 0; it < 60 && b - a > 1e-6; it++) {
    if (f1 < f2) { b = x2; x2 = x1; f2 = f1; x1 = b - gr * (b - a); f1 = chiAt(x1); }
    else { a = x1; x1 = x2; f1 = f2; x2 = a + gr * (b - a); f2 = chiAt(x2); }
  }
  let u = (a + b) / 2;
  if (grid[best] < Math.min(f1, f2)) u = uLo + best * du;
  const chi2 = chiAt(u);
  const lv = twoLevel(f, p, bounds);
  const fitted = Array.from(f, (fi) => lv.a * (1 - fi) + lv.b * fi);
  const c = criteria(chi2, 3, n);
  const scale = Math.sqrt(Math.max(1, c.reducedChi2 || 1));
  const h = 0.02;
  const curv = (chiAt(u + h) - 2 * chi2 + chiAt(u - h)) / (h * h);
  const su = curv > 0 ? Math.sqrt(2 / curv) * scale : Infinity;
  const dt = Math.exp(u);
  const atBound = best === 0 ? 'low' : best === G ? 'high' : null;
  const timeS = opts.timeS && opts.timeS > 0 ? opts.timeS : null;
  const relT = timeS && opts.timeErrS ? opts.timeErrS / timeS : 0;
  const dM2s = timeS ? (dt * 1e-18) / timeS : NaN;
  return {
    model: 'diffusion',
    k: 3,
    n,
    chi2,
    ...c,
    fitted,
    geometry,
    sizeNm: size,
    surfaceState: lv.b,
    surfaceStateErr: lv.eb * scale,
    initialState: lv.a,
    initialStateErr: lv.ea * scale,
    dtNm2: dt,
    dtErrNm2: dt * su,
    diffusionM2PerS: dM2s,
    diffusionErrM2PerS: dM2s * Math.hypot(su, relT),
    timeS,
    atBound,
  };
}

export function fitCoreShell(p: ProfileData): CoreShellFit {
  checkData(p, 4, 'core-shell');
  const n = p.depthNm.length;
  const ord = Array.from({ length: n }, (_, i) => i).sort((x, y) => p.depthNm[x] - p.depthNm[y]);
  const f = new Float64Array(n);
  const fits: { j: number; chi2: number; lv: ReturnType<typeof twoLevel> }[] = [];
  // Shell = the j shallowest bins; each side keeps at least one bin.
  for (let j = 1; j < n; j++) {
    for (let t = 0; t < n; t++) f[ord[t]] = t < j ? 1 : 0;
    const lv = twoLevel(f, p);
    fits.push({ j, chi2: lv.chi2, lv });
  }
  const bestFit = fits.reduce((m, x) => (x.chi2 < m.chi2 ? x : m));
  const edge = (j: number) => (p.depthNm[ord[j - 1]] + p.depthNm[ord[j]]) / 2;
  const ok = fits.filter((x) => x.chi2 <= bestFit.chi2 + 1).map((x) => edge(x.j));
  const c = criteria(bestFit.chi2, 3, n);
  const scale = Math.sqrt(Math.max(1, c.reducedChi2 || 1));
  const fitted = new Array<number>(n);
  ord.forEach((i, t) => (fitted[i] = t < bestFit.j ? bestFit.lv.b : bestFit.lv.a));
  return {
    model: 'core-shell',
    k: 3,
    n,
    chi2: bestFit.chi2,
    ...c,
    fitted,
    shellState: bestFit.lv.b,
    shellStateErr: bestFit.lv.eb * scale,
    coreState: bestFit.lv.a,
    coreStateErr: bestFit.lv.ea * scale,
    shellThicknessNm: edge(bestFit.j),
    shellThicknessRangeNm: [Math.min(...ok), Math.max(...ok)],
  };
}

export interface ProfileFits {
  diffusion: DiffusionFit;
  coreShell: CoreShellFit;
  uniform: UniformFit;
  /** Lowest AIC, and lowest BIC. */
  preferredByAic: ModelFit['model'];
  preferredByBic: ModelFit['model'];
  /** AIC of the runner-up minus the best (≥ 0; > 10 is decisive by Burnham & Anderson's rule of thumb). */
  deltaAic: number;
}

export function fitProfileModels(p: ProfileData, opts: DiffusionOptions = {}): ProfileFits {
  const diffusion = fitDiffusion(p, opts);
  const coreShell = fitCoreShell(p);
  const uniform = fitUniform(p);
  const all = [diffusion, coreShell, uniform];
  const byAic = [...all].sort((x, y) => x.aic - y.aic);
  const byBic = [...all].sort((x, y) => x.bic - y.bic);
  return { diffusion, coreShell, uniform, preferredByAic: byAic[0].model, preferredByBic: byBic[0].model, deltaAic: byAic[1].aic - byAic[0].aic };
}
