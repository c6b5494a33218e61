/**
 * SIRT as ASTRA's SIRT3D_CUDA defines it (slices.cpu.ts states the update), the library
 * entry point `sirt`. Parallel-beam slices are independent, so the volume is solved slab
 * by slab of z (all iterations per slab): GPU memory stays bounded by one slab, CPU
 * threads take slices, and the residual curve sums the slabs' curves.
 *
 * Default 200 iterations: the reference paper's (3D-SP, SIRT with 200 iterations).
 */
import { PtyxanesError } from '../core/errors.ts';
import type { RealArray } from '../core/arrays.ts';
import { throwIfAborted } from '../core/progress.ts';
import { resolveBackend } from '../gpu/backend.ts';
import { checkFinite, checkShape, withRows, type TomoGeometry } from './geometry.ts';
import { scatterProjections, scatterVolume } from './project.cpu.ts';
import { geometryForProjections, type TomoOptions } from './options.ts';
import { SliceScratch, type SirtParams } from './slices.cpu.ts';
import { gpuPlanFor, projectionRows, slabRanges } from './slabs.ts';
import { runSlices } from './threads.ts';
import { permutedGeometry, permuteProjections, subsetPlan } from './subsets.ts';

export const DEFAULT_SIRT_ITERATIONS = 200;

export interface SirtOptions extends TomoOptions {
  iterations?: number;
  /** λ (default 1). */
  relaxation?: number;
  /** Clamp each iterate to [min, max] (e.g. min 0 for attenuation). */
  min?: number;
  max?: number;
  /** Start volume [z, y, x] (warm start; default zeros). */
  initial?: RealArray;
  /** Voxels to reconstruct (nonzero) [z, y, x]; others stay at the start value. */
  volumeMask?: RealArray;
  /** Rays to trust (nonzero) [nAngles, rows, cols]. */
  projectionMask?: RealArray;
  /**
   * Ordered subsets (default 1: SIRT). S > 1 updates the volume once per subset of every
   * S-th angle (OS-SIRT; S = angles: SART-like), converging in far fewer iterations at the
   * same cost per iteration (subsets.ts).
   */
  subsets?: number;
}


export interface SirtResult {
  volume: RealArray;
  /** ‖p − FP(x_k)‖₂ for the volume entering iteration k. */
  residuals: Float64Array;
  backend: 'gpu' | 'cpu';
  seconds: number;
  /** Bytes of GPU slab buffers held at once (0 on the CPU path). */
  gpuBytes: number;
  /** Rows per slab (GPU: what fit the budget; CPU: opts.slabRows or all). */
  slabRows: number;
}

export function sirtParams(opts: SirtOptions, nAngles: number, plan = subsetPlan(nAngles, opts.subsets ?? 1)): SirtParams {
  const iterations = opts.iterations ?? DEFAULT_SIRT_ITERATIONS;
  if (!(Number.isInteger(iterations) && iterations >= 0)) throw new PtyxanesError('iterations must be a whole number ≥ 0', { field: 'iterations', expected: '≥ 0', found: String(iterations) });
  const relaxation = opts.relaxation ?? 1;
  if (!(relaxation > 0 && relaxation < 2)) throw new PtyxanesError('relaxation must lie in (0, 2)', { field: 'relaxation', expected: '0 < λ < 2', found: String(relaxation) });
  const min = opts.min ?? -Infinity;
  const max = opts.max ?? Infinity;
  if (!(min <= max)) throw new PtyxanesError('min must not exceed max', { field: 'min', expected: `≤ ${max}`, found: String(min) });
  return { iterations, relaxation, min, max, subsetStarts: plan.starts };
}

function maskData(m: RealArray | undefined, shape: number[], field: string): Float32Array | null {
  if (!m) return null;
  checkShape(m, shape, field);
  return m.data;
}

export async function sirt(projections: RealArray, anglesDeg: ArrayLike<number>, opts: SirtOptions = {}): Promise<SirtResult> {
  const g = geometryForProjections(projections, anglesDeg, opts);
  return sirtWith(g, projections.data, opts);
}

/**
 * Where SIRT's slabs come from and go to: the projection rows of a slab, a buffer holding
 * the slab's start volume (solved in place), and what to do with the finished slab. The
 * in-memory entry (`sirtWith`) reads from and writes into whole arrays; a streaming caller
 * (`ptyxanes tomo --slab-rows`) reads rows from a TIFF and writes volume pages as it goes,
 * so memory stays at one slab whatever the volume's size.
 */
export interface SirtSlabStream {
  read(z0: number, n: number): Promise<Float32Array> | Float32Array;
  slab(z0: number, n: number): Float32Array;
  write(z0: number, n: number, slab: Float32Array): Promise<void> | void;
}

/** SIRT for a checked geometry (alignment calls this in its loop). */
export async function sirtWith(g: TomoGeometry, proj: Float32Array, opts: SirtOptions): Promise<SirtResult> {
  const volShape = [g.rows, g.ny, g.nx];
  const sliceLen = g.ny * g.nx;
  const vol = new Float32Array(g.rows * sliceLen);
  if (opts.initial) {
    checkShape(opts.initial, volShape, 'initial');
    checkFinite(opts.initial.data, volShape, 'initial');
    vol.set(opts.initial.data);
  }
  const r = await sirtSlabs(g, {
    read: (z0, n) => (z0 === 0 && n === g.rows ? proj : projectionRows(g, proj, z0, n)),
    slab: (z0, n) => vol.subarray(z0 * sliceLen, (z0 + n) * sliceLen),
    write: () => {},
  }, opts);
  return { ...r, volume: { data: vol, shape: volShape } };
}

/**
 * SIRT slab by slab of z (all iterations per slab): GPU slabs sized by the memory budget,
 * CPU slabs of `opts.slabRows` (default all rows) on worker threads.
 */
export async function sirtSlabs(g0: TomoGeometry, stream0: SirtSlabStream, opts: SirtOptions): Promise<Omit<SirtResult, 'volume'>> {
  const t0 = performance.now();
  const order = subsetPlan(g0.nAngles, opts.subsets ?? 1);
  const p = sirtParams(opts, g0.nAngles, order);
  // Kernels see each ordered subset as contiguous angles: permute angles and data once.
  const g = permutedGeometry(g0, order);
  const stream: SirtSlabStream = { ...stream0, read: async (z0, n) => permuteProjections(await stream0.read(z0, n), order, n * g.cols) };
  const volShape = [g.rows, g.ny, g.nx];
  const sliceLen = g.ny * g.nx;
  const volumeMask = maskData(opts.volumeMask, volShape, 'volumeMask');
  const pm0 = maskData(opts.projectionMask, [g.nAngles, g.rows, g.cols], 'projectionMask');
  const projectionMask = pm0 && permuteProjections(pm0, order, g.rows * g.cols);
  const res2 = new Float64Array(g.rows * p.iterations);
  const total = g.rows * p.iterations;
  const report = (done: number) => opts.onProgress?.({ stage: 'sirt', done, total, message: `${Math.round(done / Math.max(1, g.rows))}/${p.iterations} iterations (slice-iterations ${done}/${total})` });
  const backend = await resolveBackend(opts.backend ?? 'auto', opts.ctx);
  let gpuBytes = 0;
  let slabRows = Math.max(1, Math.min(g.rows, opts.slabRows ?? g.rows));
  if (backend.kind === 'cpu') {
    for (const [z0, n] of slabRanges(g.rows, slabRows)) {
      throwIfAborted(opts.signal);
      const proj = await stream.read(z0, n);
      const vol = stream.slab(z0, n);
      const job = {
        kind: 'sirt' as const,
        g: withRows(g, n),
        vol,
        proj,
        sirt: p,
        res2: res2.subarray(z0 * p.iterations, (z0 + n) * p.iterations),
        volumeMask: volumeMask?.subarray(z0 * sliceLen, (z0 + n) * sliceLen),
        projectionMask: projectionMask && projectionRows(g, projectionMask, z0, n),
      };
      await runSlices(job, { threads: opts.threads, signal: opts.signal, onSlice: (d) => report((z0 + d) * p.iterations) });
      await stream.write(z0, n, vol);
    }
  } else {
    const plan = await gpuPlanFor(backend.ctx, g, opts);
    gpuBytes = plan.bytes;
    slabRows = plan.slabRows;
    const perSlice = !!(volumeMask || projectionMask);
    const scratch = new SliceScratch(g, p.subsetStarts);
    try {
      for (const [z0, n] of slabRanges(g.rows, plan.slabRows)) {
        throwIfAborted(opts.signal);
        const weights = slabWeights(g, scratch, z0, n, p.relaxation, volumeMask, projectionMask, perSlice);
        const slab = stream.slab(z0, n);
        const r2 = await plan.sirt(await stream.read(z0, n), slab, n, weights, p, (k) => {
          throwIfAborted(opts.signal);
          report(z0 * p.iterations + k * n);
        });
        // One curve per slab (the GPU reduces over its slices); kept in the slab's first row.
        res2.set(r2, z0 * p.iterations);
        await stream.write(z0, n, slab);
      }
    } finally {
      plan.destroy();
    }
  }
  const residuals = new Float64Array(p.iterations);
  for (let z = 0; z < g.rows; z++) for (let k = 0; k < p.iterations; k++) residuals[k] += res2[z * p.iterations + k];
  for (let k = 0; k < p.iterations; k++) residuals[k] = Math.sqrt(residuals[k]);
  return { residuals, backend: backend.kind, seconds: (performance.now() - t0) / 1000, gpuBytes, slabRows };
}

/** R and C for a GPU slab, computed as the CPU path does (shared, or per slice with masks). */
function slabWeights(g: TomoGeometry, scratch: SliceScratch, z0: number, n: number, relaxation: number, vm: Float32Array | null, pm: Float32Array | null, perSlice: boolean): { R: Float32Array; C: Float32Array; perSlice: boolean } {
  const S = scratch.subsetStarts.length - 1;
  const lane = g.ny * g.nx * scratch.B;
  if (!perSlice) {
    // one slice's weights (lane 0 of the batch): R [nAngles, cols], C [S][ny, nx]
    scratch.weights(0, 1, relaxation);
    const R = new Float32Array(g.nAngles * g.cols);
    const C = new Float32Array(S * g.ny * g.nx);
    for (let i = 0; i < R.length; i++) R[i] = scratch.R[i * scratch.B];
    for (let j = 0; j < S; j++) for (let i = 0; i < g.ny * g.nx; i++) C[j * g.ny * g.nx + i] = scratch.C[j * lane + i * scratch.B];
    return { R, C, perSlice };
  }
  const slab = withRows(g, n);
  const R = new Float32Array(g.nAngles * n * g.cols);
  const C = new Float32Array(S * n * g.ny * g.nx);
  for (let z = 0; z < n; z += scratch.B) {
    const nb = Math.min(scratch.B, n - z);
    scratch.weights(z0 + z, nb, relaxation, vm, pm);
    scatterProjections(slab, scratch.R, z, nb, R, scratch.B);
    for (let j = 0; j < S; j++) scatterVolume(scratch.C.subarray(j * lane, (j + 1) * lane), g.ny * g.nx, z, nb, C.subarray(j * n * g.ny * g.nx), scratch.B);
  }
  return { R, C, perSlice };
}
