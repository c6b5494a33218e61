/**
 * Single-thread CPU 2D FFT on interleaved complex float32 frames. Where WebAssembly SIMD is
 * available (every current Node and browser) the frame goes through the float32 SIMD kernel
 * (wasm-fft.ts), ~8× faster; otherwise, or with `engine: 'js'`, the JavaScript radix-4
 * (radix4.ts) in float64, described here. One read of the frame (bit-reversed into a float64 scratch frame, each row transformed
 * while it is in cache), the column stages applied to whole rows of the scratch (no column
 * gather/scatter), one scaled write back. fft.js, which this replaced, is kept as the
 * reference twin in the tests.
 */
import { checkDirection, checkFftInput, checkFftSize, type FftDirection } from './validate.ts';
import { PtyxanesError } from '../core/errors.ts';
import { bitReverseTable, lineStages, rowStages, twiddleTable } from './radix4.ts';
import { WasmFft2d, wasmFftAvailable } from './wasm-fft.ts';

/** Which CPU kernel: 'wasm' (SIMD, float32), 'js' (radix-4, float64), 'auto' (wasm where available). */
export type CpuFftEngine = 'auto' | 'wasm' | 'js';

export class CpuFft2d {
  readonly height: number;
  readonly width: number;
  private readonly revH: Int32Array;
  private readonly revW: Int32Array;
  private readonly twFwdW: Float64Array;
  private readonly twInvW: Float64Array;
  private readonly twFwdH: Float64Array;
  private readonly twInvH: Float64Array;
  private readonly scratch: Float64Array;
  private readonly wasm: WasmFft2d | null;
  /** The kernel this plan runs. */
  readonly engine: 'wasm' | 'js';

  constructor(height: number, width: number, engine: CpuFftEngine = 'auto') {
    checkFftSize(height, 'height');
    checkFftSize(width, 'width');
    this.height = height;
    this.width = width;
    this.wasm = engine !== 'js' && (engine === 'wasm' || wasmFftAvailable()) ? new WasmFft2d(height, width) : null;
    this.engine = this.wasm ? 'wasm' : 'js';
    // The JavaScript path's tables, only where it runs.
    const js = !this.wasm;
    const none64 = new Float64Array(0);
    this.revH = js ? bitReverseTable(height) : new Int32Array(0);
    this.revW = js ? (height === width ? this.revH : bitReverseTable(width)) : this.revH;
    this.twFwdW = js ? twiddleTable(width, -1) : none64;
    this.twInvW = js ? twiddleTable(width, 1) : none64;
    this.twFwdH = js ? (height === width ? this.twFwdW : twiddleTable(height, -1)) : none64;
    this.twInvH = js ? (height === width ? this.twInvW : twiddleTable(height, 1)) : none64;
    this.scratch = new Float64Array(this.wasm ? 0 : 2 * height * width);
  }

  /** In place on the frame at float offset `offset` (default 0) of `data`. */
  transform(data: Float32Array, direction: FftDirection, offset = 0): void {
    checkDirection(direction);
    const h = this.height;
    const w = this.width;
    const L = 2 * w;
    if (!Number.isInteger(offset) || offset < 0 || offset + 2 * h * w > data.length) {
      throw new PtyxanesError('FFT frame does not fit in the data array', {
        field: 'offset',
        expected: `0..${data.length - 2 * h * w} (a ${h}×${w} complex frame)`,
        found: String(offset),
      });
    }
    const inverse = direction === 'inverse';
    if (this.wasm) {
      this.wasm.transform(data, inverse, offset);
      return;
    }
    const { revH, revW, scratch: x } = this;
    const twW = inverse ? this.twInvW : this.twFwdW;
    for (let r = 0; r < h; r++) {
      const dst = revH[r] * L;
      const src = offset + r * L;
      for (let c = 0; c < w; c++) {
        const q = dst + 2 * revW[c];
        x[q] = data[src + 2 * c];
        x[q + 1] = data[src + 2 * c + 1];
      }
      lineStages(x, dst, w, twW, inverse);
    }
    rowStages(x, 0, h, w, inverse ? this.twInvH : this.twFwdH, inverse);
    const n2 = 2 * h * w;
    if (inverse) {
      const scale = 1 / (h * w);
      for (let i = 0; i < n2; i++) data[offset + i] = scale * x[i];
    } else {
      for (let i = 0; i < n2; i++) data[offset + i] = x[i];
    }
  }

  /** In place on `batch` contiguous frames starting at float offset `offset`. */
  transformBatch(data: Float32Array, direction: FftDirection, batch: number, offset = 0): void {
    const frame = 2 * this.height * this.width;
    for (let b = 0; b < batch; b++) this.transform(data, direction, offset + b * frame);
  }
}

// Plans are cheap but not free (tables, scratch): keep the few sizes a process uses.
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
