/**
 * The per-slice work of every CPU tomography job (forward, back, SIRT), in one place so the
 * calling thread and worker threads run the same code. Arrays are whole volumes
 * [rows, ny, nx] and projections [nAngles, rows, cols] (shared memory when threaded);
 * a job handles the slices z it is given, so slabs of z are independent and the result
 * does not depend on how slices were split between threads.
 *
 * SIRT as ASTRA's SIRT3D_CUDA defines it: R = 1/FP(1) per ray and C = λ/BP(1) per voxel,
 * each inverted as v > 1e-6 ? 1/v : 0 (FP of the volume mask and BP of the projection mask
 * when masks are given), then per iteration
 *     x ← clamp(x + C ⊙ BP(R ⊙ (p − FP(x))), min, max).
 * With masks, R is also multiplied by the projection mask and C by the volume mask (ASTRA
 * does the same), so masked rays and voxels never change. Without masks R and C are the
 * same in every slice and are computed once.
 */
import { backSlice, forwardSlice } from './project.cpu.ts';
import type { TomoGeometry } from './geometry.ts';

export interface SirtParams {
  iterations: number;
  relaxation: number;
  min: number;
  max: number;
}

/** Threshold below which a weight's reciprocal is set to 0 (ASTRA's). */
export const WEIGHT_EPS = 1e-6;

function invertInPlace(a: Float32Array, scale = 1): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i] > WEIGHT_EPS ? scale / a[i] : 0;
}

/** Scratch for one thread's slices. */
export class SliceScratch {
  readonly sino: Float32Array;
  readonly img: Float32Array;
  readonly ones: Float32Array;
  /** Mask-free weights: R [nAngles, cols], C [ny, nx]; null until first needed. */
  private shared: { R: Float32Array; C: Float32Array } | null = null;
  readonly R: Float32Array;
  readonly C: Float32Array;

  constructor(readonly g: TomoGeometry) {
    this.sino = new Float32Array(g.nAngles * g.cols);
    this.img = new Float32Array(g.nx * g.ny);
    this.ones = new Float32Array(Math.max(g.nAngles * g.cols, g.nx * g.ny)).fill(1);
    this.R = new Float32Array(g.nAngles * g.cols);
    this.C = new Float32Array(g.nx * g.ny);
  }

  /** Fills R and C for slice z (masks optional: [rows, ny, nx] and [nAngles, rows, cols]). */
  weights(z: number, relaxation: number, volumeMask?: Float32Array | null, projMask?: Float32Array | null): void {
    const g = this.g;
    if (!volumeMask && !projMask && this.shared) {
      this.R.set(this.shared.R);
      this.C.set(this.shared.C);
      return;
    }
    const sliceLen = g.nx * g.ny;
    if (volumeMask) forwardSlice(g, volumeMask, z * sliceLen, this.R, 0, g.cols);
    else forwardSlice(g, this.ones, 0, this.R, 0, g.cols);
    invertInPlace(this.R);
    if (projMask) {
      // Rays outside the projection mask carry no weight (ASTRA multiplies R by the mask).
      for (let a = 0; a < g.nAngles; a++) {
        const src = z * g.cols + a * g.rows * g.cols;
        for (let u = 0; u < g.cols; u++) this.R[a * g.cols + u] *= projMask[src + u];
      }
      backSlice(g, projMask, z * g.cols, g.rows * g.cols, this.C, 0);
    } else backSlice(g, this.ones, 0, g.cols, this.C, 0);
    invertInPlace(this.C, relaxation);
    if (volumeMask) for (let i = 0; i < sliceLen; i++) this.C[i] *= volumeMask[z * sliceLen + i];
    if (!volumeMask && !projMask) this.shared = { R: this.R.slice(), C: this.C.slice() };
  }
}

/** Forward-projects slice z of `vol` into `proj`. */
export function forwardJob(g: TomoGeometry, z: number, vol: Float32Array, proj: Float32Array): void {
  forwardSlice(g, vol, z * g.nx * g.ny, proj, z * g.cols, g.rows * g.cols);
}

/** Back-projects slice z of `proj` into `vol`. */
export function backJob(g: TomoGeometry, z: number, proj: Float32Array, vol: Float32Array): void {
  backSlice(g, proj, z * g.cols, g.rows * g.cols, vol, z * g.nx * g.ny);
}

/**
 * All SIRT iterations of slice z, in place in `vol` (its content is the start).
 * `res2[k]` receives Σ(p − FP(x_k))² over this slice, x_k the volume entering iteration k.
 */
export function sirtJob(
  g: TomoGeometry,
  z: number,
  proj: Float32Array,
  vol: Float32Array,
  p: SirtParams,
  scratch: SliceScratch,
  res2: Float64Array,
  res2Off: number,
  masks: { volume?: Float32Array | null; projection?: Float32Array | null } = {},
): void {
  const sliceLen = g.nx * g.ny;
  const vOff = z * sliceLen;
  const pOff = z * g.cols;
  const aStride = g.rows * g.cols;
  const { sino, img, R, C } = scratch;
  scratch.weights(z, p.relaxation, masks.volume, masks.projection);
  const nU = g.cols;
  for (let k = 0; k < p.iterations; k++) {
    forwardSlice(g, vol, vOff, sino, 0, nU);
    let sum = 0;
    for (let a = 0; a < g.nAngles; a++) {
      const src = pOff + a * aStride;
      const dst = a * nU;
      for (let u = 0; u < nU; u++) {
        const d = proj[src + u] - sino[dst + u];
        sum += d * d;
        sino[dst + u] = R[dst + u] * d;
      }
    }
    res2[res2Off + k] = sum;
    backSlice(g, sino, 0, nU, img, 0);
    const lo = p.min;
    const hi = p.max;
    for (let i = 0; i < sliceLen; i++) {
      const v = vol[vOff + i] + C[i] * img[i];
      vol[vOff + i] = v < lo ? lo : v > hi ? hi : v;
    }
  }
}
