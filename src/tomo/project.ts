/**
 * Forward and back projection, the library entry points (`forwardProject`, `backProject`):
 * GPU in slabs of z, or CPU threads over slices. Geometry: geometry.ts.
 */
import type { RealArray } from '../core/arrays.ts';
import { throwIfAborted } from '../core/progress.ts';
import { resolveBackend } from '../gpu/backend.ts';
import type { TomoGeometry } from './geometry.ts';
import { geometryForProjections, geometryForVolume, type TomoOptions } from './options.ts';
import { gpuPlanFor, projectionRows, putProjectionRows, slabRanges } from './slabs.ts';
import { runSlices } from './threads.ts';

/** Projections [nAngles, z, cols] of a volume [z, y, x] (cols default x). */
export async function forwardProject(volume: RealArray, anglesDeg: ArrayLike<number>, opts: TomoOptions & { cols?: number } = {}): Promise<RealArray> {
  const g = geometryForVolume(volume, anglesDeg, opts);
  return { data: await forwardWith(g, volume.data, opts), shape: [g.nAngles, g.rows, g.cols] };
}

/** Back projection [z, ny, nx] of projections [nAngles, z, cols] (the approximate adjoint). */
export async function backProject(projections: RealArray, anglesDeg: ArrayLike<number>, opts: TomoOptions = {}): Promise<RealArray> {
  const g = geometryForProjections(projections, anglesDeg, opts);
  return { data: await backWith(g, projections.data, opts), shape: [g.rows, g.ny, g.nx] };
}

/** Forward projection for a checked geometry (used by SIRT's callers and alignment). */
export async function forwardWith(g: TomoGeometry, vol: Float32Array, opts: TomoOptions): Promise<Float32Array> {
  const out = new Float32Array(g.nAngles * g.rows * g.cols);
  const backend = await resolveBackend(opts.backend ?? 'auto', opts.ctx);
  const report = (done: number) => opts.onProgress?.({ stage: 'forward-project', done, total: g.rows, message: `${done}/${g.rows} slices` });
  if (backend.kind === 'cpu') {
    await runSlices({ kind: 'forward', g, vol, proj: out }, { threads: opts.threads, signal: opts.signal, onSlice: report });
    return out;
  }
  const plan = await gpuPlanFor(backend.ctx, g, opts);
  try {
    for (const [z0, n] of slabRanges(g.rows, plan.slabRows)) {
      throwIfAborted(opts.signal);
      const sino = await plan.forward(vol.subarray(z0 * g.ny * g.nx, (z0 + n) * g.ny * g.nx), n);
      putProjectionRows(g, out, z0, n, sino);
      report(z0 + n);
    }
  } finally {
    plan.destroy();
  }
  return out;
}

/** Back projection for a checked geometry. */
export async function backWith(g: TomoGeometry, proj: Float32Array, opts: TomoOptions): Promise<Float32Array> {
  const out = new Float32Array(g.rows * g.ny * g.nx);
  const backend = await resolveBackend(opts.backend ?? 'auto', opts.ctx);
  const report = (done: number) => opts.onProgress?.({ stage: 'back-project', done, total: g.rows, message: `${done}/${g.rows} slices` });
  if (backend.kind === 'cpu') {
    await runSlices({ kind: 'back', g, vol: out, proj }, { threads: opts.threads, signal: opts.signal, onSlice: report });
    return out;
  }
  const plan = await gpuPlanFor(backend.ctx, g, opts);
  try {
    for (const [z0, n] of slabRanges(g.rows, plan.slabRows)) {
      throwIfAborted(opts.signal);
      out.set(await plan.back(projectionRows(g, proj, z0, n), n), z0 * g.ny * g.nx);
      report(z0 + n);
    }
  } finally {
    plan.destroy();
  }
  return out;
}
