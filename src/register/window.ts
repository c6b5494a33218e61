/**
 * Edge tapers for registration. Separable: w(y, x) = w_rows(y) · w_cols(x), built over the
 * image (not the zero-padded FFT frame), so the taper reaches zero where the padding starts.
 */
import type { WindowKind } from './options.ts';

/** Tukey (tapered cosine) window of length n: a cosine ramp over alpha/2 of each end; alpha = 1 is Hann. */
export function tukeyWindow1d(n: number, alpha: number): Float64Array {
  const out = new Float64Array(n).fill(1);
  if (n < 2 || alpha <= 0) return out;
  for (let i = 0; i < n; i++) out[i] = tukeyAt(i / (n - 1), alpha);
  return out;
}

/** The Tukey window at a continuous position t in [0, 1] (0 outside): for windows placed at subpixel offsets. */
export function tukeyAt(t: number, alpha: number): number {
  if (!(t >= 0 && t <= 1)) return 0;
  const width = alpha / 2;
  const edge = Math.min(t, 1 - t);
  return edge < width ? 0.5 * (1 - Math.cos((Math.PI * edge) / width)) : 1;
}

export function window1d(kind: WindowKind, n: number, tukeyAlpha: number): Float64Array {
  if (kind === 'none') return new Float64Array(n).fill(1);
  return tukeyWindow1d(n, kind === 'hann' ? 1 : tukeyAlpha);
}

/** The h×w window as float32 (the layout the pack kernel reads). */
export function window2d(kind: WindowKind, h: number, w: number, tukeyAlpha: number): Float32Array {
  const wy = window1d(kind, h, tukeyAlpha);
  const wx = window1d(kind, w, tukeyAlpha);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = wy[y] * wx[x];
  return out;
}
