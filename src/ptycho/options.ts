/**
 * Defaults and checks for EpieOptions and for the FrameSource's geometry, so bad input
 * fails before any work with a PtyxanesError naming the field.
 */
import { PtyxanesError } from '../core/errors.ts';
import { isPowerOfTwo } from '../core/arrays.ts';
import type { FrameSource } from '../core/frames.ts';
import { MAX_FFT_SIZE, MIN_FFT_SIZE } from '../fft/index.ts';
import { MAX_PROBE_MODES } from './modes.ts';
import type { EpieMode, EpieOptions } from './types.ts';
import { updateRule, type RuleOptions } from './update-rule.ts';



/**
 * Default mode and update rule, by what the probe start is (BENCHMARKS.md, ePIE: convergence
 * from a probe guess):
 * - a probe model or array (the zone plate, a previous energy's probe): mini-batch ePIE
 *   ('parallel' + 'epie'), the best from a good start (simulator 2d-small, 30 iterations:
 *   NRMS 0.014 vs 0.025 sequential ePIE, 0.033 sequential mPIE) and the GPU's mode;
 * - a generic guess on the CPU (the mean pattern, an aperture, a Gaussian; what a user without
 *   the answer gives): sequential mPIE, which recovers the probe (a probe update per position)
 *   and the object where mini-batches stall (PtyPy's shared case: NRMSE 0.103 vs 0.219–0.228).
 */
export function defaultMode(backend: 'cpu' | 'gpu', genericStart: boolean): EpieMode {
  return backend === 'cpu' && genericStart ? 'sequential' : 'parallel';
}
export function defaultEngine(mode: EpieMode): 'epie' | 'mpie' {
  return mode === 'sequential' ? 'mpie' : 'epie';
}
export const DEFAULT_MODE: EpieMode = 'parallel';

export interface ResolvedOptions {
  iterations: number;
  alpha: number;
  beta: number;
  probeUpdateStart: number;
  probeModes: number;
  mode: EpieMode;
  batchSize: number;
  seed: number;
  blockFrames: number;
  chunkBytes: number;
  hostBudgetBytes: number;
  gpuBudgetBytes: number;
  threads: number;
  orthogonalizeEvery: number;
  targetError: number;
  illuminationThreshold: number;
  normalizeModulus: boolean;
  regularization: number;
  subpixel: 'fourier' | 'nearest';
  /** The update rule's options, completed by the object size in reconstruct (updateRule). */
  rule: Omit<RuleOptions, 'objectPixels' | 'probePixels'>;
}

export { availableCores } from '../core/worker-spawn.ts';

function defaultHostBudget(): number {
  return 4 * 1024 ** 3;
}

/**
 * Default mini-batch: about 1/25 of the positions, within 16..256. Measured (BENCHMARKS.md,
 * ePIE): batches of 4–10 % of the positions converge per iteration as fast as sequential
 * ePIE or faster; 12 % and more slow convergence down on high-count data.
 */
export function autoBatchSize(nFrames: number): number {
  return Math.min(256, Math.max(16, Math.round(nFrames / 25)));
}

export function resolveOptions(o: EpieOptions, label: string): ResolvedOptions {
  const int = (field: keyof EpieOptions, v: number | undefined, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const x = v ?? def;
    if (!Number.isInteger(x) || x < min || x > max) {
      throw new PtyxanesError(`option ${String(field)} is out of range`, { file: label, field: String(field), expected: `an integer in ${min}..${max === Number.MAX_SAFE_INTEGER ? '∞' : max}`, found: String(v) });
    }
    return x;
  };
  const num = (field: keyof EpieOptions, v: number | undefined, def: number, min: number, max: number): number => {
    const x = v ?? def;
    if (!Number.isFinite(x) || x < min || x > max) {
      throw new PtyxanesError(`option ${String(field)} is out of range`, { file: label, field: String(field), expected: `a number in ${min}..${max}`, found: String(v) });
    }
    return x;
  };
  const mode = o.mode ?? DEFAULT_MODE;
  if (mode !== 'sequential' && mode !== 'parallel') {
    throw new PtyxanesError('unknown ePIE mode', { file: label, field: 'mode', expected: "'sequential' or 'parallel'", found: String(o.mode) });
  }
  const subpixel = o.subpixel ?? 'fourier';
  if (subpixel !== 'fourier' && subpixel !== 'nearest') {
    throw new PtyxanesError('unknown subpixel handling', { file: label, field: 'subpixel', expected: "'fourier' or 'nearest'", found: String(o.subpixel) });
  }
  const regularization = num('regularization', o.regularization, 0.2, 0, 1);
  if (o.objectAmplitudeMax !== undefined && o.objectAmplitudeMax !== null) num('objectAmplitudeMax', o.objectAmplitudeMax, 1, 1e-6, Infinity);
  const rule = {
    engine: o.engine ?? 'epie', // the default follows the mode (defaultEngine, in reconstruct)
    regularization,
    momentumFriction: o.momentumFriction === undefined ? undefined : num('momentumFriction', o.momentumFriction, 0.7, 0, 1),
    momentumFeedback: o.momentumFeedback === undefined ? undefined : num('momentumFeedback', o.momentumFeedback, 0.3, 0, 2),
    momentumEvery: o.momentumEvery === undefined ? undefined : int('momentumEvery', o.momentumEvery, 20, 1),
    objectAmplitudeMax: o.objectAmplitudeMax,
  };
  updateRule({ ...rule, objectPixels: 1, probePixels: 1 }, label); // checks the engine name now
  return {
    rule,
    subpixel,
    iterations: int('iterations', o.iterations, 50, 0),
    alpha: num('alpha', o.alpha, 1, 0, 2),
    beta: num('beta', o.beta, 1, 0, 2),
    probeUpdateStart: int('probeUpdateStart', o.probeUpdateStart, 0, 0),
    probeModes: int('probeModes', o.probeModes, 1, 1, MAX_PROBE_MODES),
    mode,
    /** 0 = auto (autoBatchSize). */
    batchSize: int('batchSize', o.batchSize, 0, 0, 65535),
    seed: int('seed', o.seed, 1, 0, 2 ** 32 - 1),
    blockFrames: int('blockFrames', o.blockFrames, 256, 1),
    chunkBytes: num('chunkBytes', o.chunkBytes, 512 * 1024 ** 2, 1, Number.MAX_SAFE_INTEGER),
    hostBudgetBytes: num('hostBudgetBytes', o.hostBudgetBytes, defaultHostBudget(), 0, Number.MAX_SAFE_INTEGER),
    gpuBudgetBytes: num('gpuBudgetBytes', o.gpuBudgetBytes, 2 * 1024 ** 3, 0, Number.MAX_SAFE_INTEGER),
    /** 0 = one per core (resolved in reconstruct), at most 8. */
    threads: int('threads', o.threads, 0, 0, 64),
    orthogonalizeEvery: int('orthogonalizeEvery', o.orthogonalizeEvery, 1, 1),
    targetError: num('targetError', o.targetError, -1, -1, Infinity),
    illuminationThreshold: num('illuminationThreshold', o.illuminationThreshold, 0.1, 0, 1),
    normalizeModulus: o.normalizeModulus ?? true,
    regularization,
  };
}

/** Checks the frames and geometry ePIE relies on; returns the object pixel size source values. */
export function checkSource(source: FrameSource): void {
  const label = source.label ?? 'frames';
  const { height: h, width: w, nFrames, geometry: g } = source;
  if (!Number.isInteger(nFrames) || nFrames < 1) {
    throw new PtyxanesError('no diffraction patterns', { file: label, field: 'nFrames', expected: 'at least 1 frame', found: String(nFrames) });
  }
  if (h !== w) {
    throw new PtyxanesError('patterns must be square (crop the detector to n×n)', { file: label, field: 'frames', expected: 'height = width', found: `${h}×${w}` });
  }
  if (!isPowerOfTwo(h) || h < MIN_FFT_SIZE || h > MAX_FFT_SIZE) {
    throw new PtyxanesError('pattern size must be a power of two (FFT)', { file: label, field: 'frames', expected: `n×n, n a power of two in ${MIN_FFT_SIZE}..${MAX_FFT_SIZE}`, found: `${h}×${w}` });
  }
  if (!g) throw new PtyxanesError('no scan geometry', { file: label, field: 'geometry', expected: 'energy, distance, pixel size, positions' });
  if (!g.positionsM || g.positionsM.length !== 2 * nFrames) {
    throw new PtyxanesError('position count does not match the frame count', {
      file: label,
      field: 'geometry.positionsM',
      expected: `${nFrames} (x, y) pairs = ${2 * nFrames} values`,
      found: `${g.positionsM ? g.positionsM.length / 2 : 0} positions (${g.positionsM?.length ?? 0} values)`,
    });
  }
  const positive = (field: string, v: number) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new PtyxanesError(`${field} must be positive and finite`, { file: label, field: `geometry.${field}`, expected: '> 0', found: String(v) });
  };
  positive('energyEv', g.energyEv);
  positive('detectorDistanceM', g.detectorDistanceM);
  positive('detectorPixelM[0]', g.detectorPixelM?.[0]);
  positive('detectorPixelM[1]', g.detectorPixelM?.[1]);
  if (Math.abs(g.detectorPixelM[0] - g.detectorPixelM[1]) > 1e-6 * g.detectorPixelM[0]) {
    throw new PtyxanesError('detector pixels must be square (the object grid has one pixel size)', { file: label, field: 'geometry.detectorPixelM', expected: 'x = y', found: `[${g.detectorPixelM}]` });
  }
}
