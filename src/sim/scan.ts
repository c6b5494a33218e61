/**
 * Scan geometry: raster grids, random position errors, flight-scan sub-positions, per-energy
 * sample drift (2D) and per-projection misalignment (tomography). Positions are the probe's
 * (x, y) over the sample in metres (src/core/frames.ts convention), centred on 0.
 */
import { check } from '../core/errors.ts';
import { Rng } from './rng.ts';

export interface ScanSpec {
  /** Step (m), horizontal then vertical. */
  stepM: [number, number];
  /** Points per line (x) and lines (y). */
  grid: [number, number];
  /** RMS of random position errors per axis (m), 0 = none. Recorded positions stay nominal. */
  positionErrorM?: number;
  /**
   * Flight scan: the sample moves horizontally during each exposure; the pattern is the
   * incoherent sum over `subSteps` positions spread over `blurFraction` × the x step.
   */
  flight?: { subSteps: number; blurFraction?: number } | null;
}

/** Raster positions, row by row (y outer, x inner), centred on (0, 0): [x0, y0, x1, y1, …]. */
export function rasterPositionsM(scan: ScanSpec): Float64Array {
  const [nx, ny] = scan.grid;
  const [sx, sy] = scan.stepM;
  check(Number.isInteger(nx) && Number.isInteger(ny) && nx > 0 && ny > 0, 'scan grid must be positive integers', { field: 'scan.grid', found: `[${scan.grid}]` });
  check(sx > 0 && sy > 0, 'scan steps must be positive', { field: 'scan.stepM', found: `[${scan.stepM}]` });
  const out = new Float64Array(2 * nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const p = j * nx + i;
      out[2 * p] = (i - (nx - 1) / 2) * sx;
      out[2 * p + 1] = (j - (ny - 1) / 2) * sy;
    }
  }
  return out;
}

/** Gaussian position errors (m, x/y pairs) of RMS `rmsM` per axis. */
export function positionErrorsM(nPositions: number, rmsM: number, rng: Rng): Float64Array {
  const out = new Float64Array(2 * nPositions);
  if (rmsM > 0) for (let i = 0; i < out.length; i++) out[i] = rmsM * rng.normal();
  return out;
}

/** x offsets (m) of the flight-scan sub-positions about each nominal position ([0] without blur). */
export function flightOffsetsM(scan: ScanSpec): number[] {
  const f = scan.flight;
  if (!f || f.subSteps <= 1) return [0];
  const length = (f.blurFraction ?? 1) * scan.stepM[0];
  return Array.from({ length: f.subSteps }, (_, m) => ((m + 0.5) / f.subSteps - 0.5) * length);
}

/** Linear overlap of neighbouring probe footprints along the larger step: 1 − step/diameter. */
export function overlapFraction(stepM: [number, number], probeDiameterM: number): number {
  return 1 - Math.max(stepM[0], stepM[1]) / probeDiameterM;
}

/** Below this linear overlap ptychography gets unreliable (common rule of thumb: ≳ 60 %). */
export const MIN_OVERLAP = 0.5;

/**
 * Sample drift per energy (m, x/y pairs): a random walk starting at 0 with steps of RMS
 * `stepRmsM` per axis, so energies need registering (sub-pixel and accumulating).
 */
export function energyDriftM(nEnergies: number, stepRmsM: number, rng: Rng): Float64Array {
  const out = new Float64Array(2 * nEnergies);
  for (let e = 1; e < nEnergies; e++) {
    out[2 * e] = out[2 * e - 2] + stepRmsM * rng.normal();
    out[2 * e + 1] = out[2 * e - 1] + stepRmsM * rng.normal();
  }
  return out;
}

/**
 * Per-projection misalignment of a tomogram (m, x/y pairs): random shifts of RMS `shiftRmsM`
 * plus a linear drift reaching `driftM` at the last angle.
 */
export function tomoMisalignmentM(nAngles: number, shiftRmsM: number, driftM: [number, number], rng: Rng): Float64Array {
  const out = new Float64Array(2 * nAngles);
  for (let a = 0; a < nAngles; a++) {
    const t = nAngles > 1 ? a / (nAngles - 1) : 0;
    out[2 * a] = t * driftM[0] + shiftRmsM * rng.normal();
    out[2 * a + 1] = t * driftM[1] + shiftRmsM * rng.normal();
  }
  return out;
}

/** Tomography angles (degrees): n angles evenly over [0, rangeDeg] inclusive (241 over 180°). */
export function tomoAnglesDeg(n: number, rangeDeg: number): number[] {
  return Array.from({ length: n }, (_, a) => (n > 1 ? (a * rangeDeg) / (n - 1) : 0));
}
