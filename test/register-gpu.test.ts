import { describe, expect, it } from 'vitest';
import { gpuOrSkip } from './helpers/gpu.ts';
import { registerPairs, registerStack, xanesLikeStack, type PairResults } from '../src/register/index.ts';
import { maxShiftError, shiftedTextures } from './register-fixtures.ts';
import { correlatePairsGpu } from '../src/register/correlate.gpu.ts';
import { preparePairs } from '../src/register/pairs.ts';
import { resolveCorrelationOptions } from '../src/register/options.ts';

/** GPU (float32) and CPU (float64 after the FFTs) pick the same grid point, or a neighbour on a near-tie. */
function expectSame(gpu: PairResults, cpu: PairResults): void {
  for (let i = 0; i < cpu.shifts.length; i++) expect(Math.abs(gpu.shifts[i] - cpu.shifts[i])).toBeLessThanOrEqual(0.0201);
  for (let i = 0; i < cpu.errors.length; i++) {
    expect(Math.abs(gpu.errors[i] - cpu.errors[i])).toBeLessThan(0.02);
    // Phase-normalised peaks include whitened float32 rounding at frequencies without signal.
    expect(Math.abs(gpu.peaks[i] - cpu.peaks[i])).toBeLessThan(5e-3 * Math.abs(cpu.peaks[i]) + 1e-4);
  }
}

describe('registerPairs on the GPU (batched) equals the CPU twin', () => {
  // 120×100 images pad to 128×128 FFT frames: one FFT plan for the whole file.
  const set = shiftedTextures({ h: 120, w: 100, n: 5, maxShift: 6, seed: 31 });

  it('phase normalisation, one reference for all pairs', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const gpu = await registerPairs(set.reference, set.moving, { backend: 'gpu', ctx });
    const cpu = await registerPairs(set.reference, set.moving, { backend: 'cpu' });
    expectSame(gpu, cpu);
    expect(maxShiftError(gpu.shifts, set.applied)).toBeLessThan(0.05);
  });

  it('plain correlation, one reference per pair, masks, several chunks agree', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const refs = Array.from({ length: 5 }, () => set.reference);
    const hw = 120 * 100;
    const mask = new Uint8Array(5 * hw);
    for (let i = 0; i < 5; i++) for (let p = 0; p < hw; p++) mask[i * hw + p] = Math.floor(p / 100) >= 4 + i ? 1 : 0;
    const opts = { normalization: null, mask: { reference: mask.subarray(0, hw), moving: mask } } as const;
    const gpu = await registerPairs(refs, set.moving, { ...opts, backend: 'gpu', ctx });
    const cpu = await registerPairs(refs, set.moving, { ...opts, backend: 'cpu' });
    expectSame(gpu, cpu);
    // Two pairs per chunk: three submits with their inputs and parameters rewritten in between.
    const chunked = await correlatePairsGpu(ctx, preparePairs(refs, set.moving, opts.mask), resolveCorrelationOptions(opts), undefined, 2);
    expect(Array.from(chunked.shifts)).toEqual(Array.from(gpu.shifts));
    expect(maxShiftError(gpu.shifts, set.applied)).toBeLessThan(0.2);
  });

  it('stack registration gives the same drifts on both backends', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const { stack } = xanesLikeStack({ height: 96, width: 96, energiesEv: [8320, 8340, 8345, 8350, 8380], seed: 4, photonsPerPixel: 5000 });
    const gpu = await registerStack(stack, { backend: 'gpu', ctx, upsampleFactor: 20 });
    const cpu = await registerStack(stack, { backend: 'cpu', upsampleFactor: 20 });
    for (let i = 0; i < gpu.shifts.length; i++) expect(Math.abs(gpu.shifts[i] - cpu.shifts[i])).toBeLessThanOrEqual(0.0501);
  });
});
