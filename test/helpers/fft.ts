/** Ground truth and comparisons for the FFT tests: seeded random frames, a naive 2D DFT, errors. */
import FFT from 'fft.js';

/** Seeded uniform random numbers in [-0.5, 0.5) (mulberry32). */
export function randomComplex(length: number, seed = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
  return out;
}

/** O((HW)²) 2D DFT in float64 with numpy's convention (inverse scaled by 1/(H·W)). */
export function naiveDft2d(x: Float32Array, batch: number, h: number, w: number, inverse = false): Float64Array {
  const out = new Float64Array(x.length);
  const sign = inverse ? 1 : -1;
  const scale = inverse ? 1 / (h * w) : 1;
  const frame = 2 * h * w;
  for (let b = 0; b < batch; b++) {
    for (let ky = 0; ky < h; ky++) {
      for (let kx = 0; kx < w; kx++) {
        let re = 0;
        let im = 0;
        for (let y = 0; y < h; y++) {
          for (let xx = 0; xx < w; xx++) {
            // Reduce the phase index exactly before converting to an angle.
            const a = (sign * 2 * Math.PI * (((ky * y) % h) * w + ((kx * xx) % w) * h)) / (h * w);
            const c = Math.cos(a);
            const s = Math.sin(a);
            const i = b * frame + 2 * (y * w + xx);
            re += x[i] * c - x[i + 1] * s;
            im += x[i] * s + x[i + 1] * c;
          }
        }
        const o = b * frame + 2 * (ky * w + kx);
        out[o] = re * scale;
        out[o + 1] = im * scale;
      }
    }
  }
  return out;
}

/** Relative L2 error ‖a − ref‖ / ‖ref‖. */
export function relL2(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) throw new Error(`length ${a.length} vs ${ref.length}`);
  let e = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i] - ref[i]) ** 2;
    n += ref[i] ** 2;
  }
  return Math.sqrt(e / n);
}

export function energy(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/** One h×w frame with a single point of value 1 at (y0, x0). */
export function delta(h: number, w: number, y0: number, x0: number): Float32Array {
  const d = new Float32Array(2 * h * w);
  d[2 * (y0 * w + x0)] = 1;
  return d;
}

/** exp(+2πi (ky·y/H + kx·x/W)): transforms to H·W at (ky, kx) and 0 elsewhere. */
export function planeWave(h: number, w: number, ky: number, kx: number): Float32Array {
  const d = new Float32Array(2 * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = 2 * Math.PI * (((ky * y) % h) / h + ((kx * x) % w) / w);
      d[2 * (y * w + x)] = Math.cos(a);
      d[2 * (y * w + x) + 1] = Math.sin(a);
    }
  }
  return d;
}

/** Expected forward transform of delta(y0, x0): exp(-2πi (ky·y0/H + kx·x0/W)). */
export function deltaSpectrum(h: number, w: number, y0: number, x0: number): Float64Array {
  const d = new Float64Array(2 * h * w);
  for (let ky = 0; ky < h; ky++) {
    for (let kx = 0; kx < w; kx++) {
      const a = -2 * Math.PI * (((ky * y0) % h) / h + ((kx * x0) % w) / w);
      d[2 * (ky * w + kx)] = Math.cos(a);
      d[2 * (ky * w + kx) + 1] = Math.sin(a);
    }
  }
  return d;
}

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The reference twin: fft.js along rows, then along columns, in float64. */
export function fftJs2d(x: Float32Array, h: number, w: number, inverse: boolean): Float64Array {
  const out = Float64Array.from(x);
  const line = (n: number, get: (i: number) => number, set: (i: number, v: number) => void) => {
    const f = new FFT(n);
    const a = f.createComplexArray() as number[];
    const b = f.createComplexArray() as number[];
    for (let i = 0; i < 2 * n; i++) a[i] = get(i);
    if (inverse) f.inverseTransform(b, a);
    else f.transform(b, a);
    for (let i = 0; i < 2 * n; i++) set(i, b[i]);
  };
  for (let r = 0; r < h; r++) line(w, (i) => out[2 * r * w + i], (i, v) => (out[2 * r * w + i] = v));
  for (let c = 0; c < w; c++) line(h, (i) => out[2 * ((i >> 1) * w + c) + (i & 1)], (i, v) => (out[2 * ((i >> 1) * w + c) + (i & 1)] = v));
  return out;
}

