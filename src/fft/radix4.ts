/**
 * In-place radix-4 (with one radix-2 stage for odd log₂ n) decimation-in-time butterflies
 * in float64, the engine of the CPU 2D FFT (fft.cpu.ts). Two shapes of the same stages:
 *  - `lineStages`: one line of n complex values (a row), contiguous;
 *  - `rowStages`: n rows of `width` complex values at once, the butterfly applied to whole
 *    rows (the column transform of a frame without gathering columns: every inner loop runs
 *    along a contiguous row, the twiddle is constant across it).
 * Input must already be in bit-reversed order. The twiddle table holds e^{∓2πi j/n},
 * j < n (sign by direction); `inverse` flips the ±i of the radix-4 cross term.
 * Why not fft.js: its 2D use needed a float64 copy per row and a gather/scatter per column,
 * about 40 % of the CPU FFT time (BENCHMARKS.md, ePIE CPU profile).
 */

/** Bit-reversal permutation of 0..n−1. */
export function bitReverseTable(n: number): Int32Array {
  const bits = Math.round(Math.log2(n));
  const rev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0, x = i; b < bits; b++, x >>= 1) r = (r << 1) | (x & 1);
    rev[i] = r;
  }
  return rev;
}

/** e^{sign·2πi j/n} for j < n, interleaved. */
export function twiddleTable(n: number, sign: 1 | -1): Float64Array {
  const t = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    const a = (sign * 2 * Math.PI * j) / n;
    t[2 * j] = Math.cos(a);
    t[2 * j + 1] = Math.sin(a);
  }
  return t;
}

/** All butterfly stages on one line of n complex values at float offset `off` of `x`. */
export function lineStages(x: Float64Array, off: number, n: number, tw: Float64Array, inverse: boolean): void {
  let m = 1;
  if (Math.round(Math.log2(n)) & 1) {
    // One radix-2 stage (twiddle 1) so the rest is radix 4.
    for (let p = off, end = off + 2 * n; p < end; p += 4) {
      const ar = x[p], ai = x[p + 1], br = x[p + 2], bi = x[p + 3];
      x[p] = ar + br;
      x[p + 1] = ai + bi;
      x[p + 2] = ar - br;
      x[p + 3] = ai - bi;
    }
    m = 2;
  }
  const s = inverse ? -1 : 1; // −i (forward) or +i (inverse) on the cross term
  for (; m < n; m *= 4) {
    const step1 = n / (2 * m); // twiddle index stride of W_{2m}
    const step2 = n / (4 * m); // of W_{4m}
    for (let g = 0; g < n; g += 4 * m) {
      for (let k = 0; k < m; k++) {
        const w1r = tw[2 * k * step1], w1i = tw[2 * k * step1 + 1];
        const w2r = tw[2 * k * step2], w2i = tw[2 * k * step2 + 1];
        const p0 = off + 2 * (g + k), p1 = p0 + 2 * m, p2 = p1 + 2 * m, p3 = p2 + 2 * m;
        const x0r = x[p0], x0i = x[p0 + 1];
        let tr = x[p1] * w1r - x[p1 + 1] * w1i;
        let ti = x[p1] * w1i + x[p1 + 1] * w1r;
        const y0r = x0r + tr, y0i = x0i + ti, y1r = x0r - tr, y1i = x0i - ti;
        const x2r = x[p2], x2i = x[p2 + 1];
        tr = x[p3] * w1r - x[p3 + 1] * w1i;
        ti = x[p3] * w1i + x[p3 + 1] * w1r;
        const y2r = x2r + tr, y2i = x2i + ti, y3r = x2r - tr, y3i = x2i - ti;
        const ur = y2r * w2r - y2i * w2i, ui = y2r * w2i + y2i * w2r;
        // v = (∓i)·W·y3
        const wr = y3r * w2r - y3i * w2i, wi = y3r * w2i + y3i * w2r;
        const vr = s * wi, vi = -s * wr;
        x[p0] = y0r + ur;
        x[p0 + 1] = y0i + ui;
        x[p2] = y0r - ur;
        x[p2 + 1] = y0i - ui;
        x[p1] = y1r + vr;
        x[p1 + 1] = y1i + vi;
        x[p3] = y1r - vr;
        x[p3 + 1] = y1i - vi;
      }
    }
  }
}

/** All butterfly stages along the row index of an n × width frame (rows already bit-reversed). */
export function rowStages(x: Float64Array, off: number, n: number, width: number, tw: Float64Array, inverse: boolean): void {
  const L = 2 * width;
  let m = 1;
  if (Math.round(Math.log2(n)) & 1) {
    for (let r = 0; r < n; r += 2) {
      for (let p = off + r * L, q = p + L, end = p + L; p < end; p++, q++) {
        const a = x[p], b = x[q];
        x[p] = a + b;
        x[q] = a - b;
      }
    }
    m = 2;
  }
  const s = inverse ? -1 : 1;
  for (; m < n; m *= 4) {
    const step1 = n / (2 * m);
    const step2 = n / (4 * m);
    for (let g = 0; g < n; g += 4 * m) {
      for (let k = 0; k < m; k++) {
        const w1r = tw[2 * k * step1], w1i = tw[2 * k * step1 + 1];
        const w2r = tw[2 * k * step2], w2i = tw[2 * k * step2 + 1];
        let p0 = off + (g + k) * L;
        let p1 = p0 + m * L, p2 = p1 + m * L, p3 = p2 + m * L;
        const end = p0 + L;
        for (; p0 < end; p0 += 2, p1 += 2, p2 += 2, p3 += 2) {
          const x0r = x[p0], x0i = x[p0 + 1];
          let tr = x[p1] * w1r - x[p1 + 1] * w1i;
          let ti = x[p1] * w1i + x[p1 + 1] * w1r;
          const y0r = x0r + tr, y0i = x0i + ti, y1r = x0r - tr, y1i = x0i - ti;
          const x2r = x[p2], x2i = x[p2 + 1];
          tr = x[p3] * w1r - x[p3 + 1] * w1i;
          ti = x[p3] * w1i + x[p3 + 1] * w1r;
          const y2r = x2r + tr, y2i = x2i + ti, y3r = x2r - tr, y3i = x2i - ti;
          const ur = y2r * w2r - y2i * w2i, ui = y2r * w2i + y2i * w2r;
          const wr = y3r * w2r - y3i * w2i, wi = y3r * w2i + y3i * w2r;
          const vr = s * wi, vi = -s * wr;
          x[p0] = y0r + ur;
          x[p0 + 1] = y0i + ui;
          x[p2] = y0r - ur;
          x[p2 + 1] = y0i - ui;
          x[p1] = y1r + vr;
          x[p1 + 1] = y1i + vi;
          x[p3] = y1r - vr;
          x[p3 + 1] = y1i - vi;
        }
      }
    }
  }
}

/**
 * Decimation-in-frequency stages on one line: natural order in, bit-reversed order out (the
 * mirror of `lineStages`). With DIF forward and DIT inverse a transform pair never permutes:
 * ePIE's Fourier-space step is elementwise, so it runs on bit-reversed data against
 * amplitudes stored bit-reversed once (amplitude-store.ts).
 */
export function lineStagesDif(x: Float64Array, off: number, n: number, tw: Float64Array, inverse: boolean): void {
  const s = inverse ? -1 : 1;
  const odd = Math.round(Math.log2(n)) & 1;
  for (let m = n >> 2; m >= (odd ? 2 : 1); m >>= 2) {
    const step1 = n / (2 * m);
    const step2 = n / (4 * m);
    for (let g = 0; g < n; g += 4 * m) {
      for (let k = 0; k < m; k++) {
        const w1r = tw[2 * k * step1], w1i = tw[2 * k * step1 + 1];
        const w2r = tw[2 * k * step2], w2i = tw[2 * k * step2 + 1];
        const p0 = off + 2 * (g + k), p1 = p0 + 2 * m, p2 = p1 + 2 * m, p3 = p2 + 2 * m;
        const x0r = x[p0], x0i = x[p0 + 1], x1r = x[p1], x1i = x[p1 + 1];
        const x2r = x[p2], x2i = x[p2 + 1], x3r = x[p3], x3i = x[p3 + 1];
        const y0r = x0r + x2r, y0i = x0i + x2i;
        const y1r = x1r + x3r, y1i = x1i + x3i;
        const ar = x0r - x2r, ai = x0i - x2i;
        const br = x1r - x3r, bi = x1i - x3i;
        // y2 = a·W, y3 = (∓i)·b·W
        const y2r = ar * w2r - ai * w2i, y2i = ar * w2i + ai * w2r;
        const cr = br * w2r - bi * w2i, ci = br * w2i + bi * w2r;
        const y3r = s * ci, y3i = -s * cr;
        x[p0] = y0r + y1r;
        x[p0 + 1] = y0i + y1i;
        let dr = y0r - y1r, di = y0i - y1i;
        x[p1] = dr * w1r - di * w1i;
        x[p1 + 1] = dr * w1i + di * w1r;
        x[p2] = y2r + y3r;
        x[p2 + 1] = y2i + y3i;
        dr = y2r - y3r;
        di = y2i - y3i;
        x[p3] = dr * w1r - di * w1i;
        x[p3 + 1] = dr * w1i + di * w1r;
      }
    }
  }
  if (odd) {
    for (let p = off, end = off + 2 * n; p < end; p += 4) {
      const ar = x[p], ai = x[p + 1], br = x[p + 2], bi = x[p + 3];
      x[p] = ar + br;
      x[p + 1] = ai + bi;
      x[p + 2] = ar - br;
      x[p + 3] = ai - bi;
    }
  }
}

/** Decimation-in-frequency stages along the row index of an n × width frame (rows come out bit-reversed). */
export function rowStagesDif(x: Float64Array, off: number, n: number, width: number, tw: Float64Array, inverse: boolean): void {
  const L = 2 * width;
  const s = inverse ? -1 : 1;
  const odd = Math.round(Math.log2(n)) & 1;
  for (let m = n >> 2; m >= (odd ? 2 : 1); m >>= 2) {
    const step1 = n / (2 * m);
    const step2 = n / (4 * m);
    for (let g = 0; g < n; g += 4 * m) {
      for (let k = 0; k < m; k++) {
        const w1r = tw[2 * k * step1], w1i = tw[2 * k * step1 + 1];
        const w2r = tw[2 * k * step2], w2i = tw[2 * k * step2 + 1];
        let p0 = off + (g + k) * L;
        let p1 = p0 + m * L, p2 = p1 + m * L, p3 = p2 + m * L;
        const end = p0 + L;
        for (; p0 < end; p0 += 2, p1 += 2, p2 += 2, p3 += 2) {
          const x0r = x[p0], x0i = x[p0 + 1], x1r = x[p1], x1i = x[p1 + 1];
          const x2r = x[p2], x2i = x[p2 + 1], x3r = x[p3], x3i = x[p3 + 1];
          const y0r = x0r + x2r, y0i = x0i + x2i;
          const y1r = x1r + x3r, y1i = x1i + x3i;
          const ar = x0r - x2r, ai = x0i - x2i;
          const br = x1r - x3r, bi = x1i - x3i;
          const y2r = ar * w2r - ai * w2i, y2i = ar * w2i + ai * w2r;
          const cr = br * w2r - bi * w2i, ci = br * w2i + bi * w2r;
          const y3r = s * ci, y3i = -s * cr;
          x[p0] = y0r + y1r;
          x[p0 + 1] = y0i + y1i;
          let dr = y0r - y1r, di = y0i - y1i;
          x[p1] = dr * w1r - di * w1i;
          x[p1 + 1] = dr * w1i + di * w1r;
          x[p2] = y2r + y3r;
          x[p2 + 1] = y2i + y3i;
          dr = y2r - y3r;
          di = y2i - y3i;
          x[p3] = dr * w1r - di * w1i;
          x[p3 + 1] = dr * w1i + di * w1r;
        }
      }
    }
  }
  if (odd) {
    for (let r = 0; r < n; r += 2) {
      for (let p = off + r * L, q = p + L, end = p + L; p < end; p++, q++) {
        const a = x[p], b = x[q];
        x[p] = a + b;
        x[q] = a - b;
      }
    }
  }
}
