/**
 * 3D spectro-ptychography, end to end (the reference paper's 3D-SP, Figs. 3–4): per
 * (energy, angle) ePIE (warm-started) → −ln|O| projections → common pixel size → per
 * energy alignment by reprojection and SIRT → volumes registered across energies →
 * per-voxel XANES fit → oxidation-state volume, uncertainty, fit status, histogram,
 * orthogonal slices. A task plan (chain3d.ts, src/scaleout) that this process runs in order
 * and `ptyxanes submit` runs on SLURM or local workers; every result is written as it
 * completes and a resumed run skips finished tasks.
 */
import { readFile } from 'node:fs/promises';
import { PtyxanesError } from '../core/errors.ts';
import { resolveGrid, type EdgeModel, type XanesResult } from '../xanes/index.ts';
import { makePlan, planRun, type RunPlan } from '../scaleout/plan.ts';
import { runPlanInProcess, taskContext } from '../scaleout/execute.ts';
import { discoverTomoSeries } from './inputs3d.ts';
import type { ProjectionGrid } from './projections-stage.ts';
import { RunDir } from './run-dir.ts';
import { chainResultOptions, type ChainOptions } from './chain-options.ts';
import { execute3d, tasks3d } from './chain3d.ts';
import { DEFAULT_3D_COLD_ITERATIONS } from './ptycho3d-defaults.ts';
import type { HighStateRegions } from './regions3d.ts';
import type { TomoStageResult } from './tomo-stage.ts';
import type { TruthComparison3d } from './truth3d.ts';

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
  /** Memory budget (MB) of one z slab of the XANES stage (default DEFAULT_XANES_SLAB_MB, xanes-slabs.ts): the stage streams the volumes in slabs of this size. */
  xanesMemoryMb?: number;
  /** 'each' energy aligned on its own (default: one tomographic scan per energy, as the paper) or one 'shared' alignment. */
  tomoMode?: 'each' | 'shared';
  /** Energy (eV) the others are aligned from and registered to; default the highest (post-edge: strongest contrast). */
  referenceEnergyEv?: number;
  /**
   * Warm-start graph of the ePIE: 'previous' (default) the probe from the reconstruction just
   * before (one chain through every (energy, angle): nothing runs in parallel); 'same-angle'
   * each energy's first angle from the previous energy's first angle, the others with its
   * probe and their object from the same angle at the previous energy (the angles of an
   * energy run side by side). 3d-ci (state RMS / bias / correlation): previous 0.460 /
   * −0.234 / 0.224; same-angle 0.342 / −0.162 / 0.02; with the probe also from the same angle
   * at the previous energy 0.688 / −0.526 / −0.13 (the probe changes with the energy).
   * Again after the 100 cold-start iterations and σ 0.9 (2026-12-07, one 3d-ci sample):
   * previous 0.187 / −0.037 / 0.76; same-angle 0.292 / −0.092 / 0.24; and a wavefront graph
   * (as 'previous' within an energy, each energy's first angle from the previous energy's
   * first angle: nE + nA − 1 phases instead of one chain) 0.331 / −0.079 / 0.07. The probe
   * seems to need the refinement it accumulates along the one long chain, which is why the
   * scalable graphs lose at the same iterations: same-angle with 90 warm iterations (3× the
   * ePIE work, but an energy's angles side by side) gets back the correlation, 0.238 /
   * −0.093 / 0.77. 'previous' stays the default; on a cluster, same-angle with more warm
   * iterations trades work for wall time (README "Running on a cluster").
   */
  warmFrom?: 'previous' | 'same-angle';
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

export function resultOptions(o: Pipeline3dOptions): Record<string, unknown> {
  const chain = chainResultOptions(o);
  return {
    ...chain,
    epie: { ...(chain.epie as object), iterations: o.epie?.iterations ?? DEFAULT_3D_COLD_ITERATIONS },
    sirtIterations: o.sirtIterations ?? DEFAULT_3D_SIRT_ITERATIONS,
    smoothSigmaVoxels: o.smoothSigmaVoxels ?? DEFAULT_SMOOTH_SIGMA_VOXELS,
    spectralComponents: o.spectralComponents ?? DEFAULT_SPECTRAL_COMPONENTS,
    tomoMode: o.tomoMode ?? 'each',
    warmFrom: o.warmFrom ?? 'previous',
  };
}

/** Checks the options, finds the (energy, angle) grid, opens the run folder and writes its task plan (`ptyxanes plan 3d`). */
export async function planChain3d(opts: Pipeline3dOptions): Promise<{ run: RunDir; plan: RunPlan }> {
  if (opts.edgeModel !== undefined && opts.edgeModel !== 'shared' && opts.edgeModel !== 'free') {
    throw new PtyxanesError('unknown edge model', { field: 'edgeModel', expected: "'shared' or 'free'", found: String(opts.edgeModel) });
  }
  const tomoMode = opts.tomoMode ?? 'each';
  if (tomoMode !== 'each' && tomoMode !== 'shared') throw new PtyxanesError('unknown tomography mode', { field: 'tomoMode', expected: "'each' or 'shared'", found: String(tomoMode) });
  const warmFrom = opts.warmFrom ?? 'previous';
  if (warmFrom !== 'previous' && warmFrom !== 'same-angle') throw new PtyxanesError('unknown warm start', { field: 'warmFrom', expected: "'previous' or 'same-angle'", found: String(warmFrom) });
  const sigma = opts.smoothSigmaVoxels ?? DEFAULT_SMOOTH_SIGMA_VOXELS;
  if (!(sigma >= 0 && sigma <= 10)) throw new PtyxanesError('smoothing out of range', { field: 'smoothSigmaVoxels', expected: '0 … 10 voxels', found: String(sigma) });
  const components = opts.spectralComponents ?? DEFAULT_SPECTRAL_COMPONENTS;
  if (!(Number.isInteger(components) && components >= 0)) throw new PtyxanesError('spectral components must be a whole number ≥ 0', { field: 'spectralComponents', expected: '0 (all) or more', found: String(components) });
  const series = await discoverTomoSeries(opts.input, opts.read);
  // The fit's energy grid (enough energies in the pre-edge, edge and post-edge windows) is
  // checked now: otherwise a short series fails after hours of ePIE and tomography.
  resolveGrid(series.energiesEv, { preEdgeEv: opts.preEdgeEv, postEdgeEv: opts.postEdgeEv, fitRangeEv: opts.fitRangeEv }, `energies of ${opts.input}`);
  const options = resultOptions(opts);
  const run = await RunDir.open(opts.outDir, { kind: 'pipeline-3d', options, inputs: series.files, resume: opts.resume, force: opts.force });
  const { specs, data } = tasks3d(series, opts);
  const plan = await planRun(run, makePlan('pipeline-3d', opts.input, options, { ...data }, specs));
  return { run, plan };
}

/** The whole 3D chain in this process: the plan's tasks in order, finished ones skipped. */
export async function runPipeline3d(opts: Pipeline3dOptions): Promise<Pipeline3dResult> {
  const { run, plan } = await planChain3d(opts);
  const value = (await runPlanInProcess(taskContext(run, plan, opts), execute3d)) as Pipeline3dResult | undefined;
  return value ?? (JSON.parse(await readFile(run.path('summary.json'), 'utf8')) as Pipeline3dResult);
}
