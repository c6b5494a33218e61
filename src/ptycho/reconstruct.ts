/**
 * reconstructEpie: one energy's patterns → complex object and probe modes by ePIE
 * (Maiden & Rodenburg 2009), sequential or in parallel non-overlapping sets, with K
 * incoherent probe modes, on the GPU or the CPU.
 *
 * Conventions: frames are fftshift-centred counts (src/core/frames.ts); they are
 * ifftshifted once at load so exit waves are transformed with zero frequency at index 0
 * and no shifts in the loop. Forward FFT unnormalised, inverse 1/(n²) (src/fft), so the
 * model intensity is |F(P·O)|² directly. Error: Σ(|Ψ| − √I)² / Σ I over valid pixels, summed
 * over the positions while the iteration runs (each with the model it was updated from).
 */
import type { FrameSource } from '../core/frames.ts';
import { objectPixelSizeM } from '../core/frames.ts';
import { PtyxanesError } from '../core/errors.ts';
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import { angle, abs } from '../core/arrays.ts';
import { resolveBackend } from '../gpu/backend.ts';
import { adapterLabel } from '../gpu/context.ts';
import { AmplitudeStore } from './amplitude-store.ts';
import { CpuParallelEngine } from './cpu-parallel.ts';
import { CpuSequentialEngine } from './cpu-sequential.ts';
import type { EngineSetup, EpieEngine } from './engine.ts';
import { scanPixels } from './geometry.ts';
import { createGpuEngine } from './gpu-engine.ts';
import { checkProbeArray, initialObject, initialProbe } from './init.ts';
import { PeakRss, nowS } from './memory.ts';
import { gramMatrix } from './modes.ts';
import { autoBatchSize, availableCores, checkSource, defaultEngine, defaultMode, resolveOptions } from './options.ts';
import { iterationPlan, Rng } from './order.ts';
import { illuminationMap, normalizeObjectModulus, removePhaseRamp, wellLitMask } from './postprocess.ts';
import type { EpieOptions, EpieResult } from './types.ts';
import { updateRule } from './update-rule.ts';
import { DEFAULT_REFINE, PositionRefiner, type RefineOptions } from './positions.ts';

/**
 * An object given on the scan's plain grid (e.g. warmStartInit's) embedded in the refined
 * scan's wider grid (ones in the extra border); other shapes pass through to be checked.
 */
function onRefinedGrid(init: EpieOptions['objectInit'], positionsM: Float64Array, n: number, pixelSizeM: number, scan: { objectHeight: number; objectWidth: number }, label: string): EpieOptions['objectInit'] {
  if (!init) return init;
  const plain = scanPixels(positionsM, n, pixelSizeM, label);
  const [h, w] = init.shape;
  if (h !== plain.objectHeight || w !== plain.objectWidth) return init;
  const dy = (scan.objectHeight - h) / 2;
  const dx = (scan.objectWidth - w) / 2;
  const out = new Float32Array(2 * scan.objectHeight * scan.objectWidth);
  for (let i = 0; i < out.length; i += 2) out[i] = 1;
  for (let r = 0; r < h; r++) out.set(init.data.subarray(2 * r * w, 2 * (r + 1) * w), 2 * ((r + dy) * scan.objectWidth + dx));
  return { data: out, shape: [scan.objectHeight, scan.objectWidth] };
}

/** Refinement settings from the option (undefined/false = off), checked. */
function resolveRefine(v: EpieOptions['refinePositions'], label: string): RefineOptions | null {
  if (!v) return null;
  const r = { ...DEFAULT_REFINE, ...(v === true ? {} : v) };
  for (const [k, x] of Object.entries(r)) {
    if (!Number.isFinite(x) || x < 0 || (k !== 'start' && x === 0)) {
      throw new PtyxanesError('position refinement setting out of range', { file: label, field: `refinePositions.${k}`, expected: k === 'start' ? 'an iteration ≥ 0' : 'pixels > 0', found: String(x) });
    }
  }
  return r;
}

export async function reconstructEpie(source: FrameSource, opts: EpieOptions & RunControl = {}): Promise<EpieResult> {
  if (!source || typeof source.readFrames !== 'function') {
    throw new PtyxanesError('not a FrameSource', { field: 'source', expected: 'a FrameSource (e.g. from openCxiEntry or MemoryFrameSource)', found: String(source) });
  }
  const label = source.label ?? 'frames';
  checkSource(source);
  const o = resolveOptions(opts, label);
  const { signal, onProgress } = opts;
  const t0 = nowS();
  const rss = new PeakRss();
  rss.sample();
  const n = source.height;
  const g = source.geometry;
  const pixelSizeM = objectPixelSizeM(g.energyEv, g.detectorDistanceM, g.detectorPixelM[0], n);
  const refine = resolveRefine(opts.refinePositions, label);
  // Refined windows may move up to maxShiftPx: the object grid gets that much more border.
  const scan = scanPixels(g.positionsM, n, pixelSizeM, label, refine ? 1 + Math.ceil(refine.maxShiftPx) : undefined);
  if (o.subpixel === 'nearest') {
    scan.dx.fill(0);
    scan.dy.fill(0);
  }
  // Cheap checks of user arrays before reading any pattern.
  const object = initialObject(refine ? onRefinedGrid(opts.objectInit, g.positionsM, n, pixelSizeM, scan, label) : opts.objectInit, scan.objectHeight, scan.objectWidth, label);
  const pi = opts.probeInit;
  if (pi && typeof pi === 'object' && ('zonePlate' in pi || 'data' in pi)) checkProbeArray('zonePlate' in pi ? pi.zonePlate : pi, n, n, label);

  const backend = await resolveBackend(opts.backend ?? 'auto', opts.ctx);
  const genericStart = pi === undefined || pi === 'mean-pattern' || (typeof pi === 'object' && ('aperture' in pi || 'gaussian' in pi));
  if (opts.mode === undefined) o.mode = defaultMode(backend.kind, genericStart);
  if (opts.engine === undefined) o.rule.engine = defaultEngine(o.mode);
  const threads = o.threads || Math.min(8, await availableCores());
  const useWorkers = backend.kind === 'cpu' && o.mode === 'parallel' && threads > 1;
  if (refine && useWorkers) PositionRefiner.shareScan(scan);
  const refiner = refine ? new PositionRefiner(scan, n, refine, useWorkers) : null;
  const frameBytes = 4 * n * n;
  // A chunk must fit one GPU storage binding (this makes the order depend on that limit only for chunks above it).
  const chunkBytes = backend.kind === 'gpu' ? Math.min(o.chunkBytes, backend.ctx.limits.maxStorageBufferBindingSize) : o.chunkBytes;
  const store = await AmplitudeStore.load(source, {
    blockFrames: o.blockFrames,
    chunkFrames: Math.max(1, Math.floor(chunkBytes / frameBytes)),
    hostBudgetBytes: o.hostBudgetBytes,
    shared: useWorkers,
    // The CPU engines transform without permuting (ScrambledFft2d): their Fourier space is bit-reversed.
    order: backend.kind === 'cpu' ? 'bitReversed' : 'natural',
    signal,
  });
  rss.sample();
  const probe = initialProbe(pi, store, o.probeModes, o.seed, label, pixelSizeM);
  let batchSize = o.batchSize || autoBatchSize(source.nFrames);
  if (backend.kind === 'gpu') {
    // A batch's K·B frames must fit one storage binding (1024² frames: at most 256 MiB / 8 MiB).
    batchSize = Math.max(1, Math.min(batchSize, Math.floor(backend.ctx.limits.maxStorageBufferBindingSize / (8 * n * n * o.probeModes))));
  }
  const setup: EngineSetup = { store, scan, modes: o.probeModes, alpha: o.alpha, beta: o.beta, gamma: o.regularization, mode: o.mode, rule: updateRule({ ...o.rule, objectPixels: scan.objectHeight * scan.objectWidth, probePixels: n * n }, label), batchSize, object, probe, signal, refiner };
  const tLoad = nowS();
  const engine: EpieEngine =
    backend.kind === 'gpu'
      ? await createGpuEngine(backend.ctx, setup, o.gpuBudgetBytes)
      : o.mode === 'sequential'
        ? new CpuSequentialEngine(setup)
        : await CpuParallelEngine.create(setup, useWorkers ? threads : 1);
  const errors: number[] = [];
  let state;
  let gpuBytes = 0;
  let gpuResident = false;
  const tIter = nowS();
  try {
    const rng = new Rng(o.seed);
    const spec = { mode: o.mode, chunkStarts: store.chunkStarts, ix: scan.ix, iy: scan.iy, batchSize: setup.batchSize };
    for (let it = 0; it < o.iterations; it++) {
      throwIfAborted(signal);
      const plan = iterationPlan(spec, rng);
      const refineNow = refiner !== null && refiner.active(it);
      const e = await engine.iterate(plan, it >= o.probeUpdateStart, refineNow);
      if (refineNow) refiner.apply();
      const err = e.intensity > 0 ? e.residual / e.intensity : NaN;
      errors.push(err);
      if (o.probeModes > 1 && (it + 1) % o.orthogonalizeEvery === 0) await engine.orthogonalize();
      rss.sample();
      onProgress?.({ stage: 'epie', done: it + 1, total: o.iterations, message: `${label}: iteration ${it + 1}/${o.iterations} error ${err.toExponential(3)}`, values: { error: err, energyEv: g.energyEv } });
      if (err <= o.targetError) break;
    }
    state = await engine.read();
    gpuBytes = engine.gpuBytes;
    gpuResident = engine.gpuResident;
  } finally {
    await engine.dispose();
  }
  const tEnd = nowS();
  rss.sample();

  // Ambiguities removed on the well-lit area; the probe compensates each change.
  const K = o.probeModes;
  const illum = illuminationMap(state.probe, K, n, n, scan);
  const lit = wellLitMask(illum, o.illuminationThreshold);
  removePhaseRamp(state.object, scan.objectHeight, scan.objectWidth, lit, state.probe, K, n, n);
  if (o.normalizeModulus) normalizeObjectModulus(state.object, lit, state.probe);
  const illumination = illuminationMap(state.probe, K, n, n, scan);
  const gram = gramMatrix(state.probe, K, n * n);
  const shifts = refiner ? refiner.shiftsM() : new Float64Array(g.positionsM.length);
  const objectArr = { data: state.object, shape: [scan.objectHeight, scan.objectWidth] };
  const iterations = errors.length;
  const iterateS = tEnd - tIter;
  return {
    object: objectArr,
    modulus: abs(objectArr),
    phase: angle(objectArr),
    probe: { data: state.probe, shape: [K, n, n] },
    modePowers: Array.from({ length: K }, (_, k) => gram[2 * (k * K + k)]),
    pixelSizeM,
    originM: scan.originM,
    errors,
    positionShiftsM: shifts,
    positionsM: Float64Array.from(g.positionsM, (v, i) => v + shifts[i]),
    illumination: { data: illumination, shape: [scan.objectHeight, scan.objectWidth] },
    illuminatedMask: lit,
    energyEv: g.energyEv,
    label,
    timings: {
      backend: backend.kind,
      mode: o.mode,
      threads: engine.threads,
      loadS: tLoad - t0,
      setupS: tIter - tLoad,
      iterateS,
      totalS: nowS() - t0,
      perIterationS: iterations ? iterateS / iterations : 0,
      patternUpdatesPerS: iterateS > 0 ? (iterations * source.nFrames) / iterateS : 0,
      iterations,
      chunks: store.chunkCount,
      hostResident: store.hostResident,
      gpuResident,
      peakRssBytes: rss.peakBytes,
      gpuBytes,
      adapter: backend.kind === 'gpu' ? adapterLabel(backend.ctx.info) : undefined,
    },
  };
}
