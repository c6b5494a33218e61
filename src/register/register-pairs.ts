/**
 * Subpixel registration by phase cross-correlation with upsampled-DFT refinement
 * (Guizar-Sicairos, Thurman & Fienup, Opt. Lett. 33, 156, 2008), for many pairs per call.
 *
 * Per pair: subtract the mean (inside the mask), taper the edges, zero-pad to a power of two,
 * FFT (reference and moving packed in one complex FFT), cross-power spectrum P = F·conj(G)
 * (optionally phase-normalised), inverse FFT, integer peak s0 (scikit-image's coarse step),
 * then the correlation on a 1/U-pixel grid over a 1.5-pixel neighbourhood of s0 by two small
 * matrix products (see upsampled-dft.ts), and its maximum.
 *
 * Sign convention: the returned (dy, dx) is the shift that moves the MOVING image onto the
 * REFERENCE: shiftImage(moving, dy, dx) ≈ reference, with shiftImage's convention
 * out(y, x) = in(y − dy, x − dx). This is the same sign as scikit-image's
 * `phase_cross_correlation(reference, moving)` ("the shift required to register moving
 * with reference"): if moving(y, x) = reference(y − a, x − b), the result is (−a, −b).
 */
import { PtyxanesError } from '../core/errors.ts';
import type { RealArray } from '../core/arrays.ts';
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import { resolveBackend } from '../gpu/index.ts';
import { resolveCorrelationOptions, type PhaseCorrelationOptions } from './options.ts';
import { preparePairs, type ImageStackInput } from './pairs.ts';
import type { PairResults } from './correlate.cpu.ts';
import { correlatePairsThreaded } from './correlate.threads.ts';
import { correlatePairsGpu } from './correlate.gpu.ts';

export type RegisterPairsOptions = PhaseCorrelationOptions & RunControl;
export type { PairResults } from './correlate.cpu.ts';

/**
 * Registers moving[i] onto reference[i] (or onto the one reference, broadcast) for every i.
 * reference: [h, w] (one for all), [n, h, w] or a list of n [h, w] images; moving: [n, h, w],
 * [h, w] (n = 1) or a list. Returns shifts [n, 2] as (dy, dx), errors [n], peaks [n].
 */
export async function registerPairs(reference: ImageStackInput, moving: ImageStackInput, opts: RegisterPairsOptions = {}): Promise<PairResults> {
  const resolved = resolveCorrelationOptions(opts);
  if (opts.maskTaperPx !== undefined && !(opts.maskTaperPx >= 0 && Number.isFinite(opts.maskTaperPx))) {
    throw new PtyxanesError('mask taper must be a non-negative number of pixels', { field: 'maskTaperPx', expected: '≥ 0', found: String(opts.maskTaperPx) });
  }
  const set = preparePairs(reference, moving, opts.mask, opts.maskTaperPx);
  throwIfAborted(opts.signal);
  const backend = await resolveBackend(opts.backend ?? 'auto', opts.ctx);
  const report = (done: number) => opts.onProgress?.({ stage: 'register', done, total: set.n, message: `pair ${done}/${set.n}` });
  if (backend.kind === 'gpu') {
    const r = await correlatePairsGpu(backend.ctx, set, resolved, opts.signal);
    report(set.n);
    return r;
  }
  return correlatePairsThreaded(set, resolved, { signal: opts.signal, onPair: report, threads: opts.threads });
}

export interface PhaseCorrelationResult {
  /** (dy, dx) that moves `moving` onto `reference`. */
  shift: [number, number];
  error: number;
  peak: number;
}

/** One pair: registerPairs for a single [h, w] reference and moving image. */
export async function phaseCrossCorrelation(reference: RealArray, moving: RealArray, opts: RegisterPairsOptions = {}): Promise<PhaseCorrelationResult> {
  for (const [field, img] of [['reference', reference], ['moving', moving]] as const) {
    if (!img?.shape || img.shape.length !== 2) {
      throw new PtyxanesError('phaseCrossCorrelation takes single 2D images (use registerPairs for stacks)', { field, expected: 'shape [h, w]', found: img?.shape ? `[${img.shape.join(', ')}]` : typeof img });
    }
  }
  const r = await registerPairs(reference, moving, opts);
  return { shift: [r.shifts[0], r.shifts[1]], error: r.errors[0], peak: r.peaks[0] };
}
