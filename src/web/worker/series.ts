/**
 * The 2D chain in the browser, in memory: the same pipeline core as `ptyxanes pipeline 2d`
 * (src/pipeline/series-core.ts: warm-started ePIE per energy, lit-area crops of −ln|O|,
 * common grid and registration) and the same XANES fit, with the CLI's defaults, so the
 * page and the command line give the same maps on the same data. Only the files, resume
 * and provenance of the on-disk run are left out.
 */
import type { FrameSource } from '../../core/frames.ts';
import type { RealArray } from '../../core/arrays.ts';
import { throwIfAborted, type RunControl } from '../../core/progress.ts';
import { resolveBackend } from '../../gpu/backend.ts';
import { adapterLabel } from '../../gpu/context.ts';
import { probeModelFor } from '../../pipeline/probe-model.ts';
import {
  DEFAULT_SERIES_ALPHA,
  DEFAULT_WARM_ITERATIONS,
  attenuationOf,
  cropLitAttenuation,
  energyRecordOf,
  reconstructEnergy,
  registeredStack,
  type GridInfo,
  type WarmState,
} from '../../pipeline/series-core.ts';
import type { EpieResult } from '../../ptycho/types.ts';
import { DEFAULT_UPSAMPLE_FACTOR } from '../../register/options.ts';
import { DEFAULT_TARGET_PIXEL_M } from '../../register/rescale.ts';
import { fitXanes, type XanesResult } from '../../xanes/fit.ts';
import { loadReferenceSetAsync } from '../../xanes/references.ts';
import type { RunSettings } from '../protocol.ts';

export { DEFAULT_SERIES_ALPHA, DEFAULT_WARM_ITERATIONS };

export interface SeriesCallbacks extends RunControl {
  /** Each energy as it finishes (for the live views). */
  onEnergy?: (r: EpieResult, index: number, total: number) => void;
  /** Awaited before each energy: a paused run waits here (ePIE itself has no pause point). */
  beforeEnergy?: () => Promise<void>;
}

export interface SeriesOutcome {
  /** Absent when fewer than MIN_FIT_ENERGIES energies were reconstructed. */
  fit?: { stack: RealArray; grid: GridInfo; xanes: XanesResult };
  backend: string;
}

/** Patterns held in the tab's memory; more are streamed from the file (see below). */
export const HOST_BUDGET_BYTES = 1 << 30;

/** The XANES fit's own minimum (xanes/grid.ts: normalisation + three Gaussians); fewer energies are reconstructed only. */
export const MIN_FIT_ENERGIES = 7;

/** Reconstructs `sources` (sorted by energy here), then registers the −ln|O| stack and fits it when there are enough energies. */
export async function runSeries(sources: FrameSource[], s: RunSettings, cb: SeriesCallbacks): Promise<SeriesOutcome> {
  const sorted = [...sources].sort((a, b) => a.geometry.energyEv - b.geometry.energyEv);
  const resolved = await resolveBackend(s.backend);
  const b = resolved.kind;
  const backendLabel = resolved.kind === 'gpu' ? `gpu: ${adapterLabel(resolved.ctx.info)}` : `cpu${resolved.reason ? ` (${resolved.reason})` : ''}`;
  const probeModel = probeModelFor(s.probeInit);
  let prev: WarmState | null = null;
  const images: RealArray[] = [];
  const pixels: number[] = [];
  const origins: [number, number][] = [];
  for (const [i, source] of sorted.entries()) {
    await cb.beforeEnergy?.();
    throwIfAborted(cb.signal);
    const r = await reconstructEnergy(source, prev, i, sorted.length, {
      // threads: 1 — the library's CPU thread pool is Node's worker_threads; here this Worker is the thread.
      // hostBudgetBytes: a tab gets a few GB at most (Chrome: ~4 GB of heap), so patterns beyond
      // 1 GiB are re-read from the dropped file each iteration instead of held (same results).
      epie: { iterations: s.iterations, alpha: s.alpha, beta: s.beta, probeModes: s.probeModes, mode: s.mode, backend: b, threads: 1, hostBudgetBytes: HOST_BUDGET_BYTES },
      warmStart: true,
      warmIterations: s.warmIterations,
      probeModel,
      onProgress: cb.onProgress,
      signal: cb.signal,
    });
    const crop = cropLitAttenuation(attenuationOf(r), energyRecordOf(r));
    images.push(crop.image);
    pixels.push(crop.pixelSizeM);
    origins.push(crop.originM);
    prev = { object: r.object, probe: r.probe, pixelSizeM: r.pixelSizeM, originM: r.originM };
    cb.onEnergy?.(r, i, sorted.length);
  }
  throwIfAborted(cb.signal);
  if (sorted.length < MIN_FIT_ENERGIES) return { backend: backendLabel };
  const { stack, grid } = await registeredStack(
    images,
    pixels,
    origins,
    sorted.map((x) => x.geometry.energyEv),
    { pixelSizeM: DEFAULT_TARGET_PIXEL_M, allowUpsample: false, strategy: 'reference', upsampleFactor: DEFAULT_UPSAMPLE_FACTOR, normalization: null, backend: b, onProgress: cb.onProgress, signal: cb.signal },
  );
  throwIfAborted(cb.signal);
  // The calibration's reference spectra are fetched (Node reads them from disk).
  await loadReferenceSetAsync();
  cb.onProgress?.({ stage: 'xanes', done: 0, total: 1, message: `${stack.shape[1]}×${stack.shape[2]} pixels × ${stack.shape[0]} energies` });
  const xanes = await fitXanes(stack, grid.energiesEv, { backend: b, edgeModel: 'shared', onProgress: cb.onProgress, signal: cb.signal });
  return { fit: { stack, grid, xanes }, backend: backendLabel };
}
