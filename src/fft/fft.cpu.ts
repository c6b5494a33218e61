/**
 * Single-thread CPU 2D FFT on interleaved complex float32 frames, built on fft.js.
 * Rows are transformed through a float64 temp line, then columns through a gather/scatter
 * of the same temp. The inverse runs fft.js's forward transform on conjugated input and
 * conjugates (and scales by 1/(H·W)) on the way out, so scaling costs no extra pass.
 */
import FFT from 'fft.js';
import { checkDirection, checkFftInput, checkFftSize, type FftDirection } from './validate.ts';
import { PtyxanesError } from '../core/errors.ts';

export class CpuFft2d {
  readonly height: number;
  readonly width: number;
  private readonly rowPlan: FFT;
  private readonly colPlan: FFT;
  private readonly rowIn: Float64Array;
  private readonly rowOut: Float64Array;
  private readonly colIn: Float64Array;
  private readonly colOut: Float64Array;

  constructor(height: number, width: number) {
    checkFftSize(height, 'height');
    checkFftSize(width, 'width');
    this.height = height;
    this.width = width;
    this.rowPlan = new FFT(width);
    this.colPlan = height === width ? this.rowPlan : new FFT(height);
    this.rowIn = new Float64Array(2 * width);
    this.rowOut = new Float64Array(2 * width);
    this.colIn = new Float64Array(2 * height);
    this.colOut = new Float64Array(2 * height);
  }

  /** In place on the frame at float offset `offset` (default 0) of `data`. */
  transform(data: Float32Array, direction: FftDirection, offset = 0): void {
    checkDirection(direction);
    const h = this.height;
    const w = this.width;
    const n2 = 2 * w;
    if (!Number.isInteger(offset) || offset < 0 || offset + 2 * h * w > data.length) {
      throw new PtyxanesError('FFT frame does not fit in the data array', {
        field: 'offset',
        expected: `0..${data.length - 2 * h * w} (a ${h}×${w} complex frame)`,
        found: String(offset),
      });
    }
    // conj = -1 for the inverse: conjugate in, conjugate out.
    const conj = direction === 'inverse' ? -1 : 1;
    const { rowPlan, rowIn, rowOut, colPlan, colIn, colOut } = this;
    for (let r = 0; r < h; r++) {
      const o = offset + r * n2;
      for (let i = 0; i < n2; i += 2) {
        rowIn[i] = data[o + i];
        rowIn[i + 1] = conj * data[o + i + 1];
      }
      rowPlan.transform(rowOut, rowIn);
      for (let i = 0; i < n2; i++) data[o + i] = rowOut[i];
    }
    const scale = direction === 'inverse' ? 1 / (h * w) : 1;
    const scaleIm = conj * scale;
    for (let c = 0; c < w; c++) {
      let o = offset + 2 * c;
      for (let i = 0; i < 2 * h; i += 2, o += n2) {
        colIn[i] = data[o];
        colIn[i + 1] = data[o + 1];
      }
      colPlan.transform(colOut, colIn);
      o = offset + 2 * c;
      for (let i = 0; i < 2 * h; i += 2, o += n2) {
        data[o] = scale * colOut[i];
        data[o + 1] = scaleIm * colOut[i + 1];
      }
    }
  }

  /** In place on `batch` contiguous frames starting at float offset `offset`. */
  transformBatch(data: Float32Array, direction: FftDirection, batch: number, offset = 0): void {
    const frame = 2 * this.height * this.width;
    for (let b = 0; b < batch; b++) this.transform(data, direction, offset + b * frame);
  }
}

// Plans are cheap but not free (tables, temps): keep the few sizes a process uses.
const plans = new Map<string, CpuFft2d>();

export function cpuPlan(height: number, width: number): CpuFft2d {
  const key = `${height}x${width}`;
  let p = plans.get(key);
  if (!p) {
    p = new CpuFft2d(height, width);
    if (plans.size > 16) plans.clear();
    plans.set(key, p);
  }
  return p;
}

/** In-place batched 2D FFT on one thread. Forward unnormalised; inverse scaled by 1/(H·W). */
export function fft2dCpu(data: Float32Array, batch: number, height: number, width: number, direction: FftDirection): void {
  checkDirection(direction);
  checkFftInput(data.length, batch, height, width);
  cpuPlan(height, width).transformBatch(data, direction, batch);
}
