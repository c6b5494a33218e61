/**
 * One description of a CPU tomography job over z slices, run by `runSlices` on the calling
 * thread or on worker threads (tomo.worker.ts): both call `runSlice` below.
 */
import type { TomoGeometry } from './geometry.ts';
import { backJob, forwardJob, SliceScratch, sirtJob, type SirtParams } from './slices.cpu.ts';

export type SliceJobKind = 'forward' | 'back' | 'sirt';

export interface SliceJob {
  kind: SliceJobKind;
  g: TomoGeometry;
  /** [rows, ny, nx] */
  vol: Float32Array;
  /** [nAngles, rows, cols] */
  proj: Float32Array;
  sirt?: SirtParams;
  /** [rows, iterations]: Σ residual² per slice and iteration (SIRT). */
  res2?: Float64Array;
  volumeMask?: Float32Array | null;
  projectionMask?: Float32Array | null;
}

/** Runs one slice of a job; `scratch` is per thread (SIRT only). */
export function runSlice(job: SliceJob, z: number, scratch: () => SliceScratch): void {
  if (job.kind === 'forward') forwardJob(job.g, z, job.vol, job.proj);
  else if (job.kind === 'back') backJob(job.g, z, job.proj, job.vol);
  else {
    const p = job.sirt!;
    sirtJob(job.g, z, job.proj, job.vol, p, scratch(), job.res2!, z * p.iterations, { volume: job.volumeMask, projection: job.projectionMask });
  }
}

/** Work of one slice in voxel-angle interpolations (for progress weighting and ETA). */
export function sliceCost(job: SliceJob): number {
  const g = job.g;
  const pass = g.nAngles * g.nx * g.ny;
  return job.kind === 'sirt' ? 2 * pass * job.sirt!.iterations : pass;
}
