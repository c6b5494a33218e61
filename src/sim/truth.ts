/**
 * Ground truth of a simulated experiment, in the sample frame (no drift, no misalignment):
 * - 2D: maps on the truth grid (the object grid of the highest energy: smallest pixels,
 *   pixel (W/2, H/2) at the scan centre): thickness (m), thickness-weighted mean Ni
 *   oxidation state along the beam (NaN where there is no material) and crystal labels.
 * - 3D: a voxel volume [nz, ny, nx] at angle 0: occupancy, mean state (NaN where empty),
 *   labels. Voxel (ix, iy, iz) has its centre at originM + (ix, iy, iz)·voxelM.
 */
import { realArray, type RealArray } from '../core/arrays.ts';
import type { ExperimentPlan } from './experiment.ts';
import { voxelize, type Grid2d, type Grid3d, type ProjectionMaps, type Volume } from './render.ts';
import { AreaResampler } from './resample.ts';

export interface TruthMaps {
  grid: Grid2d;
  stateMap: RealArray;
  thicknessM: RealArray;
  labels: RealArray;
}

/** Index of the energy whose object grid is the truth grid (the highest energy). */
export function truthEnergyIndex(plan: ExperimentPlan): number {
  let best = 0;
  plan.energiesEv.forEach((e, i) => {
    if (e > plan.energiesEv[best]) best = i;
  });
  return best;
}

/** Truth maps from the fine-grid projection at angle 0 (no shift). */
export function truthMaps(plan: ExperimentPlan, maps: ProjectionMaps): TruthMaps {
  const grid = plan.grids[truthEnergyIndex(plan)];
  const rs = new AreaResampler(plan.fineGrid, grid);
  const t = rs.apply(maps.thicknessM);
  const vs = rs.apply(maps.stateIntegralM);
  // Below 1 nm of material the mean state is numerically meaningless: NaN.
  const state = t.map((x, p) => (x > 1e-9 ? vs[p] / x : NaN));
  return {
    grid,
    stateMap: realArray([grid.ny, grid.nx], state),
    thicknessM: realArray([grid.ny, grid.nx], t),
    labels: realArray([grid.ny, grid.nx], rs.nearest(maps.labels)),
  };
}

/** Grid of the 3D truth volume: cubic voxels covering the sample cylinder. */
export function truthVolumeGrid(plan: ExperimentPlan): Grid3d {
  const vox = plan.config.output?.truthVoxelM ?? Math.min(...plan.grids.map((g) => g.pixelM));
  let r = 0;
  let fy = 0;
  for (const k of plan.phantom.crystals) {
    r = Math.max(r, Math.hypot(k.centerM[0], k.centerM[2]) + k.radiusM);
    fy = Math.max(fy, Math.abs(k.centerM[1]) + k.radiusM);
  }
  const nxz = 2 * Math.ceil(r / vox + 1);
  const ny = 2 * Math.ceil(fy / vox + 1);
  return { nx: nxz, ny, nz: nxz, voxelM: vox, originM: [-(nxz / 2) * vox, -(ny / 2) * vox, -(nxz / 2) * vox] };
}

/** The 3D truth volume (2×2×2 sub-samples per voxel); state is NaN where empty. */
export function truthVolume(plan: ExperimentPlan): Volume {
  const vol = voxelize(plan.phantom, truthVolumeGrid(plan), 2);
  for (let p = 0; p < vol.state.length; p++) if (!(vol.occupancy[p] > 0)) vol.state[p] = NaN;
  return vol;
}
