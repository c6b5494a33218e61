/**
 * Streaming a job through the GPU in slabs of z: copying a slab's rows out of the
 * projections [nAngles, rows, cols] and back, and planning the slab size.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { TomoGeometry } from './geometry.ts';
import { DEFAULT_GPU_BUDGET_BYTES, type TomoOptions } from './options.ts';
import { TomoGpuPlan } from './project.gpu.ts';

/** Rows z0..z0+n of every projection, contiguous [nAngles, n, cols]. */
export function projectionRows(g: TomoGeometry, proj: Float32Array, z0: number, n: number, out = new Float32Array(g.nAngles * n * g.cols)): Float32Array {
  for (let a = 0; a < g.nAngles; a++) out.set(proj.subarray((a * g.rows + z0) * g.cols, (a * g.rows + z0 + n) * g.cols), a * n * g.cols);
  return out;
}

/** Writes a slab [nAngles, n, cols] back into rows z0.. of the projections. */
export function putProjectionRows(g: TomoGeometry, proj: Float32Array, z0: number, n: number, slab: Float32Array): void {
  for (let a = 0; a < g.nAngles; a++) proj.set(slab.subarray(a * n * g.cols, (a + 1) * n * g.cols), (a * g.rows + z0) * g.cols);
}

/** A GPU plan for `g` sized to the options' slab rows or memory budget. */
export async function gpuPlanFor(ctx: GpuContext, g: TomoGeometry, opts: TomoOptions): Promise<TomoGpuPlan> {
  const rows = opts.slabRows ?? TomoGpuPlan.slabRowsFor(ctx, g, opts.gpuBudgetBytes ?? DEFAULT_GPU_BUDGET_BYTES);
  return TomoGpuPlan.create(ctx, g, Math.max(1, Math.min(g.rows, rows)));
}

/** [z0, n] for each slab of `slabRows` rows. */
export function slabRanges(rows: number, slabRows: number): [number, number][] {
  const out: [number, number][] = [];
  for (let z0 = 0; z0 < rows; z0 += slabRows) out.push([z0, Math.min(slabRows, rows - z0)]);
  return out;
}
