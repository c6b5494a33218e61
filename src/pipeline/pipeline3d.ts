/**
 * 3D spectro-ptychography, end to end (the reference paper's 3D-SP, Figs. 3–4): per
 * (energy, angle) ePIE (warm-started) → −ln|O| projections → common pixel size → per
 * energy alignment by reprojection and SIRT → volumes registered across energies →
 * per-voxel XANES fit → oxidation-state volume, uncertainty, fit status, histogram,
 * orthogonal slices. Reuses the 2D run's stages (ptycho-stage.ts, run-dir.ts) and
 * src/tomo; every result is written as it completes and a resumed run skips finished work.
 */
import { readFile } from 'node:fs/promises';
import { PtyxanesError } from '../core/errors.ts';
import { throwIfAborted } from '../core/progress.ts';
import { resolveBackend, type Backend } from '../gpu/backend.ts';
import { adapterLabel } from '../gpu/context.ts';
import { writeJson } from '../io/files.ts';
import { writeHdf5Tree } from '../io/hdf5-tree.ts';
import { writeOrthogonalSlices } from '../tomo/outputs.ts';
import { loadCalibration, fitXanes, resolveGrid, writeXanesOutputs, type EdgeModel, type XanesResult } from '../xanes/index.ts';
import { energyTag, type SeriesEntry } from './inputs.ts';
import { angleTag, discoverTomoSeries } from './inputs3d.ts';
import { DEFAULT_SERIES_ALPHA, DEFAULT_WARM_ITERATIONS } from './pipeline2d.ts';
import { probeStartOptions } from './probe-model.ts';
import { DEFAULT_3D_COLD_ITERATIONS } from './ptycho3d-defaults.ts';
import { buildProjections, type ProjectionGrid } from './projections-stage.ts';
import { runPtychoStage } from './ptycho-stage.ts';
import { RunDir } from './run-dir.ts';
import { chainResultOptions, type ChainOptions } from './chain-options.ts';
import { writeCutaway } from './cutaway.ts';
import { writeHighStateRegions, type HighStateRegions } from './regions3d.ts';
import { smoothVolumes } from './smooth.ts';
import { denoiseSpectra } from './spectral-denoise.ts';
import { loadTomoStage, loadVolumeStack, runTomoStage, type TomoStageResult } from './tomo-stage.ts';
import { compareWithTruth3d, type TruthComparison3d } from './truth3d.ts';

/*
 * Defaults of the tomography and the per-voxel fit, measured with scripts/tune-pipeline3d.ts
 * on the ePIE results of 3d-small (state vs the simulator's truth over ~520 interior crystal
 * voxels; the truth's own spread 0.153–0.160, so RMS alone says little: a flat volume at the
 * true mean scores that; the correlation says whether the volume shows the true variation).
 * RMS / correlation, by SIRT iterations, smoothing σ (voxels), principal components kept:
 *   17 angles: SIRT 200, σ 0, all: 0.550 / 0.26; SIRT 30, σ 0, all: 0.356 / 0.37;
 *     SIRT 30, σ 0.8, all: 0.219 / 0.35; σ 0.8 with 3 components: 0.153 / 0.15;
 *     4 components: SIRT 30 0.147 / 0.50, SIRT 100 0.130 / 0.60, SIRT 200 0.143 / 0.55.
 *   32 angles (the preset now), σ 0.8: SIRT 30, all: 0.202 / 0.29; 4 components: SIRT 30
 *     0.132 / 0.56, 50 0.129 / 0.60, 100 0.123 / 0.65, 200 0.123 / 0.64; 5 components at
 *     SIRT 50 / 200: 0.158 / 0.40, 0.152 / 0.46. SIRT 100 with 4 components: σ 0 0.185 / 0.46
 *     (6 voxels unfitted), 0.5 0.167 / 0.49, 0.8 0.123 / 0.65, 1.2 0.128 / 0.68 (the
 *     crystals start to blur into their surroundings: 20 % more voxels fitted).
 *   Again with 100 cold-start ePIE iterations (ptycho3d-defaults.ts), SIRT 100, 4 components,
 *   σ 0.8 / 0.9 / 1.0: 3d-small 0.122 / 0.666, 0.122 / 0.668, 0.125 / 0.660; 3d-ci (the CI
 *   sample, one-voxel surface layers, truth spread 0.28) 0.205 / 0.70, 0.189 / 0.76,
 *   0.187 / 0.78, and over three more ePIE variants of 3d-ci (150 cold iterations; 40 warm;
 *   ten times the dose) 0.194–0.205 / 0.182–0.200 / 0.173–0.201 RMS at σ 0.8 / 0.9 / 1.0.
 *   σ 0.9: the CI sample gains, 3d-small loses nothing.
 */

/** SIRT iterations per energy after its alignment (which leaves a volume SIRT starts from); the evidence above. */
export const DEFAULT_3D_SIRT_ITERATIONS = 100;

/** Gaussian smoothing (σ, voxels) of the attenuation volumes before the per-voxel fit; the evidence above. */
export const DEFAULT_SMOOTH_SIGMA_VOXELS = 0.9;

/**
 * Principal components of the material's spectra kept before the fit (spectral-denoise.ts;
 * 0: all). Each energy's tomogram carries its own noise, the spectra only a few shapes;
 * 3 lose the edge shift, 5 keep noise (the evidence above).
 */
export const DEFAULT_SPECTRAL_COMPONENTS = 4;

export interface Pipeline3dOptions extends ChainOptions {
  /** A simulated 3D sample directory, or CXI files with one entry per (energy, angle). */
  input: string;
  /** ePIE iterations for entries whose object is warm-started (the same angle at the neighbouring energy); default as 2D. */
  warmIterations?: number;
  /** SIRT iterations per energy after alignment (default DEFAULT_3D_SIRT_ITERATIONS). */
  sirtIterations?: number;
  /** Gaussian smoothing of the volumes before the XANES fit, σ in voxels (default DEFAULT_SMOOTH_SIGMA_VOXELS; 0: none). */
  smoothSigmaVoxels?: number;
  /** Principal components of the spectra kept before the fit (default DEFAULT_SPECTRAL_COMPONENTS; 0: all, no denoising). */
  spectralComponents?: number;
  /** 'each' energy aligned on its own (default: one tomographic scan per energy, as the paper) or one 'shared' alignment. */
  tomoMode?: 'each' | 'shared';
  /** Energy (eV) the others are aligned from and registered to; default the highest (post-edge: strongest contrast). */
  referenceEnergyEv?: number;
}

export interface Pipeline3dResult {
  outDir: string;
  energiesEv: number[];
  anglesDeg: number[];
  grid: ProjectionGrid;
  tomo: TomoStageResult;
  xanes: XanesResult['summary'];
  edgeModel: EdgeModel;
  warnings: string[];
  /** Segmented > Ni³⁺ regions inside the crystals (regions3d.ts). */
  regions: HighStateRegions;
  truth?: TruthComparison3d;
  timingsS: Record<string, number>;
  files: { oxidationState: string; uncertainty: string; fitStatus: string; histogramPng: string; slicesPng: string; cutawayPng: string; resultsH5: string; summary: string };
  backend: string;
}

function resultOptions(o: Pipeline3dOptions): Record<string, unknown> {
  const chain = chainResultOptions(o);
  return {
    ...chain,
    epie: { ...(chain.epie as object), iterations: o.epie?.iterations ?? DEFAULT_3D_COLD_ITERATIONS },
    sirtIterations: o.sirtIterations ?? DEFAULT_3D_SIRT_ITERATIONS,
    smoothSigmaVoxels: o.smoothSigmaVoxels ?? DEFAULT_SMOOTH_SIGMA_VOXELS,
    spectralComponents: o.spectralComponents ?? DEFAULT_SPECTRAL_COMPONENTS,
    tomoMode: o.tomoMode ?? 'each',
  };
}

export async function runPipeline3d(opts: Pipeline3dOptions): Promise<Pipeline3dResult> {
  const t0 = Date.now();
  if (opts.edgeModel !== undefined && opts.edgeModel !== 'shared' && opts.edgeModel !== 'free') {
    throw new PtyxanesError('unknown edge model', { field: 'edgeModel', expected: "'shared' or 'free'", found: String(opts.edgeModel) });
  }
  const tomoMode = opts.tomoMode ?? 'each';
  if (tomoMode !== 'each' && tomoMode !== 'shared') throw new PtyxanesError('unknown tomography mode', { field: 'tomoMode', expected: "'each' or 'shared'", found: String(tomoMode) });
  const sigma = opts.smoothSigmaVoxels ?? DEFAULT_SMOOTH_SIGMA_VOXELS;
  if (!(sigma >= 0 && sigma <= 10)) throw new PtyxanesError('smoothing out of range', { field: 'smoothSigmaVoxels', expected: '0 … 10 voxels', found: String(sigma) });
  const components = opts.spectralComponents ?? DEFAULT_SPECTRAL_COMPONENTS;
  if (!(Number.isInteger(components) && components >= 0)) throw new PtyxanesError('spectral components must be a whole number ≥ 0', { field: 'spectralComponents', expected: '0 (all) or more', found: String(components) });
  const series = await discoverTomoSeries(opts.input, opts.read);
  // The fit's energy grid (enough energies in the pre-edge, edge and post-edge windows) is
  // checked now: otherwise a short series fails after hours of ePIE and tomography.
  resolveGrid(series.energiesEv, { preEdgeEv: opts.preEdgeEv, postEdgeEv: opts.postEdgeEv, fitRangeEv: opts.fitRangeEv }, `energies of ${opts.input}`);
  const run = await RunDir.open(opts.outDir, { kind: 'pipeline-3d', options: resultOptions(opts), inputs: series.files, resume: opts.resume, force: opts.force });
  const backend = await resolveBackend(opts.backend ?? 'auto');
  const backendLabel = backend.kind === 'gpu' ? `gpu: ${adapterLabel(backend.ctx.info)}` : 'cpu';
  run.record.backend = backendLabel;
  const b: Backend = backend.kind;
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = (Date.now() - since) / 1000);
  const nA = series.anglesDeg.length;
  const nE = series.energiesEv.length;

  // ePIE, energy-major: each angle's object starts from the same angle at the previous
  // energy (the sample barely changes between neighbouring energies), the probe from the
  // previous reconstruction (the same optics a moment earlier). The first energy's angles
  // start from flat objects with the warm probe.
  let t = Date.now();
  const flat = series.entries.flat();
  const tagOf = (e: SeriesEntry) => `${energyTag(e.energyEv)}/${angleTag(e.angleDeg!)}`;
  await runPtychoStage(run, flat, {
    epie: { ...opts.epie, iterations: opts.epie?.iterations ?? DEFAULT_3D_COLD_ITERATIONS, alpha: opts.epie?.alpha ?? DEFAULT_SERIES_ALPHA, backend: b },
    warmStart: opts.warmStart ?? true,
    warmIterations: opts.warmIterations ?? DEFAULT_WARM_ITERATIONS,
    ...probeStartOptions(opts.probeInit ?? 'zone-plate', { zonePlate: opts.zonePlate, sizeM: opts.probeSizeM, manifest: series.manifest }),
    read: opts.read,
    tagOf,
    objectFrom: (i) => (i >= nA ? i - nA : null),
    describe: (e) => `${e.energyEv.toFixed(1)} eV, ${e.angleDeg!.toFixed(2)}°`,
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
  lap('ptycho', t);
  throwIfAborted(opts.signal);

  t = Date.now();
  let grid!: ProjectionGrid;
  const proj = await run.stage('projections', async () => {
    const r = await buildProjections(run, series.entries, tagOf, { pixelSizeM: opts.pixelSizeM ?? 40e-9, allowUpsample: opts.allowUpsample ?? false });
    grid = r.grid;
    return { outputs: r.outputs, info: { pixelSizeM: r.grid.pixelSizeM, shape: r.grid.shape } };
  });
  if (proj.skipped) grid = JSON.parse(await readFile(run.path('projections', 'grid.json'), 'utf8')) as ProjectionGrid;
  lap('projections', t);
  opts.onProgress?.({ stage: 'projections', done: 1, total: 1, message: `${nE} × ${nA} projections of ${grid.shape[0]}×${grid.shape[1]} at ${(grid.pixelSizeM * 1e9).toFixed(1)} nm` });
  throwIfAborted(opts.signal);

  t = Date.now();
  let referenceIndex = nE - 1;
  if (opts.referenceEnergyEv !== undefined) {
    const r = opts.referenceEnergyEv;
    referenceIndex = series.energiesEv.reduce((best, e, i) => (Math.abs(e - r) < Math.abs(series.energiesEv[best] - r) ? i : best), 0);
  }
  let tomo!: TomoStageResult;
  const tomoStart = Date.now();
  const ts = await run.stage(
    'tomo',
    async () => {
      const r = await runTomoStage(run, grid, { backend: b, sirtIterations: opts.sirtIterations ?? DEFAULT_3D_SIRT_ITERATIONS, mode: tomoMode, referenceIndex, onProgress: opts.onProgress, signal: opts.signal });
      tomo = r.result;
      return { outputs: r.outputs, info: { shape: r.result.shape, voxelSizeM: r.result.voxelSizeM } };
    },
    { startedMs: tomoStart },
  );
  if (ts.skipped) tomo = await loadTomoStage(run);
  lap('tomo', t);
  throwIfAborted(opts.signal);

  t = Date.now();
  const stack = await loadVolumeStack(run, grid.energiesEv);
  const calibration = opts.calibrationFile ? await loadCalibration(opts.calibrationFile) : undefined;
  opts.onProgress?.({ stage: 'xanes', done: 0, total: 1, message: `${tomo.shape.join('×')} voxels × ${nE} energies` });
  const smoothed = smoothVolumes(stack, sigma);
  // A smoothed copy is ours to overwrite: denoised in place, one stack fewer at the peak.
  const xanes = await fitXanes(denoiseSpectra(smoothed, components, undefined, smoothed !== stack), grid.energiesEv, {
    backend: b,
    edgeModel: opts.edgeModel ?? 'shared',
    calibration,
    preEdgeEv: opts.preEdgeEv,
    postEdgeEv: opts.postEdgeEv,
    fitRangeEv: opts.fitRangeEv,
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
  const xdir = run.path('xanes');
  const xanesFiles = await writeXanesOutputs(xanes, xdir, { pixelSizeM: grid.pixelSizeM });
  const shape = tomo.shape;
  const slicesPng = `${xdir}/oxidation_state_slices.png`;
  await writeOrthogonalSlices(slicesPng, { data: xanes.oxidationState, shape }, 'Ni oxidation state', [2, 3.5], 'valence');
  const stdSlices = `${xdir}/oxidation_state_std_slices.png`;
  await writeOrthogonalSlices(stdSlices, { data: xanes.oxidationStateStd, shape }, 'standard error (valence)', undefined, 'viridis');
  const cutawayPng = `${xdir}/oxidation_state_cutaway.png`;
  await writeCutaway(cutawayPng, { data: xanes.oxidationState, shape }, { range: [2, 3.5], cmap: 'valence', label: 'Ni oxidation state' });
  const regions = await writeHighStateRegions(xdir, xanes.oxidationState, xanes.edgeStep, shape, grid.pixelSizeM);
  const regionFiles = regions.files ? Object.values(regions.files) : [];
  await run.stage('xanes', async () => ({ outputs: [...xanesFiles, slicesPng, stdSlices, cutawayPng, ...regionFiles], info: { ...xanes.summary } }), { startedMs: t });
  lap('xanes', t);

  t = Date.now();
  const vox = tomo.shape[0] * tomo.shape[1] * tomo.shape[2];
  const reference = { data: stack.data.subarray(tomo.referenceIndex * vox, (tomo.referenceIndex + 1) * vox), shape: tomo.shape };
  const truth = series.manifest ? await compareWithTruth3d(series.manifest, xanes, grid, tomo, reference) : undefined;
  const resultsH5 = run.path('results.h5');
  const summaryPath = run.path('summary.json');
  lap('truth', t);
  timings.total = (Date.now() - t0) / 1000;
  const result: Pipeline3dResult = {
    outDir: run.dir,
    energiesEv: grid.energiesEv,
    anglesDeg: grid.anglesDeg,
    grid,
    tomo,
    xanes: xanes.summary,
    edgeModel: xanes.edgeModel,
    warnings: xanes.warnings,
    regions,
    truth,
    timingsS: timings,
    files: {
      oxidationState: `${xdir}/oxidation_state.tif`,
      uncertainty: `${xdir}/oxidation_state_std.tif`,
      fitStatus: `${xdir}/fit_status.tif`,
      histogramPng: `${xdir}/oxidation_state_histogram.png`,
      slicesPng,
      cutawayPng,
      resultsH5,
      summary: summaryPath,
    },
    backend: backendLabel,
  };
  // Provenance as it stands once this file is the last thing written: complete.
  const provenance = { ...run.record, complete: true };
  const vol = (data: Float32Array, units: string) => ({ data, shape: [...shape], attrs: { units, voxel_size_m: grid.pixelSizeM } });
  await writeHdf5Tree(resultsH5, {
    attrs: { tool: 'ptyxanes', version: run.record.version, kind: 'pipeline-3d', provenance_json: JSON.stringify(provenance) },
    datasets: {
      energies_eV: { data: Float64Array.from(grid.energiesEv), shape: [nE] },
      angles_deg: { data: Float64Array.from(grid.anglesDeg), shape: [nA] },
      // h5wasm copies a dataset into 32-bit WebAssembly memory: a stack over 1 GiB (the
      // paper's scale) stays in tomo/E…/volume.tif only.
      ...(stack.data.byteLength <= 2 ** 30 ? { attenuation: { data: stack.data, shape: stack.shape, attrs: { description: '-ln|O| per voxel [energy, z, y, x], registered across energies', voxel_size_m: grid.pixelSizeM } } } : {}),
      projection_shifts_px: { data: Float64Array.from(tomo.energies.flatMap((e) => e.shiftsPx.flat())), shape: [nE, nA, 2], attrs: { axes: 'energy, angle, (rows, cols)' } },
    },
    groups: {
      xanes: {
        attrs: { calibration_json: JSON.stringify(xanes.calibration), edge_model: xanes.edgeModel },
        datasets: {
          oxidation_state: vol(xanes.oxidationState, 'valence'),
          oxidation_state_std: vol(xanes.oxidationStateStd, 'valence'),
          edge_step: vol(xanes.edgeStep, '1'),
          status: { data: xanes.status, shape: [...shape] },
        },
      },
    },
  });
  await writeJson(summaryPath, { ...result, provenance: { version: run.record.version, createdAt: run.record.createdAt, inputs: run.record.inputs, stages: run.record.stages } });
  await run.markComplete();
  return result;
}
