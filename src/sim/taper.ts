/** Smooth step: 0 at x ≤ lo, 1 at x ≥ hi, sin² in between (continuous slope at both ends). */
export function taperWindow(x: number, lo: number, hi: number): number {
  if (x <= lo) return 0;
  if (x >= hi) return 1;
  const s = Math.sin((Math.PI / 2) * ((x - lo) / (hi - lo)));
  return s * s;
}
