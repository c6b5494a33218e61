/** Small statistics shared by the analysis modules (finite values only). */

/** Quantile q ∈ [0,1] of sorted values (linear interpolation). */
export function quantileSorted(s: ArrayLike<number>, q: number): number {
  if (s.length === 0) return NaN;
  const p = q * (s.length - 1);
  const i = Math.floor(p);
  const f = p - i;
  return i + 1 < s.length ? s[i] * (1 - f) + s[i + 1] * f : s[i];
}

export interface Summary {
  n: number;
  mean: number;
  median: number;
  std: number;
  p05: number;
  p95: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  const s = Float64Array.from(values).filter(Number.isFinite).sort();
  const n = s.length;
  if (!n) return { n: 0, mean: NaN, median: NaN, std: NaN, p05: NaN, p95: NaN };
  let m = 0;
  for (const v of s) m += v;
  m /= n;
  let v2 = 0;
  for (const v of s) v2 += (v - m) ** 2;
  return { n, mean: m, median: quantileSorted(s, 0.5), std: n > 1 ? Math.sqrt(v2 / (n - 1)) : 0, p05: quantileSorted(s, 0.05), p95: quantileSorted(s, 0.95) };
}

/**
 * Otsu's threshold (1979) of the finite values: the cut maximising the between-class
 * variance of a 256-bin histogram. Edge-step maps are bimodal (support ≈ 0, crystals ≈ their
 * thickness), which is what Otsu assumes; NaN (unfitted) pixels are ignored.
 */
export function otsuThreshold(values: ArrayLike<number>): number {
  let lo = Infinity, hi = -Infinity, n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!n || !(hi > lo)) return lo;
  const bins = 256;
  const h = new Float64Array(bins);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) h[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  }
  let sumAll = 0;
  for (let k = 0; k < bins; k++) sumAll += k * h[k];
  let w0 = 0, sum0 = 0, best = -1, bestK = 0;
  for (let k = 0; k < bins - 1; k++) {
    w0 += h[k];
    sum0 += k * h[k];
    const w1 = n - w0;
    if (!w0 || !w1) continue;
    const m0 = sum0 / w0, m1 = (sumAll - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) ** 2;
    if (between > best) {
      best = between;
      bestK = k;
    }
  }
  return lo + (bestK + 1) * w;
}
