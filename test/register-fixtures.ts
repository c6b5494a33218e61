/** Shared inputs for the register*.test.ts files: textured images with known shifts. */
import type { RealArray } from '../src/core/arrays.ts';
import { fourierShift, smoothRandomField } from '../src/register/index.ts';
import { gaussianRandom, poisson, seededRandom } from '../src/register/synthetic.ts';

/** Central h×w crop of a [H, W] image (not periodic, like a real field of view). */
export function crop(img: RealArray, h: number, w: number): RealArray {
  const [bh, bw] = img.shape;
  const y0 = Math.floor((bh - h) / 2);
  const x0 = Math.floor((bw - w) / 2);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) out.set(img.data.subarray((y + y0) * bw + x0, (y + y0) * bw + x0 + w), y * w);
  return { data: out, shape: [h, w] };
}

export interface ShiftedSet {
  reference: RealArray;
  moving: RealArray;
  /** The shift applied to the content of each moving image (dy, dx); registration should return its negative. */
  applied: number[][];
}

/**
 * A textured field, cropped to h×w as the reference, and n crops of the same field moved
 * by random subpixel shifts up to ±maxShift (Fourier shift of the big field, then crop).
 * With photons > 0, the images are −ln of Poisson counts of exp(−(0.5 + 0.2·texture)).
 */
export function shiftedTextures(opts: { h: number; w: number; n: number; maxShift: number; seed: number; sigmaPx?: number; photons?: number }): ShiftedSet {
  const big = Math.max(2 * opts.h, 2 * opts.w);
  const field = smoothRandomField(big, big, opts.sigmaPx ?? 2, opts.seed);
  const rand = seededRandom(opts.seed + 100);
  const gauss = gaussianRandom(rand);
  const observe = (img: RealArray): Float32Array => {
    const c = crop(img, opts.h, opts.w).data;
    if (!opts.photons) return c;
    return c.map((v) => -Math.log(Math.max(0.5, poisson(opts.photons! * Math.exp(-(0.5 + 0.2 * v)), rand, gauss)) / opts.photons!));
  };
  const applied: number[][] = [];
  const moving = new Float32Array(opts.n * opts.h * opts.w);
  for (let i = 0; i < opts.n; i++) {
    const dy = (rand() * 2 - 1) * opts.maxShift;
    const dx = (rand() * 2 - 1) * opts.maxShift;
    applied.push([dy, dx]);
    moving.set(observe(fourierShift(field, dy, dx)), i * opts.h * opts.w);
  }
  return { reference: { data: observe(field), shape: [opts.h, opts.w] }, moving: { data: moving, shape: [opts.n, opts.h, opts.w] }, applied };
}

/** Largest |recovered + applied| over all pairs and both axes (0 = perfect). */
export function maxShiftError(shifts: Float64Array, applied: number[][]): number {
  let m = 0;
  applied.forEach(([dy, dx], i) => {
    m = Math.max(m, Math.abs(shifts[2 * i] + dy), Math.abs(shifts[2 * i + 1] + dx));
  });
  return m;
}
