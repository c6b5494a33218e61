/**
 * Bilinear resampling of complex images between pixel grids, for warm starts across
 * energies: the object pixel size λz/(N·dpix) changes with energy, so the previous
 * energy's object and probe are put on the new grid (by physical position) first.
 * Adjacent energies differ by well under a percent in pixel size, where bilinear
 * interpolation of the complex field is accurate.
 */

/** Samples `src` [h, w] complex at fractional (row, col); `outside` where off the grid. */
function sample(src: Float32Array, h: number, w: number, r: number, c: number, out: Float32Array, o: number, outside: [number, number]): void {
  // Grid edges computed from metres land a rounding error off whole pixels: allow for it.
  const eps = 1e-6;
  if (!(r >= -eps && c >= -eps && r <= h - 1 + eps && c <= w - 1 + eps)) {
    out[o] = outside[0];
    out[o + 1] = outside[1];
    return;
  }
  r = Math.min(h - 1, Math.max(0, r));
  c = Math.min(w - 1, Math.max(0, c));
  const r0 = Math.min(h - 2, Math.floor(r));
  const c0 = Math.min(w - 2, Math.floor(c));
  const fr = r - r0;
  const fc = c - c0;
  const i00 = 2 * (r0 * w + c0);
  const i01 = i00 + 2;
  const i10 = i00 + 2 * w;
  const i11 = i10 + 2;
  for (let k = 0; k < 2; k++) {
    const top = src[i00 + k] * (1 - fc) + src[i01 + k] * fc;
    const bot = src[i10 + k] * (1 - fc) + src[i11 + k] * fc;
    out[o + k] = top * (1 - fr) + bot * fr;
  }
}

/**
 * Object on a new grid: new pixel (r, c) lies at newOrigin + (c, r)·newPixel metres and is
 * read from the old grid at that position; outside the old object it is 1 (free space).
 */
export function resampleObject(
  src: Float32Array, srcH: number, srcW: number, srcOriginM: [number, number], srcPixelM: number,
  dstH: number, dstW: number, dstOriginM: [number, number], dstPixelM: number,
): Float32Array {
  if (srcH < 2 || srcW < 2) throw new RangeError('resampleObject: source must be at least 2×2');
  const out = new Float32Array(2 * dstH * dstW);
  for (let r = 0; r < dstH; r++) {
    const sr = (dstOriginM[1] + r * dstPixelM - srcOriginM[1]) / srcPixelM;
    for (let c = 0; c < dstW; c++) {
      const sc = (dstOriginM[0] + c * dstPixelM - srcOriginM[0]) / srcPixelM;
      sample(src, srcH, srcW, sr, sc, out, 2 * (r * dstW + c), [1, 0]);
    }
  }
  return out;
}

/** K probe modes [K, n, n] rescaled about their centre (n/2, n/2) from one pixel size to another; zero outside. */
export function resampleProbe(src: Float32Array, K: number, n: number, srcPixelM: number, dstPixelM: number): Float32Array {
  const out = new Float32Array(2 * K * n * n);
  const ratio = dstPixelM / srcPixelM;
  const c0 = n / 2;
  for (let k = 0; k < K; k++) {
    const mode = src.subarray(2 * k * n * n, 2 * (k + 1) * n * n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        sample(mode, n, n, (r - c0) * ratio + c0, (c - c0) * ratio + c0, out, 2 * (k * n * n + r * n + c), [0, 0]);
      }
    }
  }
  return out;
}
