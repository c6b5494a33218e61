/**
 * Normalised Ni K-edge absorption m(E, v) (pre-edge 0, post-edge 1) of Ni in oxidation
 * state v, built from the measured references of src/xanes/references.ts (one energy
 * scale, normalised):
 *   2 ≤ v ≤ 3:  m = (1 − w)·NiO(E − w·ΔE) + w·LiNiO2(E + (1 − w)·ΔE),  w = v − 2
 *   v > 3:      m = LiNiO2(E − (v − 3)·ΔE)
 *   v < 2:      m = (v/2)·NiO + (1 − v/2)·Ni foil        (Ni0/Ni2+ mixture)
 * with ΔE the half-white-line edge difference LiNiO2 − NiO per valence (the quantity the
 * XANES calibration uses). Between 2 and 3 the shape interpolates between the two
 * references while both are moved onto the same edge, so the half-white-line edge moves
 * linearly with v at ΔE per valence, exactly as a NiO/LiNiO2 calibration assumes (a plain
 * linear combination would not: a 50/50 NiO/LiNiO2 mix reads as ≈2.34 by that edge, which
 * is what a column holding both states physically gives). Above 3 the edge keeps moving at
 * the same rate. The references are flattened (below) and tapered to
 * 0 below 8215–8240 eV and to 1 above 8880–8980 eV so that the Kramers–Kronig difference
 * is confined; energies are modelled in MODEL_RANGE_EV only.
 */
import { findEdgeFeatures } from '../xanes/dense-spectrum.ts';
import { interpolateSpectrum, loadReferenceSpectra, type ReferenceSpectrum, type Spectrum } from '../xanes/references.ts';
import { taperWindow } from './taper.ts';

/** Energies (eV) at which the optical model holds (references untapered, table covered). */
export const MODEL_RANGE_EV: [number, number] = [8245, 8875];

/** Reference keys used for each end of the mixture (those the XANES calibration uses). */
export const EDGE_REFERENCES = { ni0: 'niFoil', ni2: 'nio', ni3: 'liNiO2' } as const;

export interface EdgeModel {
  /** Half-white-line edge shift per valence between NiO and LiNiO2 (eV). */
  shiftPerValenceEv: number;
  /** Half-white-line edge energies (eV) of the Ni2+ and Ni3+ references. */
  edgeNi2Ev: number;
  edgeNi3Ev: number;
  /** m(E, v) at the given energies. */
  normalisedMu(energyEv: ArrayLike<number>, state: number): Float64Array;
  sources: string[];
}

const LOW_TAPER: [number, number] = [8215, 8240];
const HIGH_TAPER: [number, number] = [8880, 8980];

export function buildEdgeModel(refs: Record<string, ReferenceSpectrum>): EdgeModel {
  const foil = flatten(refs[EDGE_REFERENCES.ni0]);
  const ni2 = flatten(refs[EDGE_REFERENCES.ni2]);
  const ni3 = flatten(refs[EDGE_REFERENCES.ni3]);
  const edgeNi2Ev = findEdgeFeatures(refs[EDGE_REFERENCES.ni2]).halfWhiteLineEv;
  const edgeNi3Ev = findEdgeFeatures(refs[EDGE_REFERENCES.ni3]).halfWhiteLineEv;
  const shiftPerValenceEv = edgeNi3Ev - edgeNi2Ev;

  const tapered = (ref: Spectrum, e: ArrayLike<number>, shiftEv = 0): Float64Array => {
    const moved = Float64Array.from(e, (x) => x - shiftEv);
    const m = interpolateSpectrum(ref, moved);
    for (let i = 0; i < m.length; i++) {
      const wLo = taperWindow(e[i], LOW_TAPER[0], LOW_TAPER[1]);
      const wHi = 1 - taperWindow(e[i], HIGH_TAPER[0], HIGH_TAPER[1]);
      const raw = Number.isFinite(m[i]) ? m[i] : e[i] < 8500 ? 0 : 1;
      m[i] = wLo * (wHi * raw + (1 - wHi));
    }
    return m;
  };

  return {
    shiftPerValenceEv,
    edgeNi2Ev,
    edgeNi3Ev,
    sources: [EDGE_REFERENCES.ni0, EDGE_REFERENCES.ni2, EDGE_REFERENCES.ni3].map((k) => refs[k].source),
    normalisedMu(energyEv, state) {
      if (state > 3) return tapered(ni3, energyEv, (state - 3) * shiftPerValenceEv);
      if (state >= 2) {
        // Both ends moved onto the mixture's edge, so the edge moves linearly with v.
        const w = state - 2;
        const a = tapered(ni2, energyEv, w * shiftPerValenceEv);
        const b = tapered(ni3, energyEv, -(1 - w) * shiftPerValenceEv);
        return a.map((x, i) => (1 - w) * x + w * b[i]);
      }
      const a = tapered(ni2, energyEv);
      const b = tapered(foil, energyEv);
      const w = Math.max(state, 0) / 2;
      return a.map((x, i) => w * x + (1 - w) * b[i]);
    },
  };
}

/**
 * Athena-style flattening: the references are normalised with a post-edge quadratic
 * evaluated at the edge only, so far above the edge they drift below 1 (μ falls as ~E⁻³).
 * The post-edge trend is already in the tabulated f2 the model scales to, so it is
 * removed here: m − (q(E) − q(E_edge)) above the edge (blended in over 20 eV), with q a
 * quadratic fitted over 8400–8870 eV.
 */
function flatten(ref: Spectrum): Spectrum {
  const e0 = findEdgeFeatures(ref).halfWhiteLineEv;
  const q = quadraticFit(ref, 8400, 8870);
  const mu = ref.mu.map((m, i) => m - taperWindow(ref.energyEv[i], e0, e0 + 20) * (q(ref.energyEv[i]) - q(e0)));
  return { energyEv: ref.energyEv, mu };
}

function quadraticFit(s: Spectrum, lo: number, hi: number): (e: number) => number {
  const a = new Float64Array(9);
  const b = new Float64Array(3);
  for (let i = 0; i < s.energyEv.length; i++) {
    const e = s.energyEv[i];
    if (e < lo || e > hi || !Number.isFinite(s.mu[i])) continue;
    const t = (e - lo) / 100;
    const p = [1, t, t * t];
    for (let r = 0; r < 3; r++) {
      b[r] += p[r] * s.mu[i];
      for (let c = 0; c < 3; c++) a[r * 3 + c] += p[r] * p[c];
    }
  }
  const c = solve3(a, b);
  return (e) => {
    const t = (e - lo) / 100;
    return c[0] + t * (c[1] + t * c[2]);
  };
}

/** 3×3 linear solve by Cramer's rule (well conditioned: scaled abscissa). */
function solve3(a: Float64Array, b: Float64Array): number[] {
  const det = (m: ArrayLike<number>) =>
    m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  const d = det(a);
  return [0, 1, 2].map((k) => {
    const m = Float64Array.from(a);
    for (let r = 0; r < 3; r++) m[r * 3 + k] = b[r];
    return det(m) / d;
  });
}

let cached: EdgeModel | null = null;

/** The edge model over the shipped references (built once). */
export function edgeModel(): EdgeModel {
  if (!cached) cached = buildEdgeModel(loadReferenceSpectra());
  return cached;
}
