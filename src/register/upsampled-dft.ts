/**
 * The upsampled-DFT refinement of Guizar-Sicairos, Thurman & Fienup (Opt. Lett. 33, 156,
 * 2008): the cross-correlation is evaluated on a grid of spacing 1/U pixel in a 1.5-pixel
 * neighbourhood (R = ceil(1.5·U) points per axis, centred with offset D = floor(R/2), as
 * scikit-image) of the coarse peak s0, by two matrix products instead of an FFT of a
 * U-times larger array:
 *
 *   CC(s) = Σ_k P[k] · K_H(k_r, s_r) · K_W(k_c, s_c),   s = s0 + (index − D)/U,
 *   K_N(k, s) = exp(+2πi f_k s / N), f_k the signed frequency of index k,
 *
 * with one choice made explicit: the Nyquist index uses cos(π s) (the average of its two
 * aliases ±N/2), which makes K Hermitian, so CC is exactly real for real images (the
 * band-limited trigonometric interpolant of the correlation) and only the rows
 * k = 0..N/2 are needed: the rows k and −k contribute complex conjugates, i.e. twice the
 * real part. Everything factors into tables shared by all pairs (depending on N, U) and
 * per-pair phases of the integer coarse shift s0, whose arguments are reduced with
 * integer arithmetic, so float32 GPU kernels stay accurate for any frame size.
 *
 * The GPU kernels (shaders/register_dft_*.wgsl) do the two products with the tables below;
 * the CPU path evaluates the same sums as chirp-z transforms (chirp-z.ts).
 */
export interface UpsampleGeometry {
  upsampleFactor: number;
  /** Points per axis of the refinement grid. */
  regionSize: number;
  /** Grid index of the coarse peak. */
  regionCenter: number;
}

export function upsampleGeometry(upsampleFactor: number): UpsampleGeometry {
  // U = 1 is integer registration: a one-point "grid" at the coarse peak.
  const regionSize = upsampleFactor === 1 ? 1 : Math.ceil(1.5 * upsampleFactor);
  return { upsampleFactor, regionSize, regionCenter: Math.floor(regionSize / 2) };
}

/** Signed frequency of FFT index k (N even): 0..N/2−1, then −N/2 (Nyquist, handled apart)..−1. */
export function signedFrequency(k: number, n: number): number {
  return k < n / 2 ? k : k - n;
}

function posMod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/**
 * K_N(k, s) at s = s0 + m/U (s0, m integers), written into out[0..1]; the phase
 * f·s/N = (f·s0 mod N)/N + (f·m mod U·N)/(U·N) is reduced exactly before the cosine.
 */
export function kernelAt(k: number, n: number, s0: number, m: number, u: number, out: Float64Array | number[]): void {
  if (k === n / 2) {
    // cos(π(s0 + m/U)) = (−1)^s0 · cos(π m/U)
    out[0] = (s0 & 1 ? -1 : 1) * Math.cos((Math.PI * m) / u);
    out[1] = 0;
    return;
  }
  const f = signedFrequency(k, n);
  const turns = posMod(f * s0, n) / n + posMod(f * m, u * n) / (u * n);
  out[0] = Math.cos(2 * Math.PI * turns);
  out[1] = Math.sin(2 * Math.PI * turns);
}

/**
 * The pair-independent part of K for the GPU kernels, float32 interleaved complex:
 * col[l][v] = K_W(l, (v−D)/U) (threads over v read consecutive entries) and
 * row[u][k] = K_H(k, (u−D)/U) for k = 0..H/2.
 */
export function upsampleTables(height: number, width: number, upsampleFactor: number): { col: Float32Array; row: Float32Array } {
  const { regionSize: r, regionCenter: d } = upsampleGeometry(upsampleFactor);
  const kh = height / 2 + 1;
  const col = new Float32Array(2 * r * width);
  const row = new Float32Array(2 * r * kh);
  const t = [0, 0];
  for (let v = 0; v < r; v++) {
    for (let l = 0; l < width; l++) {
      kernelAt(l, width, 0, v - d, upsampleFactor, t);
      col[2 * (l * r + v)] = t[0];
      col[2 * (l * r + v) + 1] = t[1];
    }
    for (let k = 0; k < kh; k++) {
      kernelAt(k, height, 0, v - d, upsampleFactor, t);
      row[2 * (v * kh + k)] = t[0];
      row[2 * (v * kh + k) + 1] = t[1];
    }
  }
  return { col, row };
}

/** Integer coarse peak index → signed shift, as scikit-image: indices above N/2 wrap to negative. */
export function wrapShift(index: number, n: number): number {
  return index > n / 2 ? index - n : index;
}
