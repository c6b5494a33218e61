/**
 * Compares a 3D run with the simulator's truth (manifest.json kind '3d'): the truth state
 * and occupancy volumes are area-sampled onto the run's voxel grid, the one global offset
 * between the grids found by 3D cross-correlation of the truth occupancy with the fitted
 * edge step (the tomography fixes the volume only up to a translation), and the state is
 * compared inside the crystals. Each energy's recovered projection shifts are compared
 * with the simulated misalignment, both with the tomographic gauge taken out.
 */
import { join } from 'node:path';
import type { RealArray } from '../core/arrays.ts';
import { readTiff } from '../io/tiff.ts';
import { registerVolumes } from '../register/register-volumes.ts';
import type { XanesResult } from '../xanes/index.ts';
import type { ProjectionGrid } from './projections-stage.ts';
import type { TomoStageResult } from './tomo-stage.ts';
import { spreadAndCorrelation } from './truth.ts';

export interface TruthComparison3d {
  /** RMS of (fitted − true) state over interior crystal voxels with a fitted value. */
  rmsError: number;
  bias: number;
  voxels: number;
  /** Interior voxels without a fitted value. */
  missing: number;
  truthMean: number;
  /** Spread of the true state over the same voxels: what a flat volume at the true mean would score. */
  truthStd: number;
  correlation: number;
  /** Offset (z, y, x voxels) between the nominal placement of the truth and the result, found by correlation. */
  offsetVoxels: [number, number, number];
  /** Whether the truth's beam axis is mirrored on the result grid (rotation sense). */
  mirrored: boolean;
  /** Voxels whose sampled truth occupancy is at least this count as crystal interior. */
  occupancyFraction: number;
  /** Per energy: RMS (over angles, both directions) of recovered − simulated projection shifts, px. */
  shiftErrorPx: number[];
}

interface Manifest3d {
  dir: string;
  kind?: string;
  truth?: {
    files?: Record<string, string>;
    volumeGrid?: { voxelM: number; shape: [number, number, number]; originM: [number, number, number] };
    misalignmentM?: [number, number][][];
  };
}

type Placement = { offset: [number, number, number]; mirror: boolean };

/**
 * Truth occupancy and occupancy-weighted state on the result grid. Result voxel (k, j, i)
 * (z = rows = the sample's y, y = beam axis at angle 0 = the sample's z, x = columns)
 * sits at sample point x = originX + (i − (nx−1)/2 + axis)·px, y = originY + k·px,
 * z = ±(j − (ny−1)/2)·px, less the offset.
 */
function sampleTruth(occ: RealArray, state: RealArray, vg: NonNullable<NonNullable<Manifest3d['truth']>['volumeGrid']>, grid: ProjectionGrid, shape: [number, number, number], axis: number, p: Placement) {
  const [nz, ny, nx] = shape;
  const [tz, ty, tx] = occ.shape;
  const px = grid.pixelSizeM;
  const sub = 2;
  const o = new Float32Array(nz * ny * nx);
  const s = new Float32Array(nz * ny * nx);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        let oSum = 0;
        let sSum = 0;
        for (let a = 0; a < sub; a++) {
          for (let b = 0; b < sub; b++) {
            for (let c = 0; c < sub; c++) {
              const kk = k - p.offset[0] - 0.5 + (a + 0.5) / sub;
              const jj = j - p.offset[1] - 0.5 + (b + 0.5) / sub;
              const ii = i - p.offset[2] - 0.5 + (c + 0.5) / sub;
              const x = grid.originM[0] + (ii - (nx - 1) / 2 + axis) * px;
              const y = grid.originM[1] + kk * px;
              const z = (p.mirror ? -1 : 1) * (jj - (ny - 1) / 2) * px;
              const ix = Math.round((x - vg.originM[0]) / vg.voxelM);
              const iy = Math.round((y - vg.originM[1]) / vg.voxelM);
              const iz = Math.round((z - vg.originM[2]) / vg.voxelM);
              if (ix < 0 || iy < 0 || iz < 0 || ix >= tx || iy >= ty || iz >= tz) continue;
              const t = (iz * ty + iy) * tx + ix;
              const ov = occ.data[t];
              oSum += ov;
              if (ov > 0 && Number.isFinite(state.data[t])) sSum += ov * state.data[t];
            }
          }
        }
        const v = (k * ny + j) * nx + i;
        o[v] = oSum / sub ** 3;
        s[v] = oSum > 0 ? sSum / oSum : NaN;
      }
    }
  }
  return { occupancy: o, state: s };
}

/** RMS difference of two shift lists [angle](dy, dx) after removing what the tomography cannot see: a common vertical shift and k + X·cos θ + Y·sin θ horizontally. */
export function gaugeFreeShiftRms(a: [number, number][], b: [number, number][], anglesDeg: number[]): number {
  const n = anglesDeg.length;
  const dy = a.map((v, i) => v[0] - b[i][0]);
  const dx = a.map((v, i) => v[1] - b[i][1]);
  const my = dy.reduce((s, v) => s + v, 0) / n;
  // Least squares of dx on [1, cos θ, sin θ] (3×3 normal equations).
  const rows = anglesDeg.map((t) => [1, Math.cos((t * Math.PI) / 180), Math.sin((t * Math.PI) / 180)]);
  const A = [0, 1, 2].map((r) => [0, 1, 2].map((c) => rows.reduce((s, row) => s + row[r] * row[c], 0)));
  const rhs = [0, 1, 2].map((r) => rows.reduce((s, row, i) => s + row[r] * dx[i], 0));
  const coef = solve3(A, rhs);
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const fx = rows[i][0] * coef[0] + rows[i][1] * coef[1] + rows[i][2] * coef[2];
    s2 += (dy[i] - my) ** 2 + (dx[i] - fx) ** 2;
  }
  return Math.sqrt(s2 / n);
}

function solve3(A: number[][], b: number[]): number[] {
  const m = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    if (Math.abs(m[c][c]) < 1e-12) return [0, 0, 0];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 4; k++) m[r][k] -= f * m[c][k];
    }
  }
  return [m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]];
}

/**
 * `structure`: a volume ∝ the Ni per voxel on the result grid (the reference energy's
 * attenuation), to place the truth: the same for every fit of the same tomograms, so
 * fits compare over the same voxels.
 */
export async function compareWithTruth3d(manifest: Manifest3d, xanes: Pick<XanesResult, 'oxidationState'>, grid: ProjectionGrid, tomo: TomoStageResult, structure: RealArray, occupancyFraction = 0.75): Promise<TruthComparison3d | undefined> {
  const files = manifest.truth?.files;
  const vg = manifest.truth?.volumeGrid;
  if (manifest.kind !== '3d' || !files?.oxidationState || !files.occupancy || !vg) return undefined;
  const state = await readTiff(join(manifest.dir, files.oxidationState));
  const occ = await readTiff(join(manifest.dir, files.occupancy));
  const shape = tomo.shape;
  const axis = tomo.energies[tomo.referenceIndex].centreCol;
  const step: RealArray = { data: Float32Array.from(structure.data, (v) => (Number.isFinite(v) ? v : 0)), shape };

  // The global offset (and the rotation sense) by correlation of occupancy with the structure.
  let best: { p: Placement; err: number } | null = null;
  for (const mirror of [false, true]) {
    const first = sampleTruth(occ, state, vg, grid, shape, axis, { offset: [0, 0, 0], mirror });
    const reg = await registerVolumes(step, [{ data: first.occupancy, shape }], { upsampleFactor: 10 });
    const p: Placement = { offset: [reg.shifts[0], reg.shifts[1], reg.shifts[2]], mirror };
    if (!best || reg.errors[0] < best.err) best = { p, err: reg.errors[0] };
  }
  const aligned = sampleTruth(occ, state, vg, grid, shape, axis, best!.p);

  let sum = 0;
  let sum2 = 0;
  let tSum = 0;
  let missing = 0;
  const fitted: number[] = [];
  const truth: number[] = [];
  for (let v = 0; v < aligned.occupancy.length; v++) {
    if (!(aligned.occupancy[v] >= occupancyFraction) || !Number.isFinite(aligned.state[v])) continue;
    const f = xanes.oxidationState[v];
    if (!Number.isFinite(f)) {
      missing++;
      continue;
    }
    const d = f - aligned.state[v];
    sum += d;
    sum2 += d * d;
    tSum += aligned.state[v];
    fitted.push(f);
    truth.push(aligned.state[v]);
  }
  const n = fitted.length;
  const { std, corr } = spreadAndCorrelation(fitted, truth);

  // Projection content at (energy, angle) moved by the misalignment m; the correction that
  // undoes it is −m (in pixels of the common grid).
  const mis = manifest.truth?.misalignmentM;
  const shiftErrorPx = tomo.energies.map((e, ei) => {
    const m = mis?.[ei];
    if (!m || m.length !== grid.anglesDeg.length) return NaN;
    const expected = m.map(([x, y]) => [-y / grid.pixelSizeM, -x / grid.pixelSizeM] as [number, number]);
    return gaugeFreeShiftRms(e.shiftsPx, expected, grid.anglesDeg);
  });
  return {
    rmsError: n ? Math.sqrt(sum2 / n) : NaN,
    bias: n ? sum / n : NaN,
    voxels: n,
    missing,
    truthMean: n ? tSum / n : NaN,
    truthStd: std,
    correlation: corr,
    offsetVoxels: best!.p.offset,
    mirrored: best!.p.mirror,
    occupancyFraction,
    shiftErrorPx,
  };
}
