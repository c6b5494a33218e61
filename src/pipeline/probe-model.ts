/**
 * The starting probe of a run: a Fresnel zone-plate model (the paper's optics: 400 µm
 * diameter, 200 nm outermost zone, sample a little downstream of focus for a ~2 µm spot),
 * computed for each energy's wavelength and object pixel. A defocused, possibly annular
 * probe is far from the flat-phase guess of the mean pattern, and ePIE started from that
 * guess stalls in raster-grid artefacts; the model starts it near the answer. For a
 * simulated sample the simulator's own optics (manifest.json) are used.
 */
import type { ComplexArray } from '../core/arrays.ts';
import { objectPixelSizeM, wavelengthM, type FrameSource } from '../core/frames.ts';
import { PtyxanesError } from '../core/errors.ts';
import { zonePlateProbe } from '../sim/probe.ts';
import type { ProbeInit } from '../ptycho/types.ts';

export interface ZonePlateModel {
  diameterM: number;
  outerZoneM: number;
  centralStopDiameterM?: number;
  /** Distance of the sample downstream of focus (m); default: the defocus giving a `spotDiameterM` spot. */
  defocusM?: number;
  /** Wanted geometric spot diameter at the sample (m) when no defocus is given; default 2 µm (the paper). */
  spotDiameterM?: number;
}

/** The paper's zone plate (Methods): 400 µm diameter, 200 nm outermost zone, ~2 µm spot. */
export const PAPER_ZONE_PLATE: ZonePlateModel = { diameterM: 400e-6, outerZoneM: 200e-9, spotDiameterM: 2e-6 };

/** Defocus (m) for a geometric spot of `spotM` behind a zone plate of focal length f = D·Δr/λ. */
function defocusForSpot(zp: ZonePlateModel, energyEv: number, spotM: number): number {
  const f = (zp.diameterM * zp.outerZoneM) / wavelengthM(energyEv);
  return (spotM * f) / zp.diameterM;
}

/** A probe factory for the ptycho stage. */
export function zonePlateProbeModel(zp: ZonePlateModel, perEnergyDefocusM?: Map<number, number>): (source: FrameSource) => ComplexArray {
  if (!(zp.diameterM > 0 && zp.outerZoneM > 0)) {
    throw new PtyxanesError('zone plate diameter and outermost zone width must be positive', { field: 'zonePlate', found: `${zp.diameterM} m, ${zp.outerZoneM} m` });
  }
  return (source) => {
    const g = source.geometry;
    const n = source.height;
    const pixelM = objectPixelSizeM(g.energyEv, g.detectorDistanceM, g.detectorPixelM[0], n);
    let defocusM = zp.defocusM ?? defocusForSpot(zp, g.energyEv, zp.spotDiameterM ?? 2e-6);
    if (perEnergyDefocusM) {
      // The closest tabulated energy (simulated samples record the defocus per energy).
      let best = Infinity;
      for (const [e, d] of perEnergyDefocusM) if (Math.abs(e - g.energyEv) < best) [best, defocusM] = [Math.abs(e - g.energyEv), d];
    }
    return zonePlateProbe({ diameterM: zp.diameterM, outerZoneM: zp.outerZoneM, centralStopDiameterM: zp.centralStopDiameterM ?? 0, defocusM }, { n, pixelM, energyEv: g.energyEv });
  };
}

/** The zone plate recorded in a simulator manifest, with its per-energy defocus. */
export function zonePlateFromManifest(m: Record<string, unknown>): { zp: ZonePlateModel; defocus: Map<number, number> } | null {
  const z = m.zonePlate as { diameterM?: number; outerZoneM?: number; centralStopDiameterM?: number; defocusM?: number[] } | undefined;
  const energies = m.energiesEv as number[] | undefined;
  if (!z?.diameterM || !z.outerZoneM || !Array.isArray(z.defocusM) || !energies || energies.length !== z.defocusM.length) return null;
  return {
    zp: { diameterM: z.diameterM, outerZoneM: z.outerZoneM, centralStopDiameterM: z.centralStopDiameterM },
    defocus: new Map(energies.map((e, i) => [e, z.defocusM![i]])),
  };
}

/**
 * The probe factory a run uses: none for 'mean-pattern'; otherwise the simulator's optics
 * when the input is a simulated sample (unless overridden), else `zonePlate` over the
 * paper's defaults. (The ptycho stage falls back to ePIE's own guess, with a warning, when
 * a model cannot be sampled on a frame's grid.)
 */
export function probeModelFor(init: 'zone-plate' | 'mean-pattern', zonePlate?: Partial<ZonePlateModel>, manifest?: Record<string, unknown>): ((source: FrameSource) => ComplexArray) | undefined {
  if (init === 'mean-pattern') return undefined;
  if (init !== 'zone-plate') throw new PtyxanesError('unknown probe initialisation', { field: 'probeInit', expected: "'zone-plate' or 'mean-pattern'", found: String(init) });
  const sim = manifest && !zonePlate ? zonePlateFromManifest(manifest) : null;
  return sim ? zonePlateProbeModel(sim.zp, sim.defocus) : zonePlateProbeModel({ ...PAPER_ZONE_PLATE, ...zonePlate });
}

/** The probe starts a run may name: the zone-plate model, ePIE's mean-pattern guess, or a generic aperture / Gaussian of a given size. */
export type ProbeStart = 'zone-plate' | 'mean-pattern' | 'aperture' | 'gaussian';
export const PROBE_STARTS: readonly ProbeStart[] = ['zone-plate', 'mean-pattern', 'aperture', 'gaussian'];

/**
 * The ptycho stage's probe options for a start: a model factory for 'zone-plate'
 * (probeModelFor), a generic guess for 'aperture' (flat disk of diameter `sizeM` at the
 * sample) or 'gaussian' (FWHM `sizeM`), nothing for 'mean-pattern'. The generic guesses
 * start ePIE like the mean pattern does (sequential mPIE on the CPU, src/ptycho/options.ts).
 */
export function probeStartOptions(start: ProbeStart, o: { zonePlate?: Partial<ZonePlateModel>; sizeM?: number; manifest?: Record<string, unknown> } = {}): { probeModel?: (source: FrameSource) => ComplexArray; probeGuess?: ProbeInit } {
  if (start === 'aperture' || start === 'gaussian') {
    if (!(o.sizeM !== undefined && Number.isFinite(o.sizeM) && o.sizeM > 0)) {
      throw new PtyxanesError(`a ${start} probe start needs its size at the sample`, { field: 'probeSizeM (--probe-size-um)', expected: `the ${start === 'aperture' ? 'aperture diameter' : 'Gaussian FWHM'} in µm, > 0`, found: String(o.sizeM) });
    }
    return { probeGuess: start === 'aperture' ? { aperture: { diameterM: o.sizeM } } : { gaussian: { fwhmM: o.sizeM } } };
  }
  if (!PROBE_STARTS.includes(start)) throw new PtyxanesError('unknown probe initialisation', { field: 'probeInit', expected: PROBE_STARTS.map((k) => `'${k}'`).join(', '), found: String(start) });
  return { probeModel: probeModelFor(start, o.zonePlate, o.manifest) };
}
