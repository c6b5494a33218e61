/**
 * The 3D chain as a task plan: one ePIE task per (energy, angle), the projections on one
 * grid, one alignment + SIRT task per energy (each after the energy it starts from, as
 * reconstructTomoSeries orders them), the registration of the volumes across energies,
 * and the fit with the report. Which ePIE tasks depend on which follows the warm start:
 * 'previous' (default) chains every reconstruction to the one before (energy-major, one
 * chain); 'same-angle' starts each from the same angle at the previous energy (the first
 * energy's angles from the probe of its first reconstruction), so the angles are
 * independent chains that a cluster runs side by side.
 */
import { readFile } from 'node:fs/promises';
import type { Backend } from '../gpu/backend.ts';
import { writeJson } from '../io/files.ts';
import { writeHdf5Tree } from '../io/hdf5-tree.ts';
import { writeOrthogonalSlices } from '../tomo/outputs.ts';
import { loadCalibration, writeXanesReport } from '../xanes/index.ts';
import { readTiff } from '../io/tiff.ts';
import type { PlanTask, TaskSpec } from '../scaleout/plan.ts';
import type { TaskContext, TaskOutcome } from '../scaleout/execute.ts';
import { timingsFromRecords } from './chain2d.ts';
import { writeCutaway } from './cutaway.ts';
import { energyTag, type SeriesEntry, type SeriesInput } from './inputs.ts';
import { angleTag, type TomoSeriesEntries } from './inputs3d.ts';
import type { Pipeline3dOptions, Pipeline3dResult } from './pipeline3d.ts';
import { DEFAULT_3D_SIRT_ITERATIONS, DEFAULT_SMOOTH_SIGMA_VOXELS, DEFAULT_SPECTRAL_COMPONENTS } from './pipeline3d.ts';
import { ptychoStageOptionsOf } from './chain-options.ts';
import { DEFAULT_3D_COLD_ITERATIONS } from './ptycho3d-defaults.ts';
import { writeHighStateRegions } from './regions3d.ts';
import { buildProjections, type ProjectionGrid } from './projections-stage.ts';
import { reconstructEntry, type WarmSources } from './ptycho-stage.ts';
import { loadTomoStage, loadVolumeStack, registerTomoVolumes, runTomoEnergy, tomoOrder, volumePath } from './tomo-stage.ts';
import { DEFAULT_XANES_SLAB_MB, fitVolumesInSlabs } from './xanes-slabs.ts';
import { compareWithTruth3d } from './truth3d.ts';

export interface Chain3dData {
  /** Energy-major: entry e·nA + a is energy e, angle a. */
  entries: SeriesEntry[];
  nEnergies: number;
  nAngles: number;
  referenceIndex: number;
  manifest?: SeriesInput['manifest'];
}

export const tag3d = (e: SeriesEntry): string => `${energyTag(e.energyEv)}/${angleTag(e.angleDeg!)}`;

/** Warm-start sources of entry i (energy-major order) for the 3D chain. */
export function warmSources3d(i: number, nA: number, warmStart: boolean, warmFrom: 'previous' | 'same-angle'): WarmSources {
  if (!warmStart || i === 0) return { probeFrom: null, objectFrom: null };
  // same-angle: each energy's first angle goes on from the previous energy's first angle;
  // the other angles take its probe (the same energy: the zone plate's focus moves with the
  // energy) and their object from the same angle at the previous energy.
  if (warmFrom === 'same-angle') {
    const e = Math.floor(i / nA);
    if (i % nA === 0) return { probeFrom: i - nA, objectFrom: i - nA };
    return { probeFrom: e * nA, objectFrom: e > 0 ? i - nA : null };
  }
  // Each angle's object from the same angle at the previous energy (the sample barely changes
  // between neighbouring energies), the probe from the previous reconstruction (the same
  // optics a moment earlier); the first energy's angles start from flat objects.
  return { probeFrom: i - 1, objectFrom: i >= nA ? i - nA : null };
}

export function referenceIndexOf(energiesEv: number[], referenceEnergyEv?: number): number {
  if (referenceEnergyEv === undefined) return energiesEv.length - 1;
  return energiesEv.reduce((best, e, i) => (Math.abs(e - referenceEnergyEv) < Math.abs(energiesEv[best] - referenceEnergyEv) ? i : best), 0);
}

export function tasks3d(series: TomoSeriesEntries, o: Pick<Pipeline3dOptions, 'warmStart' | 'warmFrom' | 'tomoMode' | 'referenceEnergyEv'>): { specs: TaskSpec[]; data: Chain3dData } {
  const flat = series.entries.flat();
  const nA = series.anglesDeg.length;
  const nE = series.energiesEv.length;
  const ids = flat.map((e) => `ptycho/${tag3d(e)}`);
  const specs: TaskSpec[] = flat.map((e, i) => {
    const warm = warmSources3d(i, nA, o.warmStart ?? true, o.warmFrom ?? 'previous');
    const deps = [...new Set([warm.probeFrom, warm.objectFrom].filter((j): j is number => j !== null))];
    return { id: ids[i], kind: 'ptycho', deps: deps.map((j) => ids[j]), inputs: [`${e.file}#${e.entry}`], outputs: [`ptycho/${tag3d(e)}`], params: { entry: i, ...warm } };
  });
  specs.push({ id: 'projections', kind: 'projections', deps: ids, outputs: ['projections'] });
  const referenceIndex = referenceIndexOf(series.energiesEv, o.referenceEnergyEv);
  const tomoId = (e: number) => `tomo/${energyTag(series.energiesEv[e])}`;
  for (const [position, { index, from }] of tomoOrder(nE, referenceIndex, o.tomoMode ?? 'each').entries()) {
    specs.push({ id: tomoId(index), kind: 'tomo-energy', deps: ['projections', ...(from === null ? [] : [tomoId(from)])], outputs: [`tomo/${energyTag(series.energiesEv[index])}/sirt.tif`, `tomo/${energyTag(series.energiesEv[index])}/align.json`], params: { energy: index, from, position } });
  }
  specs.push({ id: 'tomo', kind: 'tomo', deps: series.energiesEv.map((_, e) => tomoId(e)), outputs: ['tomo'] });
  specs.push({ id: 'xanes', kind: 'xanes', deps: ['tomo'], outputs: ['xanes', 'results.h5', 'summary.json'] });
  return { specs, data: { entries: flat, nEnergies: nE, nAngles: nA, referenceIndex, manifest: series.manifest } };
}

const readGrid = async (ctx: TaskContext) => JSON.parse(await readFile(ctx.run.path('projections', 'grid.json'), 'utf8')) as ProjectionGrid;

export async function execute3d(task: PlanTask, ctx: TaskContext): Promise<TaskOutcome> {
  const { run, plan } = ctx;
  const o = plan.options as unknown as Pipeline3dOptions;
  const data = plan.data as unknown as Chain3dData;
  const { kind: b } = await ctx.backend();
  const tomoOpts = { backend: b, sirtIterations: o.sirtIterations ?? DEFAULT_3D_SIRT_ITERATIONS, mode: o.tomoMode ?? 'each', referenceIndex: data.referenceIndex, onProgress: ctx.onProgress, signal: ctx.signal };
  switch (task.kind) {
    case 'ptycho': {
      const p = task.params as { entry: number; probeFrom: number | null; objectFrom: number | null };
      const r = await reconstructEntry(
        run,
        data.entries,
        p.entry,
        { probeFrom: p.probeFrom, objectFrom: p.objectFrom },
        {
          ...ptychoStageOptionsOf(o, b, data.manifest, DEFAULT_3D_COLD_ITERATIONS),
          tagOf: tag3d,
          describe: (e) => `${e.energyEv.toFixed(1)} eV, ${e.angleDeg!.toFixed(2)}°`,
          onProgress: ctx.onProgress,
          signal: ctx.signal,
        },
        ctx.cache,
      );
      return { outputs: r.outputs, info: r.info };
    }
    case 'projections': {
      const byEnergy: SeriesEntry[][] = [];
      for (let e = 0; e < data.nEnergies; e++) byEnergy.push(data.entries.slice(e * data.nAngles, (e + 1) * data.nAngles));
      const r = await buildProjections(run, byEnergy, tag3d, { pixelSizeM: o.pixelSizeM ?? 40e-9, allowUpsample: o.allowUpsample ?? false });
      const g = r.grid;
      ctx.onProgress?.({ stage: 'projections', done: 1, total: 1, message: `${data.nEnergies} × ${data.nAngles} projections of ${g.shape[0]}×${g.shape[1]} at ${(g.pixelSizeM * 1e9).toFixed(1)} nm` });
      return { outputs: r.outputs, info: { pixelSizeM: g.pixelSizeM, shape: g.shape } };
    }
    case 'tomo-energy': {
      const p = task.params as { energy: number; from: number | null; position: number };
      return runTomoEnergy(run, await readGrid(ctx), p.energy, p.from, { ...tomoOpts, position: p.position });
    }
    case 'tomo': {
      const r = await registerTomoVolumes(run, await readGrid(ctx), tomoOpts);
      return { outputs: r.outputs, info: { shape: r.result.shape, voxelSizeM: r.result.voxelSizeM } };
    }
  }
  return fitAndReport(ctx, o, data, b);
}

async function fitAndReport(ctx: TaskContext, o: Pipeline3dOptions, data: Chain3dData, b: Backend): Promise<TaskOutcome> {
  const { run } = ctx;
  const t = Date.now();
  const grid = await readGrid(ctx);
  const tomo = await loadTomoStage(run);
  const nE = grid.energiesEv.length;
  const nA = grid.anglesDeg.length;
  const calibration = o.calibrationFile ? await loadCalibration(o.calibrationFile) : undefined;
  ctx.onProgress?.({ stage: 'xanes', done: 0, total: 1, message: `${tomo.shape.join('×')} voxels × ${nE} energies` });
  const xdir = run.path('xanes');
  // In z slabs (xanes-slabs.ts): memory bounded by the slab budget and four result volumes, not the stack.
  const xanes = await fitVolumesInSlabs(
    grid.energiesEv.map((e) => volumePath(run, e)),
    grid.energiesEv,
    xdir,
    {
      backend: b,
      smoothSigmaVoxels: o.smoothSigmaVoxels ?? DEFAULT_SMOOTH_SIGMA_VOXELS,
      spectralComponents: o.spectralComponents ?? DEFAULT_SPECTRAL_COMPONENTS,
      memoryBudgetMb: o.xanesMemoryMb,
      edgeModel: o.edgeModel ?? 'shared',
      calibration,
      preEdgeEv: o.preEdgeEv,
      postEdgeEv: o.postEdgeEv,
      fitRangeEv: o.fitRangeEv,
      pixelSizeM: grid.pixelSizeM,
      onProgress: ctx.onProgress,
      signal: ctx.signal,
    },
  );
  const xanesFiles = [...xanes.files, ...(await writeXanesReport(xanes, xdir, { pixelSizeM: grid.pixelSizeM }))];
  const shape = tomo.shape;
  const slicesPng = `${xdir}/oxidation_state_slices.png`;
  await writeOrthogonalSlices(slicesPng, { data: xanes.oxidationState, shape }, 'Ni oxidation state', [2, 3.5], 'valence');
  const stdSlices = `${xdir}/oxidation_state_std_slices.png`;
  await writeOrthogonalSlices(stdSlices, { data: xanes.oxidationStateStd, shape }, 'standard error (valence)', undefined, 'viridis');
  const cutawayPng = `${xdir}/oxidation_state_cutaway.png`;
  await writeCutaway(cutawayPng, { data: xanes.oxidationState, shape }, { range: [2, 3.5], cmap: 'valence', label: 'Ni oxidation state' });
  const regions = await writeHighStateRegions(xdir, xanes.oxidationState, xanes.edgeStep, shape, grid.pixelSizeM);
  const regionFiles = regions.files ? Object.values(regions.files) : [];
  const vox = shape[0] * shape[1] * shape[2];
  const stackBytes = nE * vox * 4;
  const reference = await readTiff(volumePath(run, grid.energiesEv[tomo.referenceIndex]));
  const truth = data.manifest ? await compareWithTruth3d(data.manifest, xanes, grid, tomo, reference) : undefined;
  const resultsH5 = run.path('results.h5');
  const summaryPath = run.path('summary.json');
  const timingsS = await timingsFromRecords(ctx);
  timingsS.xanes = (Date.now() - t) / 1000;
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
    timingsS,
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
    backend: (await ctx.backend()).label,
  };
  // Provenance as it stands once this file is the last thing written: complete.
  const provenance = { ...run.record, complete: true };
  const vol = (d: Float32Array, units: string) => ({ data: d, shape: [...shape], attrs: { units, voxel_size_m: grid.pixelSizeM } });
  await writeHdf5Tree(resultsH5, {
    attrs: { tool: 'ptyxanes', version: run.record.version, kind: 'pipeline-3d', provenance_json: JSON.stringify(provenance) },
    datasets: {
      energies_eV: { data: Float64Array.from(grid.energiesEv), shape: [nE] },
      angles_deg: { data: Float64Array.from(grid.anglesDeg), shape: [nA] },
      // The stack only when it fits the XANES slab budget (read whole for this copy): h5wasm
      // copies a dataset into 32-bit WebAssembly memory, and a larger stack (the paper's
      // scale) stays in tomo/E…/volume.tif only.
      ...(stackBytes <= (o.xanesMemoryMb ?? DEFAULT_XANES_SLAB_MB) * 2 ** 20 ? { attenuation: await loadVolumeStack(run, grid.energiesEv).then((st) => ({ data: st.data, shape: st.shape, attrs: { description: '-ln|O| per voxel [energy, z, y, x], registered across energies', voxel_size_m: grid.pixelSizeM } })) } : {}),
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
  return { outputs: [...xanesFiles, slicesPng, stdSlices, cutawayPng, ...regionFiles, resultsH5, summaryPath], info: { ...xanes.summary }, value: result };
}
