/**
 * fitXanes: per-pixel (2D) or per-voxel (3D) Ni K-edge fit of an attenuation stack
 * [nE, ...spatial] → calibrated oxidation-state map with uncertainty (the reference paper's
 * Methods, "Fitting of Ni oxidation state"; details in lm.ts, normalize.ts, calibration.ts).
 */
import type { RealArray } from '../core/arrays.ts';
import { PtyxanesError } from '../core/errors.ts';
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import { resolveBackend, type Backend } from '../gpu/backend.ts';
import { adapterLabel, type GpuContext } from '../gpu/context.ts';
import { defaultCalibration, oxidationState, type Calibration } from './calibration.ts';
import { CpuPixelFitter, allocFitMaps, type FitMaps } from './fit-cpu.ts';
import { fitStackGpu } from './fit-gpu.ts';
import { resolveGrid, type GridOptions } from './grid.ts';
import type { LmSettings } from './lm.ts';
import { checkStack, edgeSteps, normWeights, resolveMinEdgeStep } from './normalize.ts';
import { XANES_STATUS_NAMES, hasValues } from './status.ts';
import { buildEdgeTemplate, type EdgeModel, type EdgeTemplate } from './shared-shape.ts';

export interface XanesOptions extends GridOptions, RunControl {
  backend?: Backend;
  ctx?: GpuContext;
  /** Edge → state line; default: `defaultCalibration` measured on this energy grid. */
  calibration?: Calibration;
  /** Pixels whose edge jump (mean post − mean pre, see normalize.ts) is at or below this are masked (NaN); default 10 % of the 99th percentile. */
  minEdgeStep?: number;
  /**
   * 'shared' (default): the three Gaussians are fitted to the mean spectrum and each pixel
   * fits only a scale and an energy shift of that curve (shared-shape.ts: several times less
   * scatter at ptychographic noise). 'free': nine free parameters per pixel, as in the paper
   * (the default when `background` is set).
   */
  edgeModel?: EdgeModel;
  /**
   * A precomputed shared-shape template (edgeModel 'shared'): used as is instead of one fitted
   * to this stack's mean spectrum, so that the slabs of a volume fitted one at a time
   * (pipeline/xanes-slabs.ts) share the whole volume's template, as they share its
   * `minEdgeStep` and `calibration`.
   */
  template?: EdgeTemplate;
  /** Fit a linear background with the Gaussians (default false: normalisation removes it); free edge model only. */
  background?: boolean;
  maxIterations?: number;
  /** GPU pixels per dispatch. */
  blockPixels?: number;
}

export interface XanesSummary {
  nSpectra: number;
  /** Pixels with values (status ok or not-converged). */
  nFitted: number;
  statusCounts: Record<string, number>;
  oxidationMean: number;
  oxidationMedian: number;
  oxidationP05: number;
  oxidationP95: number;
  edgeMedianEv: number;
  /** Median per-pixel standard errors. */
  medianEdgeStdEv: number;
  medianOxidationStd: number;
  elapsedMs: number;
  spectraPerSecond: number;
}

export interface XanesResult {
  /** Spatial shape (the stack's shape without the energy axis). */
  shape: number[];
  oxidationState: Float32Array;
  oxidationStateStd: Float32Array;
  edgeEnergyEv: Float32Array;
  edgeEnergyStdEv: Float32Array;
  edgeStep: Float32Array;
  e0HalfStepEv: Float32Array;
  derivMaxEv: Float32Array;
  /** XanesStatus per pixel (see status.ts). */
  status: Uint8Array;
  iterations: Uint16Array;
  calibration: Calibration;
  energiesEv: number[];
  preEdgeEv: [number, number];
  postEdgeEv: [number, number];
  fitRangeEv: [number, number];
  minEdgeStep: number;
  /** The edge model used ('free' also when 'shared' was asked for but no template could be fitted: see warnings). */
  edgeModel: EdgeModel;
  /** The shared-shape template (edgeModel 'shared'). */
  template?: EdgeTemplate;
  warnings: string[];
  backend: 'gpu' | 'cpu';
  adapter?: string;
  summary: XanesSummary;
}

export async function fitXanes(stack: RealArray, energiesEv: ArrayLike<number>, opts: XanesOptions = {}): Promise<XanesResult> {
  const t0 = performance.now();
  // Shape first: a depth/energy mismatch is the likelier mistake and the clearer message.
  const nPix = checkStack(stack, energiesEv.length);
  const grid = resolveGrid(energiesEv, opts);
  const weights = normWeights(grid);
  const lm: Partial<LmSettings> = { background: !!opts.background, ...(opts.maxIterations ? { maxIterations: opts.maxIterations } : {}) };
  const minEdgeStep = resolveMinEdgeStep(edgeSteps(stack.data, nPix, weights), opts.minEdgeStep);
  // A fitted background belongs to the free model (the shared shape has none).
  const edgeModel = opts.edgeModel ?? (opts.background ? 'free' : 'shared');
  if (edgeModel !== 'shared' && edgeModel !== 'free') {
    throw new PtyxanesError('unknown edge model', { field: 'edgeModel', expected: "'shared' or 'free'", found: String(edgeModel) });
  }
  if (edgeModel === 'shared' && opts.background) {
    throw new PtyxanesError('a fitted linear background needs the free edge model', { field: 'background', expected: "edgeModel 'free' (or no background)", found: "edgeModel 'shared'" });
  }
  const warnings: string[] = [];
  let template: EdgeTemplate | undefined;
  if (edgeModel === 'shared' && opts.template) template = opts.template;
  else if (edgeModel === 'shared') {
    try {
      template = buildEdgeTemplate(stack.data, nPix, grid, weights, minEdgeStep, lm);
    } catch (e) {
      // No usable mean spectrum (e.g. no pixel with an edge): every pixel gets the free fit and its own status.
      warnings.push(`shared-shape edge model unusable (${(e as Error).message}); fitted each pixel with the free 3-Gaussian model`);
      opts.onProgress?.({ stage: 'xanes-fit', done: 0, total: nPix, message: `warning: ${warnings[warnings.length - 1]}` });
    }
  }
  // References are measured as the data are: with the same template when there is one.
  const calibration = opts.calibration ?? defaultCalibration({ ...gridOpts(opts), energiesEv: grid.energyEv, template });
  const maps = allocFitMaps(nPix);
  throwIfAborted(opts.signal);
  const be = await resolveBackend(opts.backend ?? 'auto', opts.ctx);
  if (be.kind === 'gpu') {
    await fitStackGpu(be.ctx, stack.data, nPix, grid, weights, minEdgeStep, maps, { lm, template, blockPixels: opts.blockPixels, onProgress: opts.onProgress, signal: opts.signal });
  } else {
    await fitStackCpu(stack.data, nPix, maps, { grid, weights, lm, minEdgeStep, template }, opts);
  }
  const elapsedMs = performance.now() - t0;
  const result = assemble(maps, stack.shape.slice(1), calibration, grid, minEdgeStep, be.kind, be.kind === 'gpu' ? adapterLabel(be.ctx.info) : undefined, elapsedMs);
  return { ...result, edgeModel: template ? 'shared' : 'free', template, warnings };
}

function gridOpts(o: GridOptions): GridOptions {
  return { preEdgeEv: o.preEdgeEv, postEdgeEv: o.postEdgeEv, fitRangeEv: o.fitRangeEv, postEdgeDegree: o.postEdgeDegree, edgeStepEnergyEv: o.edgeStepEnergyEv };
}

/** CPU path: blocks of pixels on this thread, yielding between blocks for progress and abort. */
async function fitStackCpu(data: Float32Array, nPix: number, maps: FitMaps, c: ConstructorParameters<typeof CpuPixelFitter>[0], ctl: RunControl): Promise<void> {
  const fitter = new CpuPixelFitter(c);
  const block = 2048;
  for (let p0 = 0; p0 < nPix; p0 += block) {
    throwIfAborted(ctl.signal);
    const p1 = Math.min(nPix, p0 + block);
    fitter.fitRange(data, nPix, p0, p1, maps);
    ctl.onProgress?.({ stage: 'xanes-fit', done: p1, total: nPix, message: `${p1}/${nPix} spectra (CPU)` });
    if (p1 < nPix) await new Promise((r) => setImmediate(r));
  }
}

function assemble(maps: FitMaps, shape: readonly number[], cal: Calibration, grid: ReturnType<typeof resolveGrid>, minEdgeStep: number, backend: 'gpu' | 'cpu', adapter: string | undefined, elapsedMs: number): Omit<XanesResult, 'edgeModel' | 'template' | 'warnings'> {
  const n = maps.status.length;
  const ox = new Float32Array(n);
  const oxStd = new Float32Array(n);
  oxidationStateMaps(maps, cal, ox, oxStd);
  const acc = new XanesSummaryAccumulator(n);
  acc.add(maps, ox, oxStd);
  return {
    shape: [...shape],
    oxidationState: ox,
    oxidationStateStd: oxStd,
    edgeEnergyEv: maps.edgeEnergyEv,
    edgeEnergyStdEv: maps.edgeEnergyStdEv,
    edgeStep: maps.edgeStep,
    e0HalfStepEv: maps.e0HalfStepEv,
    derivMaxEv: maps.derivMaxEv,
    status: maps.status,
    iterations: maps.iterations,
    calibration: cal,
    energiesEv: Array.from(grid.energyEv),
    preEdgeEv: grid.preEdgeEv,
    postEdgeEv: grid.postEdgeEv,
    fitRangeEv: grid.fitRangeEv,
    minEdgeStep,
    backend,
    adapter,
    summary: acc.finish(elapsedMs),
  };
}

type EdgeMaps = Pick<FitMaps, 'status' | 'edgeEnergyEv' | 'edgeEnergyStdEv'>;

/** Oxidation state and its standard error from the fitted edges (NaN where a pixel has no value). */
export function oxidationStateMaps(maps: EdgeMaps, cal: Calibration, ox: Float32Array, oxStd: Float32Array): void {
  for (let i = 0; i < maps.status.length; i++) {
    if (hasValues(maps.status[i]) && Number.isFinite(maps.edgeEnergyEv[i])) {
      ox[i] = oxidationState(cal, maps.edgeEnergyEv[i]);
      oxStd[i] = Math.abs(cal.valencePerEv) * maps.edgeEnergyStdEv[i];
    } else {
      ox[i] = NaN;
      oxStd[i] = NaN;
    }
  }
}

/**
 * The summary of a fit whose pixels arrive in chunks (slabs of a volume, in order): counts
 * and sums as they come, the quantiles from a strided sample of the whole (every
 * `stride`-th pixel, at most ~10⁶ values), so slab by slab gives the in-memory summary.
 */
export class XanesSummaryAccumulator {
  private readonly stride: number;
  private offset = 0;
  private nFitted = 0;
  private sum = 0;
  private readonly counts: Record<string, number> = {};
  private readonly samples: number[][] = [[], [], [], []];

  constructor(private readonly total: number) {
    this.stride = Math.max(1, Math.floor(total / 1_000_000));
    for (const name of Object.values(XANES_STATUS_NAMES)) this.counts[name] = 0;
  }

  add(maps: EdgeMaps, ox: Float32Array, oxStd: Float32Array): void {
    const n = maps.status.length;
    for (let i = 0; i < n; i++) {
      this.counts[XANES_STATUS_NAMES[maps.status[i]]]++;
      if (hasValues(maps.status[i]) && Number.isFinite(maps.edgeEnergyEv[i])) {
        this.sum += ox[i];
        this.nFitted++;
      }
    }
    const first = (this.stride - (this.offset % this.stride)) % this.stride;
    [ox, maps.edgeEnergyEv, maps.edgeEnergyStdEv, oxStd].forEach((v, k) => {
      for (let i = first; i < n; i += this.stride) if (Number.isFinite(v[i])) this.samples[k].push(v[i]);
    });
    this.offset += n;
  }

  finish(elapsedMs: number): XanesSummary {
    const [ox, edge, edgeStd, oxStd] = this.samples.map((s) => Float64Array.from(s).sort());
    const q = quantilesOf(ox, [0.05, 0.5, 0.95]);
    return {
      nSpectra: this.total,
      nFitted: this.nFitted,
      statusCounts: this.counts,
      oxidationMean: this.nFitted ? this.sum / this.nFitted : NaN,
      oxidationMedian: q[1],
      oxidationP05: q[0],
      oxidationP95: q[2],
      edgeMedianEv: quantilesOf(edge, [0.5])[0],
      medianEdgeStdEv: quantilesOf(edgeStd, [0.5])[0],
      medianOxidationStd: quantilesOf(oxStd, [0.5])[0],
      elapsedMs,
      spectraPerSecond: this.total / (elapsedMs / 1000),
    };
  }
}

/** Quantiles of a sorted sample (NaN when empty). */
function quantilesOf(s: Float64Array, qs: number[]): number[] {
  if (!s.length) return qs.map(() => NaN);
  return qs.map((q) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]);
}
