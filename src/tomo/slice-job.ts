/**
 * One description of a CPU tomography job over z slices, run by `runSlices` on the calling
 * thread or on worker threads (tomo.worker.ts): both call `runBatch` below on batches of
 * BATCH_SLICES slices.
 */
import type { TomoGeometry } from './geometry.ts';
import { backJob, BATCH_SLICES, forwardJob, SliceScratch, sirtJob, type SirtParams } from './slices.cpu.ts';

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

/** Number of batches of a job, and the slices of batch i. */
export function batchCount(job: SliceJob): number {
  return Math.ceil(job.g.rows / BATCH_SLICES);
}
export function batchSlices(job: SliceJob, i: number): [number, number] {
  const z0 = i * BATCH_SLICES;
  return [z0, Math.min(BATCH_SLICES, job.g.rows - z0)];
}

/** Runs batch i of a job; `scratch` is per thread. Returns the slices it covered. */
export function runBatch(job: SliceJob, i: number, scratch: SliceScratch): number {
  const [z0, nb] = batchSlices(job, i);
  if (job.kind === 'forward') forwardJob(job.g, z0, nb, job.vol, job.proj, scratch);
  else if (job.kind === 'back') backJob(job.g, z0, nb, job.proj, job.vol, scratch);
  else sirtJob(job.g, z0, nb, job.proj, job.vol, job.sirt!, scratch, job.res2!, { volume: job.volumeMask, projection: job.projectionMask });
  return nb;
}

/** Work of one slice in voxel-angle interpolations (for thread decisions and yields). */
export function sliceCost(job: SliceJob): number {
  const g = job.g;
  const pass = g.nAngles * g.nx * g.ny;
  return job.kind === 'sirt' ? 2 * pass * job.sirt!.iterations : pass;
}

export function newScratch(job: SliceJob): SliceScratch {
  return new SliceScratch(job.g, job.sirt?.subsetStarts);
}
