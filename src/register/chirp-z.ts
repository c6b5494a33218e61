/**
 * Chirp-z evaluation of a zoomed DFT, for the CPU path of the upsampled-DFT refinement:
 *
 *   X[v] = Σ_{j=0}^{nIn−1} x[j] · exp(2πi (j + j0)(v + v0) / q),   v = 0..nOut−1,
 *
 * with integers j0, v0, q. This is the same matrix product the GPU kernels do, computed in
 * O(M log M) (M ≥ nIn + nOut − 1) instead of O(nIn · nOut) by Bluestein's identity
 * ab = (a² + b² − (b − a)²)/2, which turns it into a convolution done with fft.js. On one
 * CPU thread this is 5–10× faster than the direct product for 256² frames at U = 100.
 * Chirp phases π m²/q are reduced with integer arithmetic (m² mod 2q), so they stay exact.
 */
import FFT from 'fft.js';

export class ChirpZ {
  readonly nIn: number;
  readonly nOut: number;
  private readonly m: number;
  private readonly fft: FFT;
  /** exp(iπ (j+j0)²/q) and exp(iπ (v+v0)²/q). */
  private readonly preRe: Float64Array;
  private readonly preIm: Float64Array;
  private readonly postRe: Float64Array;
  private readonly postIm: Float64Array;
  /** FFT of the chirp exp(−iπ m²/q) for the difference m = (v+v0) − (j+j0). */
  private readonly kernelSpec: Float64Array;
  private readonly a: Float64Array;
  private readonly c: Float64Array;

  constructor(nIn: number, nOut: number, j0: number, v0: number, q: number) {
    this.nIn = nIn;
    this.nOut = nOut;
    let m = 2;
    while (m < nIn + nOut - 1) m *= 2;
    this.m = m;
    this.fft = new FFT(m);
    const chirp = (t: number, sign: number, out: Float64Array, oi: number) => {
      const r = (t * t) % (2 * q);
      const ph = (sign * Math.PI * r) / q;
      out[oi] = Math.cos(ph);
      out[oi + 1] = Math.sin(ph);
    };
    const tmp = new Float64Array(2);
    this.preRe = new Float64Array(nIn);
    this.preIm = new Float64Array(nIn);
    for (let j = 0; j < nIn; j++) {
      chirp(j + j0, 1, tmp, 0);
      this.preRe[j] = tmp[0];
      this.preIm[j] = tmp[1];
    }
    this.postRe = new Float64Array(nOut);
    this.postIm = new Float64Array(nOut);
    for (let v = 0; v < nOut; v++) {
      chirp(v + v0, 1, tmp, 0);
      this.postRe[v] = tmp[0];
      this.postIm[v] = tmp[1];
    }
    // b[n] = chirp(−) at difference d = (v + v0) − (j + j0) with n = v − j + nIn − 1.
    const b = new Float64Array(2 * m);
    for (let n = 0; n < nIn + nOut - 1; n++) chirp(n - (nIn - 1) + v0 - j0, -1, b, 2 * n);
    this.kernelSpec = new Float64Array(2 * m);
    this.fft.transform(this.kernelSpec, b);
    // The 1/M of the inverse FFT is folded in here (transform() inverts by a forward FFT of the conjugate).
    for (let i = 0; i < 2 * m; i++) this.kernelSpec[i] /= m;
    this.a = new Float64Array(2 * m);
    this.c = new Float64Array(2 * m);
  }

  /** X from x (interleaved complex, x.length ≥ 2·nIn), into out (interleaved, 2·nOut). */
  transform(x: Float64Array, out: Float64Array): void {
    const { a, c, m, nIn, nOut, preRe, preIm, postRe, postIm, kernelSpec: ks } = this;
    a.fill(0, 2 * nIn);
    for (let j = 0; j < nIn; j++) {
      const xr = x[2 * j];
      const xi = x[2 * j + 1];
      a[2 * j] = xr * preRe[j] - xi * preIm[j];
      a[2 * j + 1] = xr * preIm[j] + xi * preRe[j];
    }
    this.fft.transform(c, a);
    // c ← conj(c · K̂/M); a = FFT(c) = conj(IFFT(c · K̂)), conjugated back below.
    for (let i = 0; i < 2 * m; i += 2) {
      const re = c[i] * ks[i] - c[i + 1] * ks[i + 1];
      const im = c[i] * ks[i + 1] + c[i + 1] * ks[i];
      c[i] = re;
      c[i + 1] = -im;
    }
    this.fft.transform(a, c);
    for (let v = 0; v < nOut; v++) {
      const re = a[2 * (v + nIn - 1)];
      const im = -a[2 * (v + nIn - 1) + 1];
      out[2 * v] = re * postRe[v] - im * postIm[v];
      out[2 * v + 1] = re * postIm[v] + im * postRe[v];
    }
  }
}
