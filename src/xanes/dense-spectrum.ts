/**
 * Model-free edge features of densely sampled spectra (reference measurements, 0.1–0.5 eV
 * steps on irregular grids): derivative maximum, white line, half-white-line crossing and
 * the normalised-μ = 0.5 crossing. Used to put the references on one energy scale; the
 * per-pixel metrics on sparse grids come from the Gaussian fit instead.
 */
import type { Spectrum } from './references.ts';

export interface EdgeFeatures {
  /** Energy of the largest dμ/dE (slope of a local line over ±0.75 eV) in the search window. */
  derivMaxEv: number;
  /** Energy and height of the μ maximum (local ±0.5 eV mean) in [derivMax, hi]. */
  whiteLineEv: number;
  whiteLineHeight: number;
  /** Rising-side energy where μ first reaches half the white-line height (linear interpolation). */
  halfWhiteLineEv: number;
  /** Rising-side energy where μ reaches 0.5 (meaningful for normalised spectra). */
  halfStepEv: number;
}

/** Edge features in the window [loEv, hiEv] (defaults bracket the Ni K-edge). */
export function findEdgeFeatures(s: Spectrum, loEv = 8320, hiEv = 8365): EdgeFeatures {
  const e = s.energyEv;
  const n = e.length;
  let best = -Infinity;
  let derivMaxEv = NaN;
  const slope = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (e[i] < loEv - 2 || e[i] > hiEv + 2) continue;
    slope[i] = localSlope(s, i, 0.75);
  }
  for (let i = 1; i < n - 1; i++) {
    if (e[i] < loEv || e[i] > hiEv) continue;
    if (slope[i] > best) {
      best = slope[i];
      derivMaxEv = e[i];
      // Parabolic refinement through the neighbours (irregular spacing: fit on actual energies).
      const [x0, x1, x2] = [e[i - 1], e[i], e[i + 1]];
      const [y0, y1, y2] = [slope[i - 1], slope[i], slope[i + 1]];
      const v = vertex(x0, x1, x2, y0, y1, y2);
      if (Number.isFinite(v) && v > x0 && v < x2) derivMaxEv = v;
    }
  }
  let whiteLineHeight = -Infinity;
  let whiteLineEv = NaN;
  let iw = -1;
  for (let i = 0; i < n; i++) {
    if (e[i] < derivMaxEv || e[i] > hiEv) continue;
    const m = localMean(s, i, 0.5);
    if (m > whiteLineHeight) {
      whiteLineHeight = m;
      whiteLineEv = e[i];
      iw = i;
    }
  }
  return {
    derivMaxEv,
    whiteLineEv,
    whiteLineHeight,
    halfWhiteLineEv: iw > 0 ? risingCrossing(s, iw, whiteLineHeight / 2) : NaN,
    halfStepEv: iw > 0 ? risingCrossing(s, iw, 0.5) : NaN,
  };
}

/** Walking down from index `from`, the energy where μ crosses `level` (linear interpolation). */
function risingCrossing(s: Spectrum, from: number, level: number): number {
  for (let i = from; i > 0; i--) {
    const a = s.mu[i - 1];
    const b = s.mu[i];
    if (a <= level && b >= level) return s.energyEv[i - 1] + ((level - a) / (b - a || 1)) * (s.energyEv[i] - s.energyEv[i - 1]);
  }
  return NaN;
}

function localSlope(s: Spectrum, i: number, halfWidthEv: number): number {
  const e0 = s.energyEv[i];
  let sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0;
  for (let j = i; j >= 0 && s.energyEv[j] >= e0 - halfWidthEv; j--) acc(j);
  for (let j = i + 1; j < s.energyEv.length && s.energyEv[j] <= e0 + halfWidthEv; j++) acc(j);
  function acc(j: number) {
    const x = s.energyEv[j] - e0;
    sx += x; sy += s.mu[j]; sxx += x * x; sxy += x * s.mu[j]; k++;
  }
  const den = k * sxx - sx * sx;
  return k >= 3 && den > 0 ? (k * sxy - sx * sy) / den : NaN;
}

function localMean(s: Spectrum, i: number, halfWidthEv: number): number {
  const e0 = s.energyEv[i];
  let sum = 0, k = 0;
  for (let j = 0; j < s.energyEv.length; j++) {
    if (Math.abs(s.energyEv[j] - e0) <= halfWidthEv) {
      sum += s.mu[j];
      k++;
    }
  }
  return sum / k;
}

function vertex(x0: number, x1: number, x2: number, y0: number, y1: number, y2: number): number {
  const d0 = (y1 - y0) / (x1 - x0);
  const d1 = (y2 - y1) / (x2 - x1);
  const a = (d1 - d0) / (x2 - x0);
  if (!(a < 0)) return NaN;
  return (x0 + x1) / 2 - d0 / (2 * a);
}
