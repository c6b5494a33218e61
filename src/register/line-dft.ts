/**
 * 1D DFT of any length for the Fourier shift: fft.js for powers of two, Bluestein's
 * chirp-z (a convolution done with power-of-two FFTs) otherwise. Images after ePIE and
 * rescaling have arbitrary sizes, and an exact periodic Fourier shift needs the DFT of
 * exactly that size. (src/fft does 2D frames of 16..4096 powers of two only.)
 */
import FFT from 'fft.js';

export class LineDft {
  readonly n: number;
  private readonly fft: FFT | null;
  private readonly m: number;
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  private readonly kernelSpec: Float64Array;
  private readonly bufA: Float64Array;
  private readonly bufB: Float64Array;

  constructor(n: number) {
    this.n = n;
    const pow2 = n >= 2 && (n & (n - 1)) === 0;
    if (pow2) {
      this.fft = new FFT(n);
      this.m = n;
      this.chirpRe = this.chirpIm = this.kernelSpec = new Float64Array(0);
      this.bufA = new Float64Array(2 * n);
      this.bufB = new Float64Array(2 * n);
      return;
    }
    let m = 2;
    while (m < 2 * n - 1) m *= 2;
    this.m = m;
    this.fft = n >= 2 ? new FFT(m) : null;
    // w_j = exp(iπ j²/n), with j² reduced mod 2n so the phase stays exact for large j.
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const ph = (Math.PI * ((j * j) % (2 * n))) / n;
      this.chirpRe[j] = Math.cos(ph);
      this.chirpIm[j] = Math.sin(ph);
    }
    this.bufA = new Float64Array(2 * m);
    this.bufB = new Float64Array(2 * m);
    const b = new Float64Array(2 * m);
    for (let j = 0; j < n; j++) {
      b[2 * j] = this.chirpRe[j];
      b[2 * j + 1] = this.chirpIm[j];
      if (j > 0) {
        b[2 * (m - j)] = this.chirpRe[j];
        b[2 * (m - j) + 1] = this.chirpIm[j];
      }
    }
    this.kernelSpec = new Float64Array(2 * m);
    if (this.fft) this.fft.transform(this.kernelSpec, b);
  }

  /** Forward DFT (unnormalised, e^{−2πi kj/n}) of interleaved complex `data` (its first 2n values), in place. */
  forward(data: Float64Array): void {
    const n = this.n;
    if (n < 2) return;
    if (this.m === n) {
      // Callers may pass a scratch line longer than 2n (one buffer for several axes).
      this.bufA.set(data.subarray(0, 2 * n));
      this.fft!.transform(data, this.bufA);
      return;
    }
    // X_k = conj(w_k) · Σ_j (x_j conj(w_j)) w_{k−j}
    const { bufA: a, bufB: c, chirpRe: wr, chirpIm: wi, kernelSpec: ks, m } = this;
    a.fill(0);
    for (let j = 0; j < n; j++) {
      const xr = data[2 * j];
      const xi = data[2 * j + 1];
      a[2 * j] = xr * wr[j] + xi * wi[j];
      a[2 * j + 1] = xi * wr[j] - xr * wi[j];
    }
    this.fft!.transform(c, a);
    for (let i = 0; i < m; i++) {
      const re = c[2 * i] * ks[2 * i] - c[2 * i + 1] * ks[2 * i + 1];
      const im = c[2 * i] * ks[2 * i + 1] + c[2 * i + 1] * ks[2 * i];
      c[2 * i] = re;
      c[2 * i + 1] = im;
    }
    this.fft!.inverseTransform(a, c);
    for (let k = 0; k < n; k++) {
      const re = a[2 * k];
      const im = a[2 * k + 1];
      data[2 * k] = re * wr[k] + im * wi[k];
      data[2 * k + 1] = im * wr[k] - re * wi[k];
    }
  }

  /** Inverse DFT (scaled by 1/n), in place: conj(forward(conj(X)))/n. */
  inverse(data: Float64Array): void {
    const n = this.n;
    for (let i = 1; i < 2 * n; i += 2) data[i] = -data[i];
    this.forward(data);
    for (let i = 0; i < 2 * n; i += 2) {
      data[i] /= n;
      data[i + 1] = -data[i + 1] / n;
    }
  }
}

/**
 * Shifts each of `count` real lines (length n, element stride `stride`, line starts
 * `starts`) by `shift` samples, periodically and band-limited: out[j] = in(j − shift).
 * The Nyquist term (even n) gets cos(π·shift), which keeps the result real.
 */
export function shiftLines(data: Float32Array, starts: ArrayLike<number>, stride: number, n: number, shift: number, dft: LineDft, buf: Float64Array): void {
  const ramp = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    const f = k < n / 2 ? k : k - n;
    const turns = (((f * shift) / n) % 1 + 1) % 1;
    if (2 * k === n) {
      ramp[2 * k] = Math.cos(Math.PI * shift);
      ramp[2 * k + 1] = 0;
    } else {
      ramp[2 * k] = Math.cos(-2 * Math.PI * turns);
      ramp[2 * k + 1] = Math.sin(-2 * Math.PI * turns);
    }
  }
  // The filter is Hermitian, so two real lines go through one complex transform (re, im).
  for (let s = 0; s < starts.length; s += 2) {
    const o = starts[s];
    const o2 = s + 1 < starts.length ? starts[s + 1] : -1;
    for (let j = 0; j < n; j++) {
      buf[2 * j] = data[o + j * stride];
      buf[2 * j + 1] = o2 >= 0 ? data[o2 + j * stride] : 0;
    }
    dft.forward(buf);
    for (let k = 0; k < n; k++) {
      const re = buf[2 * k] * ramp[2 * k] - buf[2 * k + 1] * ramp[2 * k + 1];
      const im = buf[2 * k] * ramp[2 * k + 1] + buf[2 * k + 1] * ramp[2 * k];
      buf[2 * k] = re;
      buf[2 * k + 1] = im;
    }
    dft.inverse(buf);
    for (let j = 0; j < n; j++) data[o + j * stride] = buf[2 * j];
    if (o2 >= 0) for (let j = 0; j < n; j++) data[o2 + j * stride] = buf[2 * j + 1];
  }
}
