/** RMS difference of two maps over the pixels finite in both, and how many those are. */
export function rmsOverFinite(a: ArrayLike<number>, b: ArrayLike<number>): { rms: number; n: number } {
  let d2 = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) {
      d2 += (a[i] - b[i]) ** 2;
      n++;
    }
  }
  return { rms: n ? Math.sqrt(d2 / n) : NaN, n };
}
