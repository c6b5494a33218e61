/**
 * The CPU path's local peak search (src/register/peak-search.ts) finds the same grid point as
 * the exhaustive (1.5·U)² grid it replaces, on the cases registration meets: textures and
 * noisy images, phase and plain correlation, inverted contrast (a negative peak), masks,
 * non-square frames; and the search's derivatives are those of the correlation it evaluates.
 * Large batches spread over worker threads with the one-thread results.
 */
import { describe, expect, it } from 'vitest';
import type { RealArray } from '../src/core/arrays.ts';
import { correlatePairsCpu } from '../src/register/correlate.cpu.ts';
import { registerWorkerStatus, shutdownRegisterWorkers } from '../src/register/correlate.threads.ts';
import { registerPairs } from '../src/register/index.ts';
import { resolveCorrelationOptions, type PhaseCorrelationOptions } from '../src/register/options.ts';
import { preparePairs, type ImageStackInput } from '../src/register/pairs.ts';
import { LocalPeakSearch } from '../src/register/peak-search.ts';
import { upsampleGeometry } from '../src/register/upsampled-dft.ts';
import { seededRandom } from '../src/register/synthetic.ts';
import { shiftedTextures } from './register-fixtures.ts';

function both(ref: ImageStackInput, mov: ImageStackInput, opts: PhaseCorrelationOptions & { mask?: Parameters<typeof preparePairs>[2] } = {}) {
  const set = preparePairs(ref, mov, opts.mask);
  const o = resolveCorrelationOptions(opts);
  return { local: correlatePairsCpu(set, { ...o, localSearch: true }), full: correlatePairsCpu(set, { ...o, localSearch: false }) };
}

function expectSame(r: ReturnType<typeof both>): void {
  expect(Array.from(r.local.shifts)).toEqual(Array.from(r.full.shifts));
  for (let i = 0; i < r.full.peaks.length; i++) {
    // The local search's value comes from a Taylor model: equal to ~1e-7 of the peak, up to
    // 1.4e-6 at U = 20 (coarser grid, farther from the Newton point; 0.96e-6 with the float64
    // JavaScript FFT, 1.4e-6 with the float32 SIMD one, same shifts either way).
    expect(Math.abs(r.local.peaks[i] - r.full.peaks[i])).toBeLessThanOrEqual(3e-6 * Math.abs(r.full.peaks[i]));
    expect(r.local.errors[i]).toBeCloseTo(r.full.errors[i], 6);
  }
}

describe('local peak search = exhaustive grid', () => {
  it('textures, phase and plain correlation, U = 100 and 20', () => {
    const set = shiftedTextures({ h: 96, w: 96, n: 6, maxShift: 9, seed: 11 });
    expectSame(both(set.reference, set.moving));
    expectSame(both(set.reference, set.moving, { normalization: null }));
    expectSame(both(set.reference, set.moving, { upsampleFactor: 20 }));
  });

  it('noisy images, inverted contrast, non-square frames', () => {
    const noisy = shiftedTextures({ h: 64, w: 96, n: 6, maxShift: 5, seed: 4, photons: 300 });
    expectSame(both(noisy.reference, noisy.moving));
    expectSame(both(noisy.reference, noisy.moving, { normalization: null }));
    // Inverted contrast: the correlation peak is negative; |CC| is what both maximise.
    const inv: RealArray = { data: noisy.moving.data.map((v) => -v), shape: noisy.moving.shape };
    const r = both(noisy.reference, inv, { normalization: null });
    expectSame(r);
    for (const p of r.full.peaks) expect(p).toBeLessThan(0);
  });

  it('masked images', () => {
    const set = shiftedTextures({ h: 64, w: 64, n: 4, maxShift: 4, seed: 8 });
    const mask = new Uint8Array(64 * 64);
    for (let y = 8; y < 56; y++) for (let x = 12; x < 60; x++) mask[y * 64 + x] = 1;
    expectSame(both(set.reference, set.moving, { mask }));
  });

  it('declines (and the grid decides) when there is no peak to see', () => {
    const rand = seededRandom(3);
    const noise = (n: number) => ({ data: Float32Array.from({ length: n * 32 * 32 }, () => rand()), shape: n === 1 ? [32, 32] : [n, 32, 32] });
    // Unrelated noise: whatever the search does, the result equals the exhaustive grid's.
    expectSame(both(noise(1), noise(4)));
  });

  it('finds a peak it can see: a pure phase ramp (phase correlation of a shifted image)', () => {
    const [h, w] = [64, 32];
    const t = [2.372, -1.618];
    const f = (k: number, n: number) => (k < n / 2 ? k : k - n);
    const p = new Float64Array(2 * h * w);
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
      // exp(−2πi (f_r t_r / H + f_c t_c / W)); the Nyquist indices take the cosine (real).
      const cr = 2 * r === h ? [Math.cos(Math.PI * t[0]), 0] : [Math.cos((2 * Math.PI * f(r, h) * t[0]) / h), -Math.sin((2 * Math.PI * f(r, h) * t[0]) / h)];
      const cc = 2 * c === w ? [Math.cos(Math.PI * t[1]), 0] : [Math.cos((2 * Math.PI * f(c, w) * t[1]) / w), -Math.sin((2 * Math.PI * f(c, w) * t[1]) / w)];
      p[2 * (r * w + c)] = cr[0] * cc[0] - cr[1] * cc[1];
      p[2 * (r * w + c) + 1] = cr[0] * cc[1] + cr[1] * cc[0];
    }
    const s = new LocalPeakSearch(h, w, upsampleGeometry(100));
    const peak = s.find(p, 2, -2, 0.3, 0.3, 0);
    expect(peak).not.toBeNull();
    expect(Math.abs(2 + peak!.mr / 100 - t[0])).toBeLessThan(0.02);
    expect(Math.abs(-2 + peak!.mc / 100 - t[1])).toBeLessThan(0.02);
    // No grid point within ±8 steps beats it.
    for (let i = -8; i <= 8; i++) for (let j = -8; j <= 8; j++) {
      expect(Math.abs(s.evaluate(p, 2 + (peak!.mr + i) / 100, -2 + (peak!.mc + j) / 100)[0])).toBeLessThanOrEqual(Math.abs(peak!.value) * (1 + 1e-6));
    }
    // Nothing to climb (a zero spectrum): it declines.
    expect(s.find(new Float64Array(2 * h * w), 2, -2, 0, 0, 0)).toBeNull();
    // A grid maximum below the coarse peak's own value is not vouched for.
    expect(s.find(p, 2, -2, 0.3, 0.3, 2 * peak!.value)).toBeNull();
  });

  it("the derivatives it steps with are the correlation's", () => {
    const h = 32;
    const w = 16;
    const rand = seededRandom(9);
    const p = Float64Array.from({ length: 2 * h * w }, () => rand() - 0.5);
    // Hermitian symmetry, as a cross-power spectrum of real images: P[−k] = conj P[k].
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
      const a = 2 * (r * w + c);
      const b = 2 * (((h - r) % h) * w + ((w - c) % w));
      if (b < a) continue;
      p[b] = p[a];
      p[b + 1] = a === b ? 0 : -p[a + 1];
    }
    const s = new LocalPeakSearch(h, w, upsampleGeometry(100));
    const at = (sr: number, sc: number) => Array.from(s.evaluate(p, sr, sc));
    const [sr, sc, e] = [0.37, -1.21, 1e-4];
    const d = at(sr, sc);
    const num = [
      (at(sr + e, sc)[0] - at(sr - e, sc)[0]) / (2 * e),
      (at(sr, sc + e)[0] - at(sr, sc - e)[0]) / (2 * e),
      (at(sr + e, sc)[1] - at(sr - e, sc)[1]) / (2 * e),
      (at(sr, sc + e)[2] - at(sr, sc - e)[2]) / (2 * e),
      (at(sr, sc + e)[1] - at(sr, sc - e)[1]) / (2 * e),
    ];
    for (let i = 0; i < 5; i++) expect(d[i + 1]).toBeCloseTo(num[i], 4);
    // Its value is the direct sum Σ P[k] K_H K_W over the whole spectrum.
    let direct = 0;
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
      const kern = (k: number, n: number, x: number): [number, number] => (2 * k === n ? [Math.cos(Math.PI * x), 0] : [Math.cos((2 * Math.PI * (k < n / 2 ? k : k - n) * x) / n), Math.sin((2 * Math.PI * (k < n / 2 ? k : k - n) * x) / n)]);
      const [ar, ai] = kern(r, h, sr);
      const [br, bi] = kern(c, w, sc);
      const kr = ar * br - ai * bi;
      const ki = ar * bi + ai * br;
      direct += p[2 * (r * w + c)] * kr - p[2 * (r * w + c) + 1] * ki;
    }
    expect(d[0]).toBeCloseTo(direct, 9);
  });
});

describe('one reference for all pairs', () => {
  it('half the forward FFTs, the same results as the reference repeated per pair (masked too)', async () => {
    const set = shiftedTextures({ h: 64, w: 80, n: 5, maxShift: 5, seed: 13, photons: 2000 });
    const hw = 64 * 80;
    const repeated = { data: new Float32Array(5 * hw), shape: [5, 64, 80] };
    for (let i = 0; i < 5; i++) repeated.data.set(set.reference.data, i * hw);
    const mask = new Uint8Array(hw);
    for (let y = 4; y < 60; y++) for (let x = 6; x < 70; x++) mask[y * 80 + x] = 1;
    for (const opts of [{}, { normalization: null }, { mask }] as const) {
      const shared = await registerPairs(set.reference, set.moving, { backend: 'cpu', threads: 1, ...opts });
      const each = await registerPairs(repeated, set.moving, { backend: 'cpu', threads: 1, ...opts });
      for (let i = 0; i < 10; i++) expect(Math.abs(shared.shifts[i] - each.shifts[i])).toBeLessThanOrEqual(0.0100001);
      for (let i = 0; i < 5; i++) {
        expect(shared.peaks[i]).toBeCloseTo(each.peaks[i], 4);
        expect(shared.errors[i]).toBeCloseTo(each.errors[i], 4);
      }
    }
  });
});

describe('registerPairs on every core', () => {
  it('worker threads take pairs of a large batch and give the one-thread results', async () => {
    const set = shiftedTextures({ h: 128, w: 128, n: 64, maxShift: 6, seed: 21 });
    const one = await registerPairs(set.reference, set.moving, { backend: 'cpu', threads: 1 });
    // The first large call starts the pool in the background; the next one finds it ready.
    await registerPairs(set.reference, set.moving, { backend: 'cpu' });
    const before = await registerWorkerStatus();
    expect(before.error).toBeNull();
    expect(before.workers).toBeGreaterThan(0);
    const many = await registerPairs(set.reference, set.moving, { backend: 'cpu' });
    const after = await registerWorkerStatus();
    expect(after.pairsDone).toBeGreaterThan(before.pairsDone);
    expect(Array.from(many.shifts)).toEqual(Array.from(one.shifts));
    expect(Array.from(many.errors)).toEqual(Array.from(one.errors));
    expect(Array.from(many.peaks)).toEqual(Array.from(one.peaks));
    await shutdownRegisterWorkers();
  });
});
