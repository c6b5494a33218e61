/**
 * Simulation configuration: the experiment as a JSON-friendly object (SI units), the
 * shipped presets (`samples/*.json`) and validation with one-line errors.
 */
import { PtyxanesError, check } from '../core/errors.ts';
import { isPowerOfTwo } from '../core/arrays.ts';
import preset2dSmall from '../../samples/2d-small.json' with { type: 'json' };
import preset3dSmall from '../../samples/3d-small.json' with { type: 'json' };
import preset3dCi from '../../samples/3d-ci.json' with { type: 'json' };
import preset2dPaper from '../../samples/2d-paper.json' with { type: 'json' };
import preset3dPaper from '../../samples/3d-paper.json' with { type: 'json' };
import { SCENARIOS, type Scenario } from './phantom.ts';
import type { ZonePlateSpec } from './probe.ts';
import type { DetectorSpec } from './detector.ts';
import type { ScanSpec } from './scan.ts';
import { checkEnergies } from './optics.ts';

export interface SimConfig {
  name: string;
  description?: string;
  kind: '2d' | '3d';
  scenario: Scenario;
  seed: number;
  energiesEv: number[];
  beam: { fluxPhotonsPerS: number; exposureS: number };
  /** fixedPosition: the zone plate stays put as the energy changes, so the defocus follows f(E); default false (refocused per energy). */
  zonePlate: ZonePlateSpec & { fixedPosition?: boolean };
  detector: DetectorSpec;
  scan: ScanSpec;
  sample: {
    crystals: number;
    sizeRangeM: [number, number];
    extentM: [number, number];
    /** Fine render grid pixel = smallest object pixel / renderOversample. */
    renderOversample: number;
    /** Sub-columns per fine pixel side. */
    supersample: number;
  };
  /** 2D: per-energy sample drift (random walk, RMS step per axis, m). */
  drift?: { stepRmsM: number } | null;
  /** 3D: tomography angles over rangeDeg (inclusive) and per-projection misalignment. */
  tomography?: { angles: number; rangeDeg: number; shiftRmsM: number; driftM: [number, number] } | null;
  /** blockFrames: frames simulated per block (memory); compression: gzip level 1–9 of the CXI frame data (0: none). */
  output?: { blockFrames?: number; truthVoxelM?: number | null; compression?: number };
}

const PRESETS: Record<string, SimConfig> = Object.fromEntries(
  [preset2dSmall, preset3dSmall, preset3dCi, preset2dPaper, preset3dPaper].map((p) => [p.name, p as unknown as SimConfig]),
);

export interface PresetInfo {
  name: string;
  kind: '2d' | '3d';
  description: string;
  frames: number;
  energies: number;
}

/** The shipped presets, with their size. */
export function listPresets(): PresetInfo[] {
  return Object.values(PRESETS).map((p) => ({
    name: p.name,
    kind: p.kind,
    description: p.description ?? '',
    energies: p.energiesEv.length,
    frames: p.scan.grid[0] * p.scan.grid[1] * p.energiesEv.length * (p.tomography?.angles ?? 1),
  }));
}

/** A deep copy of a preset; unknown name: one-line error listing the presets. */
export function presetConfig(name: string): SimConfig {
  const p = PRESETS[name];
  if (!p) throw new PtyxanesError(`unknown preset '${name}'`, { field: 'preset', expected: Object.keys(PRESETS).join(', '), found: name });
  return structuredClone(p);
}

/** Throws a PtyxanesError naming the first invalid field. */
export function validateConfig(c: SimConfig, file = 'config'): void {
  const where = (field: string, expected: string, found: unknown) => ({ file, field, expected, found: JSON.stringify(found) ?? String(found) });
  const pos = (v: unknown, field: string) => check(typeof v === 'number' && v > 0 && Number.isFinite(v), 'must be a positive number', where(field, '> 0', v));
  const nonNeg = (v: unknown, field: string) => check(v === undefined || (typeof v === 'number' && v >= 0 && Number.isFinite(v)), 'must be a number ≥ 0', where(field, '≥ 0', v));
  const posInt = (v: unknown, field: string) => check(Number.isInteger(v) && (v as number) > 0, 'must be a positive integer', where(field, 'integer ≥ 1', v));
  const pair = (v: unknown, field: string) => check(Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)), 'must be a pair of numbers', where(field, '[a, b]', v));

  check(c.kind === '2d' || c.kind === '3d', 'unknown experiment kind', where('kind', "'2d' or '3d'", c.kind));
  check(SCENARIOS.includes(c.scenario), 'unknown scenario', where('scenario', SCENARIOS.join(', '), c.scenario));
  check(Number.isInteger(c.seed) && c.seed >= 0, 'seed must be an integer ≥ 0', where('seed', 'integer ≥ 0', c.seed));
  check(Array.isArray(c.energiesEv) && c.energiesEv.length > 0, 'energies missing', where('energiesEv', 'a list of energies (eV)', c.energiesEv));
  checkEnergies(c.energiesEv, 'energiesEv');
  pos(c.beam?.fluxPhotonsPerS, 'beam.fluxPhotonsPerS');
  pos(c.beam?.exposureS, 'beam.exposureS');
  pos(c.zonePlate?.diameterM, 'zonePlate.diameterM');
  pos(c.zonePlate?.outerZoneM, 'zonePlate.outerZoneM');
  nonNeg(c.zonePlate?.centralStopDiameterM, 'zonePlate.centralStopDiameterM');
  check(typeof c.zonePlate?.defocusM === 'number' && Number.isFinite(c.zonePlate.defocusM), 'must be a number', where('zonePlate.defocusM', 'metres downstream of focus', c.zonePlate?.defocusM));
  check((c.zonePlate.centralStopDiameterM ?? 0) < c.zonePlate.diameterM, 'central stop must be smaller than the zone plate', where('zonePlate.centralStopDiameterM', `< ${c.zonePlate.diameterM}`, c.zonePlate.centralStopDiameterM));
  const d = c.detector;
  pos(d?.distanceM, 'detector.distanceM');
  pos(d?.pixelM, 'detector.pixelM');
  check(isPowerOfTwo(d?.crop) && d.crop >= 16 && d.crop <= 1024, 'crop must be a power of two from 16 to 1024', where('detector.crop', '16, 32, …, 1024', d?.crop));
  posInt(d.saturationCounts, 'detector.saturationCounts');
  check(d.deadPixelFraction >= 0 && d.deadPixelFraction < 0.5, 'dead pixel fraction out of range', where('detector.deadPixelFraction', '0 ≤ f < 0.5', d.deadPixelFraction));
  pair(d.beamCentrePx, 'detector.beamCentrePx');
  pair(c.scan?.stepM, 'scan.stepM');
  pos(c.scan.stepM[0], 'scan.stepM[0]');
  pos(c.scan.stepM[1], 'scan.stepM[1]');
  pair(c.scan.grid, 'scan.grid');
  posInt(c.scan.grid[0], 'scan.grid[0]');
  posInt(c.scan.grid[1], 'scan.grid[1]');
  nonNeg(c.scan.positionErrorM, 'scan.positionErrorM');
  if (c.scan.flight) {
    posInt(c.scan.flight.subSteps, 'scan.flight.subSteps');
    nonNeg(c.scan.flight.blurFraction, 'scan.flight.blurFraction');
  }
  const s = c.sample;
  posInt(s?.crystals, 'sample.crystals');
  pair(s.sizeRangeM, 'sample.sizeRangeM');
  check(s.sizeRangeM[0] > 0 && s.sizeRangeM[1] >= s.sizeRangeM[0], 'size range must be 0 < min ≤ max', where('sample.sizeRangeM', '0 < min ≤ max', s.sizeRangeM));
  pair(s.extentM, 'sample.extentM');
  pos(s.extentM[0], 'sample.extentM[0]');
  pos(s.extentM[1], 'sample.extentM[1]');
  check(s.renderOversample >= 1 && s.renderOversample <= 4, 'render oversampling out of range', where('sample.renderOversample', '1 … 4', s.renderOversample));
  posInt(s.supersample, 'sample.supersample');
  if (c.drift) nonNeg(c.drift.stepRmsM, 'drift.stepRmsM');
  if (c.kind === '3d') {
    const t = c.tomography;
    check(!!t, '3D experiments need a tomography section', where('tomography', '{ angles, rangeDeg, shiftRmsM, driftM }', t));
    posInt(t!.angles, 'tomography.angles');
    pos(t!.rangeDeg, 'tomography.rangeDeg');
    nonNeg(t!.shiftRmsM, 'tomography.shiftRmsM');
    pair(t!.driftM, 'tomography.driftM');
  }
  if (c.output?.blockFrames !== undefined) posInt(c.output.blockFrames, 'output.blockFrames');
  if (c.output?.truthVoxelM != null) pos(c.output.truthVoxelM, 'output.truthVoxelM');
  if (c.output?.compression !== undefined) check(Number.isInteger(c.output.compression) && c.output.compression >= 0 && c.output.compression <= 9, 'gzip level must be an integer 0–9', where('output.compression', '0 … 9', c.output.compression));
}
