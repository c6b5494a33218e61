/**
 * Tabulated atomic scattering factors (Chantler, via xraydb: see data/README.md) and the
 * complex refractive index n = 1 − δ + iβ of a compound from them:
 *   δ = r_e λ² / (2π) · Σ_i n_i f1_i,   β = r_e λ² / (2π) · Σ_i n_i f2_i,
 * with n_i the number density of element i and f1 = Z + f′ the forward scattering factor.
 */
import table from './data/scattering-factors.json' with { type: 'json' };
import { PtyxanesError } from '../core/errors.ts';
import { wavelengthM } from '../core/frames.ts';

/** Classical electron radius (m). */
export const ELECTRON_RADIUS_M = 2.8179403262e-15;
export const AVOGADRO = 6.02214076e23;

interface ElementTable {
  Z: number;
  molarMassGPerMol: number;
  startEv: number;
  stepEv: number;
  fPrime: number[];
  f2: number[];
}

const ELEMENTS = table.elements as Record<string, ElementTable>;
export const SCATTERING_TABLE_SOURCE: string = table.source;
/** Energy range (eV) covered by every element of the table. */
export const TABLE_RANGE_EV: [number, number] = (() => {
  let lo = -Infinity;
  let hi = Infinity;
  for (const el of Object.values(ELEMENTS)) {
    lo = Math.max(lo, el.startEv);
    hi = Math.min(hi, el.startEv + (el.f2.length - 1) * el.stepEv);
  }
  return [lo, hi];
})();

function element(symbol: string): ElementTable {
  const el = ELEMENTS[symbol];
  if (!el) throw new PtyxanesError(`no scattering factors for element '${symbol}'`, { field: 'formula', expected: Object.keys(ELEMENTS).join(', '), found: symbol });
  return el;
}

function interp(values: number[], startEv: number, stepEv: number, energyEv: number, symbol: string): number {
  const x = (energyEv - startEv) / stepEv;
  if (!(x >= 0 && x <= values.length - 1)) {
    const hi = startEv + (values.length - 1) * stepEv;
    throw new PtyxanesError('energy outside the tabulated range', { field: `scattering factors of ${symbol}`, expected: `${startEv}–${hi} eV`, found: `${energyEv} eV` });
  }
  const i = Math.min(Math.floor(x), values.length - 2);
  const t = x - i;
  return values[i] + t * (values[i + 1] - values[i]);
}

/** Tabulated (f1 = Z + f′, f2) of one element at one energy, linear interpolation. */
export function atomicFactors(symbol: string, energyEv: number): { f1: number; f2: number } {
  const el = element(symbol);
  return {
    f1: el.Z + interp(el.fPrime, el.startEv, el.stepEv, energyEv, symbol),
    f2: interp(el.f2, el.startEv, el.stepEv, energyEv, symbol),
  };
}

export function molarMassGPerMol(symbol: string): number {
  return element(symbol).molarMassGPerMol;
}

/** A compound: atoms per formula unit and mass density. */
export interface Compound {
  formula: Record<string, number>;
  densityGPerCm3: number;
}

/** LiNi0.8Mn0.1Co0.1O2 (SC-NMC811), 4.7 g/cm³. */
export const NMC811: Compound = { formula: { Li: 1, Ni: 0.8, Mn: 0.1, Co: 0.1, O: 2 }, densityGPerCm3: 4.7 };

/** Number density (m⁻³) of each element of a compound. */
export function numberDensitiesPerM3(c: Compound): Record<string, number> {
  let molar = 0;
  for (const [el, x] of Object.entries(c.formula)) molar += x * molarMassGPerMol(el);
  const formulaUnitsPerM3 = ((c.densityGPerCm3 * 1e6) / molar) * AVOGADRO;
  const out: Record<string, number> = {};
  for (const [el, x] of Object.entries(c.formula)) out[el] = x * formulaUnitsPerM3;
  return out;
}

/** r_e λ² / (2π): converts Σ n_i f_i (m⁻³) into δ or β. */
export function indexPrefactorM3(energyEv: number): number {
  const lam = wavelengthM(energyEv);
  return (ELECTRON_RADIUS_M * lam * lam) / (2 * Math.PI);
}

/** δ and β of a compound from the table alone (isolated atoms: no near-edge structure). */
export function tabulatedIndex(c: Compound, energyEv: number): { delta: number; beta: number } {
  const n = numberDensitiesPerM3(c);
  let s1 = 0;
  let s2 = 0;
  for (const [el, ni] of Object.entries(n)) {
    const f = atomicFactors(el, energyEv);
    s1 += ni * f.f1;
    s2 += ni * f.f2;
  }
  const k = indexPrefactorM3(energyEv);
  return { delta: k * s1, beta: k * s2 };
}
