/**
 * The 2D chain as a task plan: one ePIE task per energy (each depending on the energies
 * it is warm-started from: the previous one by default, none with warmStart false), then
 * the registration of the stack, then the fit with the report. `pipeline 2d` runs these
 * tasks in its own process; `ptyxanes task` runs any one of them anywhere.
 */
import { readFile } from 'node:fs/promises';
import { readTiff } from '../io/tiff.ts';
import { fitXanes, loadCalibration, writeXanesOutputs } from '../xanes/index.ts';
import type { PlanTask, TaskSpec } from '../scaleout/plan.ts';
import type { TaskContext, TaskOutcome } from '../scaleout/execute.ts';
import { readAllRecords } from '../scaleout/records.ts';
import type { SeriesEntry, SeriesInput } from './inputs.ts';
import type { Pipeline2dOptions, Pipeline2dResult } from './pipeline2d.ts';
import { ptychoStageOptionsOf } from './chain-options.ts';
import { defaultTag, loadEnergyRecord, reconstructEntry, warmSourcesOf } from './ptycho-stage.ts';
import { writeRunResults } from './results.ts';
import { buildRegisteredStack, type GridInfo } from './stack-stage.ts';
import { compareWithTruth } from './truth.ts';

/** What a 2D task needs besides its own parameters (plan.json's `data`). */
export interface Chain2dData {
  entries: SeriesEntry[];
  manifest?: SeriesInput['manifest'];
}

export function tasks2d(series: SeriesInput, options: Pick<Pipeline2dOptions, 'warmStart'>): TaskSpec[] {
  const ids = series.entries.map((e) => `ptycho/${defaultTag(e)}`);
  const specs: TaskSpec[] = series.entries.map((e, i) => {
    const warm = warmSourcesOf(i, { warmStart: options.warmStart ?? true });
    const deps = [...new Set([warm.probeFrom, warm.objectFrom].filter((j): j is number => j !== null))];
    return { id: ids[i], kind: 'ptycho', deps: deps.map((j) => ids[j]), inputs: [`${e.file}#${e.entry}`], outputs: [`ptycho/${defaultTag(e)}`], params: { entry: i, ...warm } };
  });
  specs.push({ id: 'register', kind: 'register', deps: ids, outputs: ['stack'] });
  specs.push({ id: 'xanes', kind: 'xanes', deps: ['register'], outputs: ['xanes', 'results.h5', 'summary.json'] });
  return specs;
}

/** Seconds of the finished tasks by kind, and the span from the first start to now. */
export async function timingsFromRecords(ctx: TaskContext): Promise<Record<string, number>> {
  const recs = await readAllRecords(ctx.run.dir, ctx.plan);
  const t: Record<string, number> = {};
  let first = Date.now();
  for (const r of recs) {
    if (!r) continue;
    first = Math.min(first, Date.parse(r.startedAt));
    if (r.status === 'done') t[ctx.plan.tasks[r.index].kind] = (t[ctx.plan.tasks[r.index].kind] ?? 0) + (r.seconds ?? 0);
  }
  t.total = (Date.now() - first) / 1000;
  return t;
}

export async function execute2d(task: PlanTask, ctx: TaskContext): Promise<TaskOutcome> {
  const { run, plan } = ctx;
  const o = plan.options as unknown as Pipeline2dOptions;
  const data = plan.data as unknown as Chain2dData;
  const { kind: b } = await ctx.backend();
  if (task.kind === 'ptycho') {
    const p = task.params as { entry: number; probeFrom: number | null; objectFrom: number | null };
    const r = await reconstructEntry(
      run,
      data.entries,
      p.entry,
      { probeFrom: p.probeFrom, objectFrom: p.objectFrom },
      {
        ...ptychoStageOptionsOf(o, b, data.manifest),
        onProgress: ctx.onProgress,
        signal: ctx.signal,
      },
      ctx.cache,
    );
    return { outputs: r.outputs, info: r.info };
  }
  if (task.kind === 'register') {
    const r = await buildRegisteredStack(run, data.entries, {
      pixelSizeM: o.pixelSizeM ?? 40e-9,
      allowUpsample: o.allowUpsample ?? false,
      strategy: o.strategy ?? 'reference',
      referenceEnergyEv: o.referenceEnergyEv,
      upsampleFactor: o.upsampleFactor ?? 100,
      normalization: o.registrationNormalization === 'phase' ? 'phase' : null,
      backend: b,
      onProgress: ctx.onProgress,
      signal: ctx.signal,
    });
    return { outputs: r.outputs, info: { pixelSizeM: r.grid.pixelSizeM, shape: r.grid.shape } };
  }
  // The fit and the report.
  const t = Date.now();
  const grid = JSON.parse(await readFile(run.path('stack', 'grid.json'), 'utf8')) as GridInfo;
  const stack = await readTiff(run.path('stack', 'attenuation_registered.tif'));
  const calibration = o.calibrationFile ? await loadCalibration(o.calibrationFile) : undefined;
  ctx.onProgress?.({ stage: 'xanes', done: 0, total: 1, message: `${stack.shape[1]}×${stack.shape[2]} pixels × ${stack.shape[0]} energies` });
  const xanes = await fitXanes({ data: stack.data, shape: stack.shape }, grid.energiesEv, {
    backend: b,
    edgeModel: o.edgeModel ?? 'shared',
    calibration,
    preEdgeEv: o.preEdgeEv,
    postEdgeEv: o.postEdgeEv,
    fitRangeEv: o.fitRangeEv,
    onProgress: ctx.onProgress,
    signal: ctx.signal,
  });
  const xanesFiles = await writeXanesOutputs(xanes, run.path('xanes'), { pixelSizeM: grid.pixelSizeM });
  const truth = data.manifest ? await compareWithTruth(data.manifest, xanes, grid) : undefined;
  const energies = await Promise.all(data.entries.map((e) => loadEnergyRecord(run, e)));
  const timingsS = await timingsFromRecords(ctx);
  timingsS.xanes = (Date.now() - t) / 1000;
  const resultsH5 = run.path('results.h5');
  const summaryPath = run.path('summary.json');
  const result: Pipeline2dResult = {
    outDir: run.dir,
    energiesEv: grid.energiesEv,
    energies,
    grid,
    xanes: xanes.summary,
    edgeModel: xanes.edgeModel,
    warnings: xanes.warnings,
    truth,
    timingsS,
    files: {
      oxidationState: run.path('xanes', 'oxidation_state.tif'),
      uncertainty: run.path('xanes', 'oxidation_state_std.tif'),
      histogramPng: run.path('xanes', 'oxidation_state_histogram.png'),
      resultsH5,
      summary: summaryPath,
    },
    backend: (await ctx.backend()).label,
  };
  await writeRunResults(run, { result, xanes, stackPath: run.path('stack', 'attenuation_registered.tif'), summaryPath, resultsH5 });
  return { outputs: [...xanesFiles, resultsH5, summaryPath], info: { ...xanes.summary }, value: result };
}
