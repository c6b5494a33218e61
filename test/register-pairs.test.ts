import { describe, expect, it } from 'vitest';
import { fourierShift, phaseCrossCorrelation, registerPairs, smoothRandomField, window2d, xanesLikeStack } from '../src/register/index.ts';
import { PtyxanesError } from '../src/core/errors.ts';
import type { RealArray } from '../src/core/arrays.ts';
import { maxShiftError, shiftedTextures } from './register-fixtures.ts';
import { ChirpZ } from '../src/register/chirp-z.ts';
import { seededRandom } from '../src/register/synthetic.ts';

/** Integer circular shift: out[y, x] = in[y − dy, x − dx] (numpy.roll). */
function roll(img: RealArray, dy: number, dx: number): RealArray {
  const [h, w] = img.shape;
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = img.data[(((y - dy) % h) + h) % h * w + ((((x - dx) % w) + w) % w)];
  return { data: out, shape: [h, w] };
}

describe('registerPairs (CPU)', () => {
  it('returns the shift that moves the moving image onto the reference (scikit-image sign)', async () => {
    const ref = smoothRandomField(64, 64, 2, 1);
    // Content moved by (+3, −5): registering it back needs (−3, +5), as skimage's phase_cross_correlation.
    const r = await phaseCrossCorrelation(ref, roll(ref, 3, -5), { backend: 'cpu', upsampleFactor: 1, window: 'none' });
    expect(r.shift).toEqual([-3, 5]);
    const sub = await phaseCrossCorrelation(ref, fourierShift(ref, 2.3, -1.7), { backend: 'cpu', window: 'none', normalization: null });
    expect(sub.shift[0]).toBeCloseTo(-2.3, 6);
    expect(sub.shift[1]).toBeCloseTo(1.7, 6);
    const subPhase = await phaseCrossCorrelation(ref, fourierShift(ref, 2.3, -1.7), { backend: 'cpu', window: 'none' });
    expect(Math.abs(subPhase.shift[0] + 2.3)).toBeLessThan(0.02);
    expect(Math.abs(subPhase.shift[1] - 1.7)).toBeLessThan(0.02);
    // Applying the returned shift to the moving image gives back the reference.
    const back = fourierShift(fourierShift(ref, 2.3, -1.7), sub.shift[0], sub.shift[1]);
    let err = 0;
    for (let i = 0; i < back.data.length; i++) err = Math.max(err, Math.abs(back.data[i] - ref.data[i]));
    expect(err).toBeLessThan(0.05);
  });

  it('recovers subpixel shifts of a textured field to < 0.05 px noise-free at upsample 100', async () => {
    const set = shiftedTextures({ h: 128, w: 128, n: 8, maxShift: 8, seed: 3 });
    const r = await registerPairs(set.reference, set.moving, { backend: 'cpu' });
    expect(maxShiftError(r.shifts, set.applied)).toBeLessThan(0.05);
    for (const e of r.errors) expect(e).toBeLessThan(0.5);
    for (const p of r.peaks) expect(p).toBeGreaterThan(0.3);
  });

  it('stays < 0.2 px with Poisson noise (texture, plain correlation; particles, phase)', async () => {
    const set = shiftedTextures({ h: 128, w: 128, n: 6, maxShift: 6, seed: 5, photons: 1000 });
    const r = await registerPairs(set.reference, set.moving, { backend: 'cpu', normalization: null });
    expect(maxShiftError(r.shifts, set.applied)).toBeLessThan(0.2);
    // A particle image (one energy of the XANES-like stack) with the default 'phase'.
    const drift = Float64Array.from([0, 0, 3.37, -2.81, -5.52, 1.09, 0.45, 6.66]);
    const { stack } = xanesLikeStack({ height: 128, width: 128, energiesEv: [8360, 8360, 8360, 8360], seed: 2, driftPx: drift, photonsPerPixel: 2000 });
    const hw = 128 * 128;
    const p = await registerPairs({ data: stack.data.subarray(0, hw), shape: [128, 128] }, { data: stack.data.subarray(hw), shape: [3, 128, 128] }, { backend: 'cpu' });
    for (let i = 1; i < 4; i++) {
      expect(Math.abs(p.shifts[2 * (i - 1)] + drift[2 * i])).toBeLessThan(0.2);
      expect(Math.abs(p.shifts[2 * (i - 1) + 1] + drift[2 * i + 1])).toBeLessThan(0.2);
    }
  });

  it('gives scikit-image’s error for the plain correlation, 0 for identical images, ~1 for unrelated ones', async () => {
    const n = 64;
    const f = smoothRandomField(n, n, 1.5, 11);
    const g = roll(smoothRandomField(n, n, 1.5, 11), 2, -1);
    for (let i = 0; i < g.data.length; i += 7) g.data[i] += 0.8; // partly different
    const r = await phaseCrossCorrelation(f, g, { backend: 'cpu', upsampleFactor: 1, window: 'none', normalization: null });
    expect(r.shift).toEqual([-2, 1]);
    // Direct: with f', g' mean-free, CC(s) = N Σ f'(x + s) g'(x), Σ|F|² = N Σ f'², so
    // error = sqrt(1 − (Σ f'(x+s) g'(x))² / (Σ f'² Σ g'²)).
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const mf = mean(f.data);
    const mg = mean(g.data);
    let cc = 0;
    let ff = 0;
    let gg = 0;
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const fv = f.data[(((y - 2) % n) + n) % n * n + ((((x + 1) % n) + n) % n)] - mf;
        const gv = g.data[y * n + x] - mg;
        cc += fv * gv;
        ff += (f.data[y * n + x] - mf) ** 2;
        gg += gv * gv;
      }
    expect(r.error).toBeCloseTo(Math.sqrt(1 - (cc * cc) / (ff * gg)), 4);
    expect(r.peak).toBeCloseTo(cc, 1);
    const same = await phaseCrossCorrelation(f, f, { backend: 'cpu' });
    expect(same.shift).toEqual([0, 0]);
    expect(same.error).toBeLessThan(1e-3);
    expect(same.peak).toBeCloseTo(1, 2);
    const other = await phaseCrossCorrelation(f, smoothRandomField(n, n, 1.5, 99), { backend: 'cpu', normalization: null });
    expect(other.error).toBeGreaterThan(0.9);
  });

  it('handles sizes that are not powers of two (zero-padded) and a broadcast reference', async () => {
    const set = shiftedTextures({ h: 120, w: 100, n: 3, maxShift: 5, seed: 8 });
    const r = await registerPairs(set.reference, set.moving, { backend: 'cpu' });
    expect(maxShiftError(r.shifts, set.applied)).toBeLessThan(0.05);
    // The same pairs with the reference repeated as a list give the same answer.
    const refs = [0, 1, 2].map(() => set.reference);
    const r2 = await registerPairs(refs, set.moving, { backend: 'cpu' });
    expect(Array.from(r2.shifts)).toEqual(Array.from(r.shifts));
  });

  it('registers images that do not fill the frame, with a mask (NaN allowed outside it)', async () => {
    const set = shiftedTextures({ h: 96, w: 96, n: 2, maxShift: 4, seed: 21 });
    const hw = 96 * 96;
    const mask = new Uint8Array(hw);
    for (let y = 0; y < 96; y++) for (let x = 0; x < 96; x++) mask[y * 96 + x] = Math.hypot(y - 48, x - 48) < 40 ? 1 : 0;
    const cut = (a: Float32Array) => a.map((v, i) => (mask[i % hw] ? v : NaN));
    const ref = { data: cut(set.reference.data), shape: set.reference.shape };
    const mov = { data: cut(set.moving.data), shape: set.moving.shape };
    // With a mask the default normalisation is the plain correlation (see options.ts).
    const r = await registerPairs(ref, mov, { backend: 'cpu', mask });
    expect(maxShiftError(r.shifts, set.applied)).toBeLessThan(0.2);
    await expect(registerPairs(ref, mov, { backend: 'cpu' })).rejects.toThrow(/reference: non-finite pixel value \(expected finite values .*found NaN at row 0, column 0\)/);
  });

  it('returns integer shifts at upsample factor 1 and uses Tukey/Hann windows that reach zero at the edges', async () => {
    const set = shiftedTextures({ h: 64, w: 64, n: 2, maxShift: 6, seed: 4 });
    const r = await registerPairs(set.reference, set.moving, { backend: 'cpu', upsampleFactor: 1 });
    for (const s of r.shifts) expect(Number.isInteger(s)).toBe(true);
    const hann = window2d('hann', 9, 9, 0.5);
    expect(hann[0]).toBe(0);
    expect(hann[4 * 9 + 4]).toBeCloseTo(1, 6);
    const tukey = window2d('tukey', 1, 101, 0.5);
    expect(tukey[50]).toBe(1);
    expect(tukey[25]).toBeCloseTo(1, 6);
    expect(tukey[12]).toBeLessThan(1);
    expect(tukey[0]).toBe(0);
  });

  it('rejects bad input with errors that name the field, expected and found', async () => {
    const a = smoothRandomField(32, 32, 2, 1);
    const b = smoothRandomField(32, 40, 2, 1);
    await expect(registerPairs(a, b, { backend: 'cpu' })).rejects.toThrow(PtyxanesError);
    await expect(registerPairs(a, b, { backend: 'cpu' })).rejects.toThrow(/moving: reference and moving images differ in shape \(expected \[32, 32\].*found \[32, 40\]\)/);
    const stack3 = { data: new Float32Array(3 * 32 * 32), shape: [3, 32, 32] };
    const stack2 = { data: new Float32Array(2 * 32 * 32), shape: [2, 32, 32] };
    await expect(registerPairs(stack2, stack3, { backend: 'cpu' })).rejects.toThrow(/reference: reference count does not match moving count \(expected 1 or 3 images, found 2\)/);
    await expect(registerPairs(a, { data: new Float32Array(10), shape: [32, 32] }, { backend: 'cpu' })).rejects.toThrow(/moving: data length does not match shape/);
    const inf = { data: a.data.slice(), shape: [32, 32] };
    inf.data[5 * 32 + 7] = Infinity;
    await expect(registerPairs(a, inf, { backend: 'cpu' })).rejects.toThrow(/moving: non-finite pixel value.*Infinity at row 5, column 7/);
    await expect(registerPairs(a, a, { backend: 'cpu', upsampleFactor: 2.5 })).rejects.toThrow(/upsampleFactor: .*found 2\.5/);
    await expect(registerPairs(a, a, { backend: 'cpu', window: 'gauss' as never })).rejects.toThrow(/window: unknown window/);
    await expect(registerPairs(a, a, { backend: 'cpu', mask: new Uint8Array(5) })).rejects.toThrow(/mask\.reference: mask length/);
    await expect(registerPairs(a, a, { backend: 'cpu', mask: new Uint8Array(32 * 32) })).rejects.toThrow(/mask\.reference: mask leaves no pixels/);
    await expect(registerPairs({ data: new Float32Array(5000 * 2), shape: [2, 5000] }, { data: new Float32Array(5000 * 2), shape: [2, 5000] }, { backend: 'cpu' })).rejects.toThrow(/width: image too large/);
  });

  it('stops on an aborted signal and reports progress', async () => {
    const set = shiftedTextures({ h: 32, w: 32, n: 3, maxShift: 2, seed: 2 });
    const ac = new AbortController();
    ac.abort();
    await expect(registerPairs(set.reference, set.moving, { backend: 'cpu', signal: ac.signal })).rejects.toThrow(/abort/i);
    const seen: number[] = [];
    await registerPairs(set.reference, set.moving, { backend: 'cpu', onProgress: (e) => seen.push(e.done) });
    expect(seen.at(-1)).toBe(3);
  });

  it('evaluates the zoomed DFT by chirp-z exactly as the direct matrix product', () => {
    const rand = seededRandom(1);
    for (const [nIn, nOut, j0, v0, q] of [[256, 150, -128, -75, 25600], [65, 150, 0, -75, 12800], [16, 7, -8, -3, 160]]) {
      const x = Float64Array.from({ length: 2 * nIn }, () => rand() - 0.5);
      const out = new Float64Array(2 * nOut);
      new ChirpZ(nIn, nOut, j0, v0, q).transform(x, out);
      let err = 0;
      for (let v = 0; v < nOut; v++) {
        let re = 0;
        let im = 0;
        for (let j = 0; j < nIn; j++) {
          const ph = (2 * Math.PI * (j + j0) * (v + v0)) / q;
          re += x[2 * j] * Math.cos(ph) - x[2 * j + 1] * Math.sin(ph);
          im += x[2 * j] * Math.sin(ph) + x[2 * j + 1] * Math.cos(ph);
        }
        err = Math.max(err, Math.abs(re - out[2 * v]), Math.abs(im - out[2 * v + 1]));
      }
      expect(err).toBeLessThan(1e-9 * nIn);
    }
  });
});
