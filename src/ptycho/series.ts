/**
 * Energy series: one reconstruction per energy, each warm-started from its neighbour.
 * The previous energy's probe and object are resampled onto the new energy's grid (the
 * object pixel size λz/(N·dpix) shrinks as energy rises) and the probe rescaled to the new
 * data's counts, so the next energy starts near its answer; probe updates then start at
 * once. A cold start spends its first iterations finding the probe.
 */
import type { ComplexArray } from '../core/arrays.ts';
import { PtyxanesError } from '../core/errors.ts';
import type { FrameSource } from '../core/frames.ts';
import { objectPixelSizeM } from '../core/frames.ts';
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import { scanPixels } from './geometry.ts';
import { checkSource } from './options.ts';
import { reconstructEpie } from './reconstruct.ts';
import { resampleObject, resampleProbe } from './resample.ts';
import type { EpieOptions, EpieResult } from './types.ts';

/** What a warm start needs from a finished energy. */
export interface WarmStartState {
  object: ComplexArray;
  probe: ComplexArray;
  pixelSizeM: number;
  originM: [number, number];
}

/** probeInit and objectInit for `source`, resampled from a neighbouring energy's result. */
export function warmStartInit(prev: WarmStartState, source: FrameSource): Pick<EpieOptions, 'probeInit' | 'objectInit'> {
  checkSource(source);
  const n = source.height;
  const g = source.geometry;
  const [K, ph, pw] = prev.probe.shape.length === 3 ? prev.probe.shape : [1, ...prev.probe.shape];
  if (ph !== n || pw !== n) {
    throw new PtyxanesError('previous energy\'s probe does not match this energy\'s pattern size', {
      file: source.label,
      field: 'warm start probe',
      expected: `${n}×${n}`,
      found: `${ph}×${pw}`,
    });
  }
  const pixelSizeM = objectPixelSizeM(g.energyEv, g.detectorDistanceM, g.detectorPixelM[0], n);
  const scan = scanPixels(g.positionsM, n, pixelSizeM, source.label);
  const probe = resampleProbe(prev.probe.data, K, n, prev.pixelSizeM, pixelSizeM);
  const [sh, sw] = prev.object.shape;
  const object = resampleObject(prev.object.data, sh, sw, prev.originM, prev.pixelSizeM, scan.objectHeight, scan.objectWidth, scan.originM, pixelSizeM);
  return {
    probeInit: { data: probe, shape: [K, n, n] },
    objectInit: { data: object, shape: [scan.objectHeight, scan.objectWidth] },
  };
}

export interface SeriesOptions extends EpieOptions, RunControl {
  /** Start each energy from its predecessor (default true). */
  warmStart?: boolean;
  /** Iterations for warm-started energies (default: `iterations`). */
  warmIterations?: number;
  /** Called after each energy, e.g. to write its files before the next starts. */
  onEnergyDone?: (index: number, result: EpieResult) => Promise<void> | void;
}

/**
 * Reconstructs `sources` in the given order (normally increasing energy). Warm-started
 * energies update the probe from their first iteration.
 */
export async function reconstructSeries(sources: FrameSource[], opts: SeriesOptions = {}): Promise<EpieResult[]> {
  const { warmStart = true, warmIterations, onEnergyDone, ...epie } = opts;
  const results: EpieResult[] = [];
  let prev: WarmStartState | null = null;
  for (const [i, source] of sources.entries()) {
    throwIfAborted(opts.signal);
    const warm = warmStart && prev !== null;
    const init = warm ? warmStartInit(prev!, source) : {};
    const result = await reconstructEpie(source, {
      ...epie,
      ...init,
      ...(warm ? { probeUpdateStart: 0, iterations: warmIterations ?? epie.iterations } : {}),
      onProgress: (ev) => opts.onProgress?.({ ...ev, message: `energy ${i + 1}/${sources.length}: ${ev.message ?? ''}` }),
    });
    results.push(result);
    await onEnergyDone?.(i, result);
    opts.onProgress?.({ stage: 'epie-series', done: i + 1, total: sources.length, message: `${source.label}: ${result.energyEv} eV done`, values: { energyEv: result.energyEv } });
    prev = result;
  }
  return results;
}
