import { describe, expect, it } from 'vitest';
import { commonRegion, cropToRegion, registerStack, xanesLikeStack } from '../src/register/index.ts';

/** An energy scan across the Ni K-edge: coarse pre- and post-edge, 2 eV steps over the edge. */
const energiesEv: number[] = [];
for (let e = 8300; e < 8330; e += 10) energiesEv.push(e);
for (let e = 8330; e <= 8362; e += 2) energiesEv.push(e);
for (let e = 8370; e <= 8400; e += 10) energiesEv.push(e);
const nE = energiesEv.length;

/** Max and rms |recovered − expected| where the expected shift of image i is drift[ref] − drift[i]. */
function driftErrors(shifts: Float64Array, drift: Float64Array, ref: number): { max: number; rms: number } {
  let max = 0;
  let s2 = 0;
  for (let i = 0; i < shifts.length; i++) {
    const e = shifts[i] - (drift[2 * ref + (i % 2)] - drift[i]);
    max = Math.max(max, Math.abs(e));
    s2 += e * e;
  }
  return { max, rms: Math.sqrt(s2 / shifts.length) };
}

describe('registerStack', () => {
  const noisy = xanesLikeStack({ height: 96, width: 96, energiesEv, seed: 1, photonsPerPixel: 5000 });

  it('recovers simulated drifts of an XANES-like stack to < 0.2 px with the defaults', async () => {
    const r = await registerStack(noisy.stack, { backend: 'cpu' });
    expect(r.strategy).toBe('reference');
    expect(r.referenceIndex).toBe(nE - 1);
    expect(r.shifts[2 * (nE - 1)]).toBe(0);
    expect(driftErrors(r.shifts, noisy.driftPx, nE - 1).max).toBeLessThan(0.2);
  });

  it("justifies the default: one reference beats chaining (whose link errors add up) on this stack", async () => {
    const ref = await registerStack(noisy.stack, { backend: 'cpu', strategy: 'reference' });
    const chain = await registerStack(noisy.stack, { backend: 'cpu', strategy: 'chain' });
    const a = driftErrors(ref.shifts, noisy.driftPx, nE - 1);
    const b = driftErrors(chain.shifts, noisy.driftPx, nE - 1);
    expect(a.rms).toBeLessThan(b.rms);
    // Chaining still registers every neighbour pair (small per-link errors), just accumulates them.
    for (let i = 0; i < nE - 1; i++) expect(chain.errors[i]).toBeLessThan(0.6);
  });

  it('aligns the images and crops to the field where all of them are defined', async () => {
    const clean = xanesLikeStack({ height: 64, width: 64, energiesEv: [8320, 8345, 8380], seed: 3, driftPx: Float64Array.from([0, 0, 2.4, -1.3, -3.2, 0.6]) });
    const r = await registerStack(clean.stack, { backend: 'cpu', referenceIndex: 0 });
    expect(Math.abs(r.shifts[2] + 2.4)).toBeLessThan(0.05);
    expect(Math.abs(r.shifts[5] + 0.6)).toBeLessThan(0.05);
    const region = r.commonRegion;
    // Rows y hold source rows y − dy ∈ [0, 63] for every image: dy ≈ (0, −2.4, +3.2).
    expect(region).toEqual({ row0: 4, col0: 2, rows: 64 - 4 - 3, cols: 64 - 2 - 1 });
    expect(region).toEqual(commonRegion(r.shifts, 64, 64));
    const cropped = cropToRegion(r.aligned, region);
    expect(cropped.shape).toEqual([3, region.rows, region.cols]);
    expect(cropped.data.every(Number.isFinite)).toBe(true);
    // Outside the region at least one image is undefined (NaN).
    expect(Number.isNaN(r.aligned.data[2 * 64 * 64 + 1 * 64 + 30])).toBe(true);
    // Inside the crop, aligned image 1 is the drift-free image at its energy.
    const aligned1 = cropToRegion({ data: r.aligned.data.subarray(64 * 64, 2 * 64 * 64), shape: [64, 64] }, region).data;
    const truth1 = xanesLikeStack({ height: 64, width: 64, energiesEv: [8345], seed: 3, driftPx: Float64Array.from([0, 0]) }).stack;
    const truthCrop = cropToRegion(truth1, region).data;
    let maxDiff = 0;
    for (let i = 0; i < aligned1.length; i++) maxDiff = Math.max(maxDiff, Math.abs(aligned1[i] - truthCrop[i]));
    expect(maxDiff).toBeLessThan(0.05);
  });

  it('accepts a one-image stack and rejects bad options with clear errors', async () => {
    const one = xanesLikeStack({ height: 32, width: 32, energiesEv: [8340], seed: 1 }).stack;
    const r = await registerStack(one, { backend: 'cpu' });
    expect(Array.from(r.shifts)).toEqual([0, 0]);
    expect(r.commonRegion).toEqual({ row0: 0, col0: 0, rows: 32, cols: 32 });
    const s = noisy.stack;
    await expect(registerStack(s, { referenceIndex: nE })).rejects.toThrow(/referenceIndex: reference index out of range \(expected integer 0\.\.\d+, found \d+\)/);
    await expect(registerStack(s, { strategy: 'star' as never })).rejects.toThrow(/strategy: unknown strategy/);
    await expect(registerStack({ data: new Float32Array(16), shape: [4, 4] })).rejects.toThrow(/stack: not an image stack/);
    await expect(registerStack(s, { mask: new Uint8Array(7) })).rejects.toThrow(/mask: mask length does not match the stack/);
    expect(() => commonRegion([0, 0, 40, 0], 32, 32)).toThrow(/no pixel in common/);
  });
});
