/**
 * Unit handling at the file boundary: everything inside ptyxanes is SI (m) with energies
 * in eV; files carry J (CXI), keV (PtyPy, many beamline files) or eV. Explicit `units`
 * attributes win; otherwise the magnitude decides, inside ranges that cannot overlap for
 * hard X-rays, and anything else is rejected rather than guessed.
 */
import { PtyxanesError } from '../core/errors.ts';

/** Exact (SI 2019): 1 eV in joules. */
export const EV_TO_J = 1.602176634e-19;

export type EnergyUnit = 'J' | 'eV' | 'keV';

/** Normalises a units string ('J', 'joule', 'eV', 'keV', 'kev', …) or undefined when unknown. */
export function parseEnergyUnit(units: string | undefined): EnergyUnit | undefined {
  if (!units) return undefined;
  const u = units.trim().toLowerCase();
  if (u === 'j' || u === 'joule' || u === 'joules') return 'J';
  if (u === 'ev' || u === 'electronvolt' || u === 'electron_volt') return 'eV';
  if (u === 'kev' || u === 'kiloelectronvolt') return 'keV';
  return undefined;
}

/**
 * Energy in eV from a stored value. With a declared unit, converts and checks a wide
 * plausible range (10 eV–1 MeV). Without one, detects by magnitude: < 1e-10 is J,
 * 1–100 is keV, 1000–1e5 is eV; anything else is an error naming file and field.
 */
export function energyToEv(value: number, unit: EnergyUnit | 'auto' | undefined, where: { file?: string; field?: string }): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new PtyxanesError('energy must be a positive number', { ...where, expected: 'a positive energy (J, eV or keV)', found: String(value) });
  }
  let ev: number;
  if (unit && unit !== 'auto') {
    ev = unit === 'J' ? value / EV_TO_J : unit === 'keV' ? value * 1000 : value;
    if (!(ev >= 10 && ev <= 1e6)) {
      throw new PtyxanesError(`energy out of range for unit ${unit}`, { ...where, expected: 'between 10 eV and 1 MeV', found: `${value} ${unit}` });
    }
    return ev;
  }
  if (value < 1e-10) ev = value / EV_TO_J;
  else if (value >= 1 && value <= 100) ev = value * 1000;
  else if (value >= 1000 && value <= 1e5) ev = value;
  else {
    throw new PtyxanesError('energy in no recognised unit range', {
      ...where,
      expected: '< 1e-10 (J), 1–100 (keV) or 1000–100000 (eV), or a units attribute',
      found: String(value),
    });
  }
  return ev;
}

/** Metres per unit for a length `units` attribute ('m', 'mm', 'um', 'µm', 'micron', 'nm'); undefined when unknown. */
export function lengthScaleM(units: string | undefined): number | undefined {
  if (!units) return undefined;
  const u = units.trim().toLowerCase().replace('μ', 'µ');
  const table: Record<string, number> = {
    m: 1, meter: 1, meters: 1, metre: 1, metres: 1,
    mm: 1e-3, millimeter: 1e-3, millimetre: 1e-3,
    um: 1e-6, 'µm': 1e-6, micron: 1e-6, microns: 1e-6, micrometer: 1e-6, micrometre: 1e-6,
    nm: 1e-9, nanometer: 1e-9, nanometre: 1e-9,
  };
  return table[u];
}
