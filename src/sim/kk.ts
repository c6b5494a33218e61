/**
 * Kramers–Kronig for atomic scattering factors, FFT based. For a change Δf2(E) confined
 * to a finite energy window, the matching change of f1 is
 *   Δf1(E) = (2/π) P∫ E' Δf2(E') / (E² − E'²) dE'
 *          = H[Δf2](E) − (1/π) ∫ Δf2(E') / (E + E') dE',
 * with H[g](x) = (1/π) P∫ g(t) / (x − t) dt the Hilbert transform (H cos = sin). The first
 * term is computed by FFT on a uniform, zero-padded grid (multiplier −i·sgn(ν)); the second,
 * smooth (E + E' ≈ 2E), by direct quadrature.
 */
import FFT from 'fft.js';

const plans = new Map<number, FFT>();
function plan(n: number): FFT {
  let p = plans.get(n);
  if (!p) plans.set(n, (p = new FFT(n)));
  return p;
}

/**
 * Hilbert transform of samples `g` (uniform spacing) by FFT, zero padded to at least
 * `pad`× the length so the periodic wrap-around of the slowly decaying 1/x kernel stays
 * small (for a g of area A the wrapped images add ≈ A/(π·padded length): ~0.005 e for
 * the Ni edge difference on the 0.25 eV grid with pad 2). Returns H[g] at the same samples.
 */
export function hilbertFft(g: ArrayLike<number>, pad = 4): Float64Array {
  const n = g.length;
  let size = 16;
  while (size < pad * n) size *= 2;
  const fft = plan(size);
  const input = new Float64Array(2 * size);
  for (let i = 0; i < n; i++) input[2 * i] = g[i];
  const spec = new Float64Array(2 * size);
  fft.transform(spec, input);
  // × (−i·sgn ν): (a + ib)(−i) = b − ia for ν > 0; (a + ib)(+i) = −b + ia for ν < 0.
  for (let k = 0; k < size; k++) {
    const re = spec[2 * k];
    const im = spec[2 * k + 1];
    if (k === 0 || k === size / 2) {
      spec[2 * k] = 0;
      spec[2 * k + 1] = 0;
    } else if (k < size / 2) {
      spec[2 * k] = im;
      spec[2 * k + 1] = -re;
    } else {
      spec[2 * k] = -im;
      spec[2 * k + 1] = re;
    }
  }
  const out = new Float64Array(2 * size);
  fft.inverseTransform(out, spec);
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) h[i] = out[2 * i]; // fft.js inverse already divides by size
  return h;
}

/**
 * Δf1 at every grid point from Δf2 sampled on the uniform grid E_i = e0Ev + i·stepEv
 * (Δf2 must vanish at both ends of the grid).
 */
export function kramersKronigDelta(deltaF2: ArrayLike<number>, e0Ev: number, stepEv: number): Float64Array {
  const n = deltaF2.length;
  const h = hilbertFft(deltaF2, 2);
  // Second term (pole at −E): varies on a keV scale, so it is evaluated exactly at every
  // 64th grid point and interpolated linearly in between.
  const coarse = 64;
  const nodes = Math.ceil((n - 1) / coarse) + 1;
  const tail = new Float64Array(nodes);
  for (let c = 0; c < nodes; c++) {
    const e = e0Ev + Math.min(c * coarse, n - 1) * stepEv;
    let s = 0;
    for (let j = 0; j < n; j++) s += deltaF2[j] / (e + e0Ev + j * stepEv);
    tail[c] = (s * stepEv) / Math.PI;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.min(Math.floor(i / coarse), nodes - 2);
    const i0 = c * coarse;
    const i1 = Math.min((c + 1) * coarse, n - 1);
    const t = i1 > i0 ? (i - i0) / (i1 - i0) : 0;
    out[i] = h[i] - (tail[c] + t * (tail[c + 1] - tail[c]));
  }
  return out;
}
