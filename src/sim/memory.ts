/**
 * The whole simulated experiment in memory, for tests and small demos: one
 * MemoryFrameSource per entry (energy, or energy × angle) plus the ground truth, without
 * touching the disk. Refuses configurations larger than `maxFrameBytes` (default 512 MiB
 * of float32 frames): use simulate() to stream those to disk.
 */
import type { ComplexArray } from '../core/arrays.ts';
import { PtyxanesError } from '../core/errors.ts';
import { MemoryFrameSource } from '../core/frames.ts';
import type { RunControl } from '../core/progress.ts';
import type { Backend } from '../gpu/backend.ts';
import type { GpuContext } from '../gpu/context.ts';
import { forwardFftFor } from './fft-backend.ts';
import { resolveConfig } from './resolve.ts';
import type { SimConfig } from './config.ts';
import { planExperiment, planShift, runExperiment, type EntryInfo, type ExperimentPlan } from './experiment.ts';
import type { Grid2d, Volume } from './render.ts';
import { truthMaps, truthVolume, type TruthMaps } from './truth.ts';

export interface MemoryEntry {
  energyEv: number;
  angleDeg?: number;
  /** Frames, nominal positions, geometry and mask, as a reader would give them. */
  source: MemoryFrameSource;
  /** Truth for this entry: object transmission on `grid` (drift/misalignment applied), probe. */
  object: ComplexArray;
  grid: Grid2d;
  probe: ComplexArray;
  /** Positions actually simulated (nominal + errors), m. */
  actualPositionsM: Float64Array;
  /** Sample shift applied (m): 2D drift or 3D misalignment. */
  shiftM: [number, number];
}

export interface MemoryExperiment {
  plan: ExperimentPlan;
  entries: MemoryEntry[];
  /** 2D truth maps (3D: the projection at angle 0). */
  truth: TruthMaps;
  /** 3D truth volume. */
  volume?: Volume;
  warnings: string[];
}

export interface MemoryOptions extends RunControl {
  seed?: number;
  /** Expected intensities instead of Poisson counts. */
  noiseFree?: boolean;
  maxFrameBytes?: number;
  /** FFT backend (default 'cpu': small data, identical counts everywhere). */
  backend?: Backend;
  ctx?: GpuContext;
}

export async function simulateInMemory(presetOrConfig: string | SimConfig, opts: MemoryOptions = {}): Promise<MemoryExperiment> {
  const config = resolveConfig(presetOrConfig, opts.seed);
  const n = config.detector.crop;
  const frames = config.scan.grid[0] * config.scan.grid[1] * config.energiesEv.length * (config.kind === '3d' ? config.tomography!.angles : 1);
  const bytes = frames * n * n * 4;
  const limit = opts.maxFrameBytes ?? 512 * 2 ** 20;
  if (bytes > limit) {
    throw new PtyxanesError('experiment too large to simulate in memory; use simulate() to stream it to disk', { field: 'config', expected: `≤ ${(limit / 2 ** 20).toFixed(0)} MiB of frames`, found: `${(bytes / 2 ** 20).toFixed(0)} MiB` });
  }
  const plan = planExperiment(config);
  const entries: MemoryEntry[] = [];
  let truth: TruthMaps | undefined;
  let current: { info: EntryInfo; data: Float32Array; filled: number } | null = null;
  const nPos = plan.positionsM.length / 2;
  await runExperiment(
    plan,
    {
      angleRendered(ia, maps) {
        if (ia === 0) truth = truthMaps(plan, maps);
      },
      beginEntry(info) {
        current = { info, data: new Float32Array(nPos * n * n), filled: 0 };
      },
      appendFrames(block) {
        current!.data.set(block.frames, block.start * n * n);
      },
      endEntry(info) {
        const geometry = {
          energyEv: info.energyEv,
          detectorDistanceM: config.detector.distanceM,
          detectorPixelM: [config.detector.pixelM, config.detector.pixelM] as [number, number],
          positionsM: Float64Array.from(plan.positionsM),
          ...(info.angleDeg !== undefined ? { angleDeg: info.angleDeg } : {}),
        };
        const label = `${config.name}:${info.energyEv.toFixed(1)}eV${info.angleDeg !== undefined ? `:${info.angleDeg.toFixed(2)}deg` : ''}`;
        entries.push({
          energyEv: info.energyEv,
          angleDeg: info.angleDeg,
          source: new MemoryFrameSource(current!.data, n, n, geometry, plan.mask, label),
          object: info.object,
          grid: info.grid,
          probe: info.probe,
          actualPositionsM: info.actualPositionsM,
          shiftM: planShift(plan, info.ie, info.ia),
        });
        current = null;
      },
    },
    { onProgress: opts.onProgress, signal: opts.signal, noiseFree: opts.noiseFree, fft: await forwardFftFor(opts.backend ?? 'cpu', n, opts.ctx) },
  );
  return { plan, entries, truth: truth!, volume: config.kind === '3d' ? truthVolume(plan) : undefined, warnings: plan.warnings };
}
