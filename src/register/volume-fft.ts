/**
 * Single-thread CPU 3D FFT on an interleaved complex float32 volume [nz, ny, nx], built from
 * the project's pieces: src/fft's CpuFft2d on every z-plane, then fft.js along z. Same
 * normalisation as src/fft (numpy's): forward unnormalised, inverse scaled by 1/(nz·ny·nx).
 * Sizes: powers of two, ny and nx within src/fft's limits (16..4096), nz ≥ 2.
 *
 * The z pass gathers Z_BLOCK neighbouring columns at a time, so every plane is read in runs
 * of contiguous floats instead of one strided value per column (the columns of one plane are
 * 2·ny·nx floats apart, a cache miss each).
 */
import FFT from 'fft.js';
import { CpuFft2d } from '../fft/index.ts';
import { isPowerOfTwo } from '../core/arrays.ts';
import { PtyxanesError } from '../core/errors.ts';

const Z_BLOCK = 16;

export class CpuFft3d {
  readonly nz: number;
  readonly ny: number;
  readonly nx: number;
  private readonly plane: CpuFft2d;
  private readonly zPlan: FFT;
  private readonly zIn: Float64Array;
  private readonly zOut: Float64Array;
  private readonly block: Float64Array;

  constructor(nz: number, ny: number, nx: number) {
    if (!isPowerOfTwo(nz) || nz < 2) throw new PtyxanesError('3D FFT depth must be a power of two ≥ 2', { field: 'nz', expected: 'power of two ≥ 2', found: String(nz) });
    this.plane = new CpuFft2d(ny, nx);
    this.nz = nz;
    this.ny = ny;
    this.nx = nx;
    this.zPlan = new FFT(nz);
    this.zIn = new Float64Array(2 * nz);
    this.zOut = new Float64Array(2 * nz);
    this.block = new Float64Array(2 * nz * Z_BLOCK);
  }

  /**
   * In place on the whole volume `data` (length 2·nz·ny·nx). Two savings the caller may
   * claim: `zeroFrom` = the planes z ≥ zeroFrom are all zero (zero padding: their 2D FFTs
   * are skipped); `hermitian` = data is the spectrum of a real volume (X[−k] = conj X[k]),
   * so only planes 0..nz/2 get the 2D inverse and the others are their conjugate mirrors
   * (a third fewer plane FFTs; the result is real up to rounding).
   */
  transform(data: Float32Array, direction: 'forward' | 'inverse', opts: { zeroFrom?: number; hermitian?: boolean; checkpoint?: () => void } = {}): void {
    const { nz, ny, nx, zPlan, zIn, zOut, block } = this;
    const planeFloats = 2 * ny * nx;
    if (data.length !== nz * planeFloats) {
      throw new PtyxanesError('3D FFT data length does not match the volume', { field: 'data', expected: String(nz * planeFloats), found: String(data.length) });
    }
    const half = opts.hermitian && direction === 'inverse';
    const planes = half ? nz / 2 + 1 : Math.min(nz, opts.zeroFrom ?? nz);
    for (let z = 0; z < planes; z++) {
      this.plane.transform(data, direction, z * planeFloats);
      opts.checkpoint?.();
    }
    // Q(−kz, y, x) = conj Q(kz, y, x) after the 2D inverse of a Hermitian spectrum.
    if (half) for (let z = nz / 2 + 1; z < nz; z++) mirrorConj(data, (nz - z) * planeFloats, z * planeFloats, planeFloats);
    // Along z: conj in / conj out for the inverse (fft.js forward on the conjugate), scaled 1/nz.
    const conj = direction === 'inverse' ? -1 : 1;
    const scale = direction === 'inverse' ? 1 / nz : 1;
    const cells = ny * nx;
    for (let c0 = 0; c0 < cells; c0 += Z_BLOCK) {
      const nb = Math.min(Z_BLOCK, cells - c0);
      // block[b][z] (interleaved) ← data[z][c0 + b]
      for (let z = 0; z < nz; z++) {
        const o = z * planeFloats + 2 * c0;
        for (let b = 0; b < nb; b++) {
          block[2 * (b * nz + z)] = data[o + 2 * b];
          block[2 * (b * nz + z) + 1] = conj * data[o + 2 * b + 1];
        }
      }
      for (let b = 0; b < nb; b++) {
        const bo = 2 * b * nz;
        for (let i = 0; i < 2 * nz; i++) zIn[i] = block[bo + i];
        zPlan.transform(zOut, zIn);
        for (let i = 0; i < 2 * nz; i += 2) {
          block[bo + i] = scale * zOut[i];
          block[bo + i + 1] = conj * scale * zOut[i + 1];
        }
      }
      for (let z = 0; z < nz; z++) {
        const o = z * planeFloats + 2 * c0;
        for (let b = 0; b < nb; b++) {
          data[o + 2 * b] = block[2 * (b * nz + z)];
          data[o + 2 * b + 1] = block[2 * (b * nz + z) + 1];
        }
      }
    }
  }
}

function mirrorConj(data: Float32Array, from: number, to: number, floats: number): void {
  for (let i = 0; i < floats; i += 2) {
    data[to + i] = data[from + i];
    data[to + i + 1] = -data[from + i + 1];
  }
}
