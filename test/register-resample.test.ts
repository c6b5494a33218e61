import { describe, expect, it } from 'vitest';
import { fourierShift, rescaleImage, rescaleStack, shiftImage, smoothRandomField } from '../src/register/index.ts';
import type { RealArray } from '../src/core/arrays.ts';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
};
/** A [h, w] image of f(y, x). */
const image = (h: number, w: number, f: (y: number, x: number) => number): RealArray => ({ data: Float32Array.from({ length: h * w }, (_, i) => f(Math.floor(i / w), i % w)), shape: [h, w] });

describe('fourierShift', () => {
  it('is an exact circular shift for whole pixels, any size (Bluestein for non-powers of two), non-square powers of two included', () => {
    for (const [h, w] of [[32, 32], [30, 21], [16, 32], [32, 20]]) {
      const img = smoothRandomField(h, w, 1, 3);
      const out = fourierShift(img, 3, -5);
      const rolled = image(h, w, (y, x) => img.data[(((y - 3) % h) + h) % h * w + ((((x + 5) % w) + w) % w)]);
      expect(maxAbsDiff(out.data, rolled.data)).toBeLessThan(1e-4);
    }
  });

  it('moves content by +dy, +dx (out(y, x) = in(y − dy, x − dx)) and is undone by the opposite shift', () => {
    // A band-limited periodic signal: its shifted version is known in closed form.
    const h = 40;
    const w = 36;
    const f = (y: number, x: number) => Math.cos((2 * Math.PI * 3 * y) / h) + Math.sin((2 * Math.PI * 2 * x) / w + 0.3);
    const out = fourierShift(image(h, w, f), 0.37, -1.6);
    expect(maxAbsDiff(out.data, image(h, w, (y, x) => f(y - 0.37, x + 1.6)).data)).toBeLessThan(1e-5);
    const img = smoothRandomField(48, 48, 2, 5);
    const back = fourierShift(fourierShift(img, 1.3, -0.7), -1.3, 0.7);
    // Not exact only at the Nyquist frequency, which a real shift scales by cos(π·shift).
    expect(maxAbsDiff(back.data, img.data)).toBeLessThan(2e-3);
  });

  it("boundary 'pad' sets pixels whose source is outside the image to the fill value", () => {
    const img = smoothRandomField(32, 32, 2, 7);
    const out = fourierShift(img, 2.5, -1.2, { boundary: 'pad' });
    // Rows 0..2 (source row y − 2.5 < 0) and columns 30, 31 (source x + 1.2 > 31) are undefined.
    expect(Number.isNaN(out.data[2 * 32 + 10])).toBe(true);
    expect(Number.isNaN(out.data[3 * 32 + 10])).toBe(false);
    expect(Number.isNaN(out.data[10 * 32 + 30])).toBe(true);
    expect(Number.isNaN(out.data[10 * 32 + 29])).toBe(false);
    // Inside, it agrees with the periodic shift away from the wrap.
    const periodic = fourierShift(img, 2.5, -1.2);
    expect(Math.abs(out.data[16 * 32 + 16] - periodic.data[16 * 32 + 16])).toBeLessThan(0.05);
    const kept = fourierShift(img, 2.5, -1.2, { boundary: 'pad', fill: null });
    expect(Number.isFinite(kept.data[0])).toBe(true);
    expect(() => fourierShift(img, NaN, 0)).toThrow(/shift: shift must be finite/);
  });
});

describe('shiftImage (interpolation)', () => {
  it('reproduces linear data exactly (bilinear) and cubic-accurate smooth data (bicubic), NaN outside', () => {
    const lin = image(20, 30, (y, x) => 2 * y - 0.5 * x + 1);
    const out = shiftImage(lin, 0.3, 1.25, { order: 'bilinear' });
    expect(out.data[10 * 30 + 10]).toBeCloseTo(2 * (10 - 0.3) - 0.5 * (10 - 1.25) + 1, 4);
    expect(Number.isNaN(out.data[0])).toBe(true); // source row −0.3
    expect(Number.isNaN(out.data[1 * 30 + 0])).toBe(true); // source column −1.25
    expect(Number.isNaN(out.data[1 * 30 + 2])).toBe(false);
    const smooth = image(40, 40, (y, x) => Math.sin(y / 5) * Math.cos(x / 7));
    const cub = shiftImage(smooth, -0.4, 0.7);
    expect(cub.data[20 * 40 + 20]).toBeCloseTo(Math.sin(20.4 / 5) * Math.cos(19.3 / 7), 3);
    expect(maxAbsDiff(shiftImage(smooth, 0, 0).data, smooth.data)).toBe(0);
    expect(shiftImage(smooth, 1, 0, { fill: -1 }).data[5]).toBe(-1);
  });
});

describe('rescaleImage / rescaleStack', () => {
  it('area-averages when coarsening: mean kept, integer factors are block means', () => {
    const img = smoothRandomField(60, 60, 2, 9);
    const down = rescaleImage(img, 30e-9, 60e-9);
    expect(down.shape).toEqual([30, 30]);
    expect(down.data[0]).toBeCloseTo((img.data[0] + img.data[1] + img.data[60] + img.data[61]) / 4, 5);
    expect(mean(down.data)).toBeCloseTo(mean(img.data), 5);
    // Non-integer factor (the paper's case: ~38.8 nm → 40 nm): whole output pixels, mean kept.
    const odd = rescaleImage(img, 38.8e-9, 40e-9);
    expect(odd.shape).toEqual([58, 58]);
    const constant = rescaleImage(image(60, 60, () => 3.5), 38.8e-9, 40e-9);
    expect(maxAbsDiff(constant.data, new Float32Array(58 * 58).fill(3.5))).toBeLessThan(1e-5);
    expect(Math.abs(mean(odd.data) - mean(img.data))).toBeLessThan(0.02);
    // 'total' keeps sums (counts): the sum over the covered area is unchanged.
    const counts = image(40, 40, () => 2);
    const t = rescaleImage(counts, 10e-9, 20e-9, { preserve: 'total' });
    expect(t.data.reduce((s, v) => s + v, 0)).toBeCloseTo(2 * 1600, 3);
  });

  it('interpolates (bicubic) when refining, keeping the mean and the values at matching points', () => {
    const img = image(30, 30, (y, x) => Math.sin(y / 6) + 0.5 * Math.cos(x / 4));
    const up = rescaleImage(img, 40e-9, 20e-9);
    expect(up.shape).toEqual([60, 60]);
    expect(up.data.every(Number.isFinite)).toBe(true);
    expect(Math.abs(mean(up.data) - mean(img.data))).toBeLessThan(0.01);
    // Output pixel centre (j + ½)·20 nm = input centre (i + ½)·40 nm at j = 2i + ½ → between j = 2i and 2i + 1.
    const i = 10;
    expect((up.data[(2 * i) * 60 + 2 * i] + up.data[(2 * i + 1) * 60 + 2 * i + 1]) / 2).toBeCloseTo(img.data[i * 30 + i], 1);
    expect(() => rescaleImage(img, 40, 20e-9)).toThrow(/fromPixelM: pixel size looks like it is not in metres/);
    expect(() => rescaleImage(img, -1e-9, 20e-9)).toThrow(/fromPixelM/);
  });

  it('brings a stack to one pixel size without upsampling coarser images unless asked', () => {
    const a = smoothRandomField(64, 64, 2, 1); // 38 nm
    const b = smoothRandomField(62, 62, 2, 2); // 39.5 nm
    const c = smoothRandomField(60, 60, 2, 3); // 41 nm: coarser than 40 nm
    const res = rescaleStack([a, b, c], [38e-9, 39.5e-9, 41e-9]);
    expect(res.pixelSizeM).toBeCloseTo(41e-9, 15);
    expect(res.stack.shape[0]).toBe(3);
    // The coarsest image is already on the common grid: copied unchanged.
    const [n, h, w] = res.stack.shape;
    expect(n).toBe(3);
    expect(h).toBe(Math.floor((62 * 39.5) / 41));
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(res.stack.data[2 * h * w + y * w + x]).toBeCloseTo(c.data[y * 60 + x], 5);
    expect(res.originM[0]).toBeCloseTo(20.5e-9, 15);
    const fine = rescaleStack([a, b, c], [38e-9, 39.5e-9, 41e-9], { allowUpsample: true });
    expect(fine.pixelSizeM).toBe(40e-9);
    const allFine = rescaleStack([a, b], [30e-9, 35e-9]);
    expect(allFine.pixelSizeM).toBe(40e-9); // finer than 40 nm: downsampled to the paper's 40 nm
    expect(allFine.stack.data.every(Number.isFinite)).toBe(true);
  });

  it('aligns images on their origins (the intersection of the fields of view)', () => {
    const big = image(50, 50, (y, x) => y * 100 + x);
    // The second image starts 5 pixels (200 nm) further right and 3 pixels further down.
    const sub = image(40, 40, (y, x) => (y + 3) * 100 + (x + 5));
    const res = rescaleStack([big, sub], [40e-9, 40e-9], { originsM: [[0, 0], [200e-9, 120e-9]] });
    expect(res.stack.shape).toEqual([2, 40, 40]);
    expect(res.originM[0]).toBeCloseTo(200e-9, 15);
    expect(res.originM[1]).toBeCloseTo(120e-9, 15);
    expect(maxAbsDiff(res.stack.data.subarray(0, 1600), res.stack.data.subarray(1600))).toBeLessThan(1e-3);
    expect(() => rescaleStack([big, sub], [40e-9])).toThrow(/pixelSizesM: one pixel size per image needed/);
    expect(() => rescaleStack([big, sub], [40e-9, 40e-9], { originsM: [[0, 0], [1e-5, 0]] })).toThrow(/do not overlap/);
  });
});
