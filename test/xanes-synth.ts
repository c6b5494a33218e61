/**
 * Synthetic Ni K-edge spectra for the XANES tests: an arctan edge with a white line and a
 * post-edge bump on a sloping background, and real reference shapes shifted in energy.
 */
import { PAPER_2D_ENERGIES_EV } from '../src/xanes/grid.ts';
import { interpolateSpectrum, loadReferenceSpectra } from '../src/xanes/references.ts';

/** Raw μ(E) of the analytic model with its arctan edge at e0Ev (scale = edge step). */
export function analyticMu(eEv: number, e0Ev: number, scale = 0.8, offset = 0.4): number {
  const step = 0.5 + Math.atan((eEv - e0Ev) / 1.5) / Math.PI;
  const wl = 0.7 * Math.exp(-0.5 * ((eEv - e0Ev - 5) / 2.8) ** 2);
  const bump = 0.15 * Math.exp(-0.5 * ((eEv - e0Ev - 22) / 5) ** 2);
  const pre = offset - 0.0005 * (eEv - 8300);
  return pre + scale * (step + wl + bump) * (1 - 0.001 * (eEv - e0Ev));
}

/** Deterministic normal deviates (LCG + Box–Muller). */
export function gaussianRng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Stack [nE, n] (pixel fastest) from per-pixel spectra. */
export function stackOf(spectra: ArrayLike<number>[], energies: readonly number[] = PAPER_2D_ENERGIES_EV): { data: Float32Array; shape: number[] } {
  const nE = energies.length;
  const n = spectra.length;
  const data = new Float32Array(nE * n);
  spectra.forEach((s, p) => {
    for (let j = 0; j < nE; j++) data[j * n + p] = s[j];
  });
  return { data, shape: [nE, n] };
}

/** A shipped reference resampled onto `energies` after shifting it by shiftEv, scaled and offset like raw attenuation. */
export function referenceMu(id: string, shiftEv = 0, energies: readonly number[] = PAPER_2D_ENERGIES_EV, scale = 0.6, offset = 0.25): Float64Array {
  const s = loadReferenceSpectra()[id];
  const mu = interpolateSpectrum(s, energies.map((e) => e - shiftEv));
  return mu.map((v, j) => offset - 0.0004 * (energies[j] - 8300) + scale * v);
}
