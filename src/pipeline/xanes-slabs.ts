/**
 * The 3D XANES stage in z slabs: smoothing, spectral denoising and the per-voxel fit of the
 * registered volumes (one float32 TIFF [z, y, x] per energy) without holding the stack of
 * every energy's volume. At the paper's scale (25 energies of 418³ voxels) that stack is
 * 6.8 GiB and the in-memory chain (smoothVolumes → denoiseSpectra → fitXanes) held it
 * twice plus the fit's maps: 16.9 GiB (plan3d.ts before this module).
 *
 * Every slab is read from every energy with `smoothingRadius(σ)` planes of halo, smoothed
 * (exactly as the whole: smooth.ts), and the whole-volume quantities are gathered in passes
 * over the slabs before the fit, so every slab is fitted with the same ones:
 *  1. the material threshold (10 % of the 99th percentile of the highest energy's smoothed
 *     attenuation): exact, by a two-pass radix selection of that energy alone
 *     (stream-quantile.ts);
 *  2. the mean and covariance of the material's spectra (SpectralStats, merged slab by slab)
 *     → the principal components each slab is projected on;
 *  3. the fit's mask threshold `minEdgeStep` (resolveMinEdgeStep's strided sample of the
 *     denoised edge steps, the same voxels), unless given;
 *  4. the shared-shape template (EdgeTemplateAccumulator: the weighted mean spectrum and the
 *     largest-jump spectra) and the calibration measured with it;
 *  5. the fit, slab by slab, each map TIFF written page by page as its slab is done.
 * The results equal the in-memory chain's to float rounding (test/xanes-slabs.test.ts): the
 * covariance is merged in a different order; everything else is the same arithmetic.
 * Passes 1–4 recompute the smoothing (and projection) rather than store them: reading and
 * smoothing a slab costs a small fraction of fitting it.
 */
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import type { Backend } from '../gpu/backend.ts';
import type { GpuContext } from '../gpu/context.ts';
import { readTiffPages, TiffWriter } from '../io/tiff.ts';
import { defaultCalibration, type Calibration } from '../xanes/calibration.ts';
import { fitXanes, XanesSummaryAccumulator, type XanesResult } from '../xanes/fit.ts';
import { resolveGrid, type GridOptions } from '../xanes/grid.ts';
import { edgeSteps, normWeights, resolveMinEdgeStep } from '../xanes/normalize.ts';
import { XANES_MAP_FILES, xanesMapMeta, type XanesReportInput } from '../xanes/outputs.ts';
import { EdgeTemplateAccumulator, type EdgeModel, type EdgeTemplate } from '../xanes/shared-shape.ts';
import { smoothingRadius, smoothVolumesInPlace } from './smooth.ts';
import { projectSpectra, SpectralStats, spectralBasis, type SpectralBasis } from './spectral-denoise.ts';
import { StreamQuantile } from './stream-quantile.ts';
import { join } from 'node:path';

/**
 * Memory for one slab (MB): its stack of every energy's planes with halo, and the fit's
 * per-voxel maps. 1024 MB: at the paper's scale (25 energies, 418² planes, σ 0.9 → 3 halo
 * planes a side) that is 33 planes a slab, 13 slabs (`pipeline 3d --preset 3d-paper
 * --dry-run`); a larger budget saves only the halo's re-reading (6 of 39 planes read per
 * slab here) and a smaller one costs more of it, the fit's work being per voxel.
 */
export const DEFAULT_XANES_SLAB_MB = 1024;

/** Fit working memory per voxel of a slab (bytes): FitMaps (~31), edge steps (20), state maps (8), with room. */
const FIT_BYTES_PER_VOXEL = 64;

export interface SlabPlan {
  /** Planes fitted per slab (the last may have fewer). */
  planes: number;
  /** Halo planes read on each side for the smoothing. */
  halo: number;
  slabs: number;
  /** Peak bytes of one slab's work. */
  slabBytes: number;
  /** Bytes of the whole-volume results kept for the report (state, its error, edge step: float32; status: uint8). */
  resultBytes: number;
}

/** Slab size from the memory budget (at least one plane a slab, whatever the budget). */
export function planXanesSlabs(nE: number, shape: readonly [number, number, number], sigmaVoxels: number, budgetMb = DEFAULT_XANES_SLAB_MB): SlabPlan {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const halo = Math.min(smoothingRadius(sigmaVoxels), nz);
  const perPlane = plane * (nE * 4 + FIT_BYTES_PER_VOXEL);
  const budget = budgetMb * 1024 * 1024;
  const planes = Math.max(1, Math.min(nz, Math.floor((budget - 2 * halo * nE * plane * 4) / perPlane)));
  return { planes, halo, slabs: Math.ceil(nz / planes), slabBytes: planes * perPlane + 2 * halo * nE * plane * 4, resultBytes: nz * plane * 13 };
}

export interface SlabXanesOptions extends GridOptions, RunControl {
  backend?: Backend;
  ctx?: GpuContext;
  smoothSigmaVoxels: number;
  /** Principal components kept (0 or ≥ energies: no denoising). */
  spectralComponents: number;
  /** Material voxels for the components: the highest energy above this fraction of its 99th percentile (default 0.1, as denoiseSpectra). */
  materialFraction?: number;
  edgeModel?: EdgeModel;
  calibration?: Calibration;
  minEdgeStep?: number;
  /** Memory budget of one slab in MB (default DEFAULT_XANES_SLAB_MB). */
  memoryBudgetMb?: number;
  /** Voxel size stored in the TIFFs. */
  pixelSizeM?: number;
}

/** What the slab fit keeps whole for the report, the pictures and results.h5. */
export type SlabXanesResult = XanesReportInput & Pick<XanesResult, 'oxidationStateStd' | 'edgeStep' | 'status'> & { slabs: SlabPlan; files: string[] };

/**
 * Fits the volumes `volumePaths` (one per energy, [z, y, x]) slab by slab; writes the map
 * TIFFs (XANES_MAP_FILES) into `outDir` page by page; returns the state, its error, the edge
 * step and status volumes and the summary (writeXanesReport writes the rest).
 */
export async function fitVolumesInSlabs(volumePaths: string[], energiesEv: number[], outDir: string, opts: SlabXanesOptions): Promise<SlabXanesResult> {
  const t0 = performance.now();
  const nE = energiesEv.length;
  const first = await readTiffPages(volumePaths[0], 0, 1);
  const nz = first.pages;
  const [ny, nx] = first.shape.slice(-2);
  const plane = ny * nx;
  const nVox = nz * plane;
  const sigma = opts.smoothSigmaVoxels;
  const plan = planXanesSlabs(nE, [nz, ny, nx], sigma, opts.memoryBudgetMb);
  const slabs = Array.from({ length: plan.slabs }, (_, s) => [s * plan.planes, Math.min(nz, (s + 1) * plan.planes)] as const);
  const progress = (pass: string, s: number) => opts.onProgress?.({ stage: 'xanes', done: s, total: plan.slabs, message: `${pass}: slab ${s}/${plan.slabs} (${plan.planes} planes)` });

  /** Planes [z0, z1) of the given energies, smoothed: [energies, z1 − z0, ny, nx]. */
  const readSmoothed = async (energies: number[], z0: number, z1: number): Promise<Float32Array> => {
    throwIfAborted(opts.signal);
    const a = Math.max(0, z0 - plan.halo);
    const b = Math.min(nz, z1 + plan.halo);
    const d = new Float32Array(energies.length * (b - a) * plane);
    for (const [k, e] of energies.entries()) d.set((await readTiffPages(volumePaths[e], a, b - a)).data, k * (b - a) * plane);
    smoothVolumesInPlace(d, [energies.length, b - a, ny, nx], sigma);
    // The inner planes, packed to the front (each energy's block moves down: copyWithin is safe in order).
    const n = (z1 - z0) * plane;
    for (let k = 0; k < energies.length; k++) d.copyWithin(k * n, (k * (b - a) + (z0 - a)) * plane, (k * (b - a) + (z0 - a)) * plane + n);
    return d.subarray(0, energies.length * n);
  };

  let basis: SpectralBasis | null = null;
  const comps = opts.spectralComponents;
  if (comps > 0 && comps < nE) {
    const q = new StreamQuantile((n) => Math.floor(0.99 * (n - 1)));
    for (const [s, [z0, z1]] of slabs.entries()) q.count(await readSmoothed([nE - 1], z0, z1)), progress('material threshold', s + 1);
    for (const [z0, z1] of slabs) q.collect(await readSmoothed([nE - 1], z0, z1));
    const threshold = (opts.materialFraction ?? 0.1) * q.value();
    const stats = new SpectralStats(nE);
    for (const [s, [z0, z1]] of slabs.entries()) stats.add(await readSmoothed(all(nE), z0, z1), (z1 - z0) * plane, threshold), progress('spectral components', s + 1);
    basis = spectralBasis(stats, comps);
  }
  const readSlab = async (z0: number, z1: number) => {
    const d = await readSmoothed(all(nE), z0, z1);
    if (basis) projectSpectra(d, (z1 - z0) * plane, basis, d);
    return d;
  };

  const grid = resolveGrid(energiesEv, opts);
  const weights = normWeights(grid);
  let minEdgeStep = opts.minEdgeStep;
  if (minEdgeStep === undefined) {
    // resolveMinEdgeStep's own strided sample of the whole volume's edge steps.
    const stride = Math.max(1, Math.floor(nVox / 1_000_000));
    const sample: number[] = [];
    for (const [s, [z0, z1]] of slabs.entries()) {
      const steps = edgeSteps(await readSlab(z0, z1), (z1 - z0) * plane, weights);
      for (let i = (stride - ((z0 * plane) % stride)) % stride; i < steps.length; i += stride) sample.push(steps[i]);
      progress('edge-step threshold', s + 1);
    }
    minEdgeStep = resolveMinEdgeStep(Float32Array.from(sample));
  }

  let edgeModel: EdgeModel = opts.edgeModel ?? 'shared';
  let template: EdgeTemplate | undefined;
  const warnings: string[] = [];
  if (edgeModel === 'shared') {
    const acc = new EdgeTemplateAccumulator(grid, weights, minEdgeStep);
    for (const [s, [z0, z1]] of slabs.entries()) acc.add(await readSlab(z0, z1), (z1 - z0) * plane), progress('shared-shape template', s + 1);
    try {
      template = acc.finish({ background: false });
    } catch (e) {
      // As fitXanes: no usable mean spectrum, every voxel gets the free fit.
      warnings.push(`shared-shape edge model unusable (${(e as Error).message}); fitted each pixel with the free 3-Gaussian model`);
      edgeModel = 'free';
    }
  }
  const calibration =
    opts.calibration ??
    defaultCalibration({ preEdgeEv: opts.preEdgeEv, postEdgeEv: opts.postEdgeEv, fitRangeEv: opts.fitRangeEv, postEdgeDegree: opts.postEdgeDegree, edgeStepEnergyEv: opts.edgeStepEnergyEv, energiesEv: grid.energyEv, template });

  const writers = await Promise.all(
    XANES_MAP_FILES.map(([name, field, what]) => TiffWriter.create(join(outDir, name), { pages: nz, height: ny, width: nx }, xanesMapMeta(field, what, calibration, true, opts.pixelSizeM))),
  );
  const ox = new Float32Array(nVox);
  const oxStd = new Float32Array(nVox);
  const edgeStep = new Float32Array(nVox);
  const status = new Uint8Array(nVox);
  const summary = new XanesSummaryAccumulator(nVox);
  let last: XanesResult | undefined;
  try {
    for (const [s, [z0, z1]] of slabs.entries()) {
      const r = await fitXanes({ data: await readSlab(z0, z1), shape: [nE, z1 - z0, ny, nx] }, energiesEv, {
        backend: opts.backend,
        ctx: opts.ctx,
        edgeModel,
        template,
        minEdgeStep,
        calibration,
        preEdgeEv: opts.preEdgeEv,
        postEdgeEv: opts.postEdgeEv,
        fitRangeEv: opts.fitRangeEv,
        postEdgeDegree: opts.postEdgeDegree,
        edgeStepEnergyEv: opts.edgeStepEnergyEv,
        signal: opts.signal,
        onProgress: (p) => opts.onProgress?.({ ...p, done: z0 * plane + p.done, total: nVox, message: `slab ${s + 1}/${plan.slabs}: ${p.message ?? ''}` }),
      });
      for (const [k, [, field]] of XANES_MAP_FILES.entries()) {
        const v = r[field];
        await writers[k].writePages(v instanceof Float32Array ? v : Float32Array.from(v));
      }
      ox.set(r.oxidationState, z0 * plane);
      oxStd.set(r.oxidationStateStd, z0 * plane);
      edgeStep.set(r.edgeStep, z0 * plane);
      status.set(r.status, z0 * plane);
      summary.add(r, r.oxidationState, r.oxidationStateStd);
      last = r;
    }
    for (const w of writers) await w.close();
  } catch (err) {
    for (const w of writers) await w.abort();
    throw err;
  }
  return {
    shape: [nz, ny, nx],
    oxidationState: ox,
    oxidationStateStd: oxStd,
    edgeStep,
    status,
    backend: last!.backend,
    adapter: last!.adapter,
    energiesEv: last!.energiesEv,
    preEdgeEv: grid.preEdgeEv,
    postEdgeEv: grid.postEdgeEv,
    fitRangeEv: grid.fitRangeEv,
    minEdgeStep,
    edgeModel,
    template,
    warnings,
    calibration,
    summary: summary.finish(performance.now() - t0),
    slabs: plan,
    files: writers.map((w) => w.path),
  };
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);
