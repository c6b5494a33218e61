/**
 * The per-batch work of every CPU tomography job (forward, back, SIRT), in one place so the
 * calling thread and worker threads run the same code. Arrays are whole volumes
 * [rows, ny, nx] and projections [nAngles, rows, cols] (shared memory when threaded);
 * a job handles the batches of slices it is given (interleaved by project.cpu.ts), so
 * batches are independent and the result does not depend on how they were split between
 * threads or on the batch size.
 *
 * SIRT as ASTRA's SIRT3D_CUDA defines it: R = 1/FP(1) per ray and C = λ/BP(1) per voxel,
 * each inverted as v > 1e-6 ? 1/v : 0 (FP of the volume mask and BP of the projection mask
 * when masks are given), then per iteration
 *     x ← clamp(x + C ⊙ BP(R ⊙ (p − FP(x))), min, max).
 * With masks, R is also multiplied by the projection mask and C by the volume mask (ASTRA
 * does the same), so masked rays and voxels never change. Without masks R and C are the
 * same in every slice and are computed once.
 */
import { backBatch, forwardBatch, gatherProjections, gatherVolume, scatterProjections, scatterVolume } from './project.cpu.ts';
import type { TomoGeometry } from './geometry.ts';
import { angleRange } from './subsets.ts';

export interface SirtParams {
  iterations: number;
  relaxation: number;
  min: number;
  max: number;
  /** Ordered subsets: S + 1 offsets into the (permuted) angles; [0, nAngles] for SIRT. */
  subsetStarts: Int32Array;
}

/** Threshold below which a weight's reciprocal is set to 0 (ASTRA's). */
export const WEIGHT_EPS = 1e-6;

/** Slices per batch (see project.cpu.ts for the measurement). */
export const BATCH_SLICES = 8;

function invertInPlace(a: Float32Array, scale = 1): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i] > WEIGHT_EPS ? scale / a[i] : 0;
}

/** Scratch for one thread's batches: interleaved volume, projection and weight buffers. */
export class SliceScratch {
  readonly B: number;
  readonly vol: Float32Array;
  readonly img: Float32Array;
  readonly proj: Float32Array;
  readonly sino: Float32Array;
  readonly R: Float32Array;
  /** C per subset: [S][ny][nx][B]. */
  readonly C: Float32Array;
  private sharedWeights = false;

  constructor(readonly g: TomoGeometry, readonly subsetStarts: Int32Array = Int32Array.of(0, g.nAngles), B = Math.min(BATCH_SLICES, g.rows)) {
    this.B = B;
    const volN = g.nx * g.ny * B;
    const projN = g.nAngles * g.cols * B;
    this.vol = new Float32Array(volN);
    this.img = new Float32Array(volN);
    this.proj = new Float32Array(projN);
    this.sino = new Float32Array(projN);
    this.R = new Float32Array(projN);
    this.C = new Float32Array(volN * (subsetStarts.length - 1));
  }

  /**
   * Fills R and C (interleaved like the batch) for slices z0 … z0+nb; masks optional:
   * [rows, ny, nx] and [nAngles, rows, cols]. Uses `vol`/`proj` as temporaries.
   */
  weights(z0: number, nb: number, relaxation: number, volumeMask?: Float32Array | null, projMask?: Float32Array | null): void {
    const { g, B } = this;
    if (!volumeMask && !projMask && this.sharedWeights) return;
    const sliceLen = g.nx * g.ny;
    if (volumeMask) gatherVolume(volumeMask, sliceLen, z0, nb, this.vol, B);
    else this.vol.fill(1);
    forwardBatch(g, this.vol, this.R, B);
    invertInPlace(this.R);
    if (projMask) {
      gatherProjections(g, projMask, z0, nb, this.proj, B);
      // Rays outside the projection mask carry no weight (ASTRA multiplies R by the mask).
      for (let i = 0; i < this.R.length; i++) this.R[i] *= this.proj[i];
    } else this.proj.fill(1);
    const volN = this.vol.length;
    const st = this.subsetStarts;
    for (let j = 0; j + 1 < st.length; j++) {
      const C = this.C.subarray(j * volN, (j + 1) * volN);
      backBatch(angleRange(g, st[j], st[j + 1]), this.proj.subarray(st[j] * g.cols * B), C, B);
      invertInPlace(C, relaxation);
      if (volumeMask) for (let i = 0; i < volN; i++) C[i] *= this.vol[i];
    }
    this.sharedWeights = !volumeMask && !projMask;
  }
}

/** Forward-projects slices z0 … z0+nb of `vol` into `proj`. */
export function forwardJob(g: TomoGeometry, z0: number, nb: number, vol: Float32Array, proj: Float32Array, s: SliceScratch): void {
  gatherVolume(vol, g.nx * g.ny, z0, nb, s.vol, s.B);
  forwardBatch(g, s.vol, s.sino, s.B);
  scatterProjections(g, s.sino, z0, nb, proj, s.B);
}

/** Back-projects rows z0 … z0+nb of `proj` into `vol`. */
export function backJob(g: TomoGeometry, z0: number, nb: number, proj: Float32Array, vol: Float32Array, s: SliceScratch): void {
  gatherProjections(g, proj, z0, nb, s.proj, s.B);
  backBatch(g, s.proj, s.img, s.B);
  scatterVolume(s.img, g.nx * g.ny, z0, nb, vol, s.B);
}

/**
 * All SIRT iterations of slices z0 … z0+nb, in place in `vol` (its content is the start).
 * `res2[z·iterations + k]` receives Σ(p − FP(x))² over slice z in iteration k, each ray's
 * term taken when its subset is visited (for SIRT: the volume entering iteration k).
 */
export function sirtJob(
  g: TomoGeometry,
  z0: number,
  nb: number,
  proj: Float32Array,
  vol: Float32Array,
  p: SirtParams,
  s: SliceScratch,
  res2: Float64Array,
  masks: { volume?: Float32Array | null; projection?: Float32Array | null } = {},
): void {
  const B = s.B;
  const sliceLen = g.nx * g.ny;
  s.weights(z0, nb, p.relaxation, masks.volume, masks.projection);
  gatherVolume(vol, sliceLen, z0, nb, s.vol, B);
  gatherProjections(g, proj, z0, nb, s.proj, B);
  const { sino, img, R } = s;
  const x = s.vol;
  const pb = s.proj;
  const sums = new Float64Array(B);
  const lo = p.min;
  const hi = p.max;
  const st = p.subsetStarts;
  const perAngle = g.cols * B;
  const subsets = Array.from({ length: st.length - 1 }, (_, j) => ({ g: angleRange(g, st[j], st[j + 1]), i0: st[j] * perAngle, i1: st[j + 1] * perAngle, C: s.C.subarray(j * x.length, (j + 1) * x.length) }));
  for (let k = 0; k < p.iterations; k++) {
    sums.fill(0);
    for (const sub of subsets) {
      const sinoS = sino.subarray(sub.i0, sub.i1);
      forwardBatch(sub.g, x, sinoS, B);
      for (let i = sub.i0; i < sub.i1; i += B) {
        for (let b = 0; b < B; b++) {
          const d = pb[i + b] - sino[i + b];
          sums[b] += d * d;
          sino[i + b] = R[i + b] * d;
        }
      }
      backBatch(sub.g, sinoS, img, B);
      const C = sub.C;
      for (let i = 0; i < x.length; i++) {
        const v = x[i] + C[i] * img[i];
        x[i] = v < lo ? lo : v > hi ? hi : v;
      }
    }
    for (let b = 0; b < nb; b++) res2[(z0 + b) * p.iterations + k] = sums[b];
  }
  scatterVolume(x, sliceLen, z0, nb, vol, B);
}
