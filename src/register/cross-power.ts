/**
 * Cross-power spectrum from one packed FFT (CPU twin of shaders/register_spectrum.wgsl).
 * With z = f + i·g (reference f, moving g, both real), Z = FFT(z) holds both spectra:
 *   F[k] = (Z[k] + conj(Z[−k])) / 2,   G[k] = (Z[k] − conj(Z[−k])) / (2i),
 * and the cross-power is P = F · conj(G). 'phase' normalisation uses (F/|F|)·conj(G/|G|)
 * (= P/|P|; normalising F and G apart keeps float32 in range for large frames), with 0
 * where |F| or |G| ≤ PHASE_EPS (float32 squares underflow below ~1e-19).
 */
export const PHASE_EPS = 1e-18;
export const PHASE_EPS2 = PHASE_EPS * PHASE_EPS;

/**
 * Writes the (normalised) cross-power spectrum of the packed spectrum `z` (H×W interleaved)
 * into `out`, and returns Σ|F|² and Σ|G|² (for the error estimate). P is Hermitian
 * (P[−k] = conj P[k], both images real), so rows 0..H/2 are computed and mirrored.
 */
export function crossPowerSpectrum(z: Float32Array, h: number, w: number, phase: boolean, out: Float32Array | Float64Array): { refPower: number; movPower: number } {
  let refPower = 0;
  let movPower = 0;
  for (let kr = 0; kr <= h / 2; kr++) {
    const ao = 2 * kr * w;
    const bo = 2 * ((h - kr) % h) * w;
    // Rows 0 and H/2 are their own mirror (visited whole); the others stand for two rows.
    const weight = kr === 0 || 2 * kr === h ? 1 : 2;
    let rowRef = 0;
    let rowMov = 0;
    for (let kc = 0; kc < w; kc++) {
      const a = ao + 2 * kc;
      const b = kc === 0 ? bo : bo + 2 * (w - kc); // −kc without a modulo per element
      const fRe = 0.5 * (z[a] + z[b]);
      const fIm = 0.5 * (z[a + 1] - z[b + 1]);
      // (Z[k] − conj Z[−k]) / (2i) = −i (Z[k] − conj Z[−k]) / 2
      const gRe = 0.5 * (z[a + 1] + z[b + 1]);
      const gIm = -0.5 * (z[a] - z[b]);
      const f2 = fRe * fRe + fIm * fIm;
      const g2 = gRe * gRe + gIm * gIm;
      rowRef += f2;
      rowMov += g2;
      let re = fRe * gRe + fIm * gIm;
      let im = fIm * gRe - fRe * gIm;
      if (phase) {
        // float64 here: one 1/(|F||G|) instead of normalising F and G apart (same value).
        if (f2 > PHASE_EPS2 && g2 > PHASE_EPS2) {
          const s = 1 / Math.sqrt(f2 * g2);
          re *= s;
          im *= s;
        } else {
          re = 0;
          im = 0;
        }
      }
      out[a] = re;
      out[a + 1] = im;
      out[b] = re;
      out[b + 1] = -im;
    }
    refPower += weight * rowRef;
    movPower += weight * rowMov;
  }
  return { refPower, movPower };
}

/**
 * Re Σ_k F[k]·conj(G[k])·kr[k_r]·kc[k_c] over the packed spectrum, with separable Hermitian
 * kernels kr (H) and kc (W) as re/im arrays: the unnormalised correlation at a shift. Rows
 * −k add the conjugate of rows k, so rows 0..H/2 are summed with weights 1, 2, …, 2, 1.
 */
export function correlationAt(z: Float32Array, h: number, w: number, krRe: Float64Array, krIm: Float64Array, kcRe: Float64Array, kcIm: Float64Array): number {
  let cc = 0;
  for (let kr = 0; kr <= h / 2; kr++) {
    const ao = 2 * kr * w;
    const bo = 2 * ((h - kr) % h) * w;
    let accRe = 0;
    let accIm = 0;
    for (let kc = 0; kc < w; kc++) {
      const a = ao + 2 * kc;
      const b = kc === 0 ? bo : bo + 2 * (w - kc); // −kc without a modulo per element
      const fRe = 0.5 * (z[a] + z[b]);
      const fIm = 0.5 * (z[a + 1] - z[b + 1]);
      const gRe = 0.5 * (z[a + 1] + z[b + 1]);
      const gIm = -0.5 * (z[a] - z[b]);
      const pr = fRe * gRe + fIm * gIm;
      const pi = fIm * gRe - fRe * gIm;
      accRe += pr * kcRe[kc] - pi * kcIm[kc];
      accIm += pr * kcIm[kc] + pi * kcRe[kc];
    }
    const weight = kr === 0 || 2 * kr === h ? 1 : 2;
    cc += weight * (accRe * krRe[kr] - accIm * krIm[kr]);
  }
  return cc;
}
