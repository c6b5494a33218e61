/** Display ranges (no DOM: used by the page and its Worker). */

/** Robust display range: 1st–99th percentile of the finite values. */
export function percentileRange(v: ArrayLike<number>, lo = 0.01, hi = 0.99): [number, number] {
  const s: number[] = [];
  const step = Math.max(1, Math.floor(v.length / 200_000));
  for (let i = 0; i < v.length; i += step) if (Number.isFinite(v[i])) s.push(v[i]);
  if (!s.length) return [0, 1];
  s.sort((a, b) => a - b);
  const a = s[Math.floor(lo * (s.length - 1))];
  const b = s[Math.ceil(hi * (s.length - 1))];
  return a < b ? [a, b] : [a - 0.5, a + 0.5];
}
