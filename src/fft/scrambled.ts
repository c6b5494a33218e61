/**
 * A 2D FFT pair on float64 frames that never permutes: `forward` (decimation in frequency)
 * takes natural order and leaves both axes bit-reversed; `inverse` (decimation in time)
 * takes that order back to natural. The inverse is unnormalised (callers fold 1/(H·W) into
 * their next step). For loops whose Fourier-space work is elementwise (ePIE's modulus
 * constraint), given data stored in the same bit-reversed order (`bitReversedIndex`).
 */
import { checkFftSize } from './validate.ts';
import { bitReverseTable, lineStages, lineStagesDif, rowStages, rowStagesDif, twiddleTable } from './radix4.ts';
import { WasmFft2d, wasmFftAvailable } from './wasm-fft.ts';

export class ScrambledFft2d {
  readonly revH: Int32Array;
  readonly revW: Int32Array;
  private readonly twFwdW: Float64Array;
  private readonly twInvW: Float64Array;
  private readonly twFwdH: Float64Array;
  private readonly twInvH: Float64Array;

  constructor(readonly height: number, readonly width: number) {
    checkFftSize(height, 'height');
    checkFftSize(width, 'width');
    this.revH = bitReverseTable(height);
    this.revW = height === width ? this.revH : bitReverseTable(width);
    this.twFwdW = twiddleTable(width, -1);
    this.twInvW = twiddleTable(width, 1);
    this.twFwdH = height === width ? this.twFwdW : twiddleTable(height, -1);
    this.twInvH = height === width ? this.twInvW : twiddleTable(height, 1);
  }

  /** Rows of the frame at `off` transformed along their columns (call per row right after filling it, while it is in cache). */
  forwardRow(x: Float64Array, off: number): void {
    lineStagesDif(x, off, this.width, this.twFwdW, false);
  }

  /** Completes a forward transform whose rows went through `forwardRow`: natural → bit-reversed. */
  forwardColumns(x: Float64Array, off = 0): void {
    rowStagesDif(x, off, this.height, this.width, this.twFwdH, false);
  }

  /** Whole forward transform of the frame at `off`. */
  forward(x: Float64Array, off = 0): void {
    const L = 2 * this.width;
    for (let r = 0; r < this.height; r++) this.forwardRow(x, off + r * L);
    this.forwardColumns(x, off);
  }

  /** Inverse along the row index (first half of `inverse`), bit-reversed in. */
  inverseColumns(x: Float64Array, off = 0): void {
    rowStages(x, off, this.height, this.width, this.twInvH, true);
  }

  /** Inverse of one row after `inverseColumns` (call per row just before using it). */
  inverseRow(x: Float64Array, off: number): void {
    lineStages(x, off, this.width, this.twInvW, true);
  }

  /** Whole unnormalised inverse: bit-reversed → natural, H·W × the true inverse. */
  inverse(x: Float64Array, off = 0): void {
    const L = 2 * this.width;
    this.inverseColumns(x, off);
    for (let r = 0; r < this.height; r++) this.inverseRow(x, off + r * L);
  }
}

/** Natural (row-major) index of each bit-reversed position of an h×w frame: natural = map[scrambled]. */
export function bitReversedIndex(h: number, w: number): Int32Array {
  const rh = bitReverseTable(h);
  const rw = h === w ? rh : bitReverseTable(w);
  const map = new Int32Array(h * w);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) map[r * w + c] = rh[r] * w + rw[c];
  return map;
}

/**
 * `frames` h×w work frames (`buf`, frame k at k·2hw) and the non-permuting pair acting on
 * them in place: the WebAssembly SIMD kernel on float32 frames in its own memory where
 * available (~7× faster), else ScrambledFft2d on float64. Same orders and scaling either way.
 */
export interface ScrambledWork {
  readonly engine: 'wasm' | 'js';
  readonly revH: Int32Array;
  readonly revW: Int32Array;
  readonly buf: Float32Array | Float64Array;
  /** Natural → bit-reversed, unnormalised, on frame k of `buf`. */
  forward(k: number): void;
  /** Bit-reversed → natural, unnormalised (h·w × the true inverse), on frame k of `buf`. */
  inverse(k: number): void;
  /**
   * The SIMD kernel's fused Fourier modulus constraint on frame k (WasmFft2d.modulusDelta),
   * null on the JavaScript fallback (callers use their own loop).
   */
  readonly modulusDelta: ((k: number, amp: Float32Array, aOff: number, errOut: Float64Array) => void) | null;
  /** The SIMD kernel's phase ramp on bit-reversed frame k (WasmFft2d.rampMultiply), null on the fallback. */
  readonly rampMultiply: ((k: number, rx: Float64Array, ry: Float64Array, scale: number) => void) | null;
}

export function scrambledWork(height: number, width: number, frames: number, engine: 'auto' | 'wasm' | 'js' = 'auto'): ScrambledWork {
  if (engine !== 'js' && (engine === 'wasm' || wasmFftAvailable())) return scrambledWorkOn(new WasmFft2d(height, width, frames));
  const sfft = new ScrambledFft2d(height, width);
  const frame = 2 * height * width;
  const buf = new Float64Array(frames * frame);
  return {
    engine: 'js', revH: sfft.revH, revW: sfft.revW, buf,
    forward: (k) => sfft.forward(buf, k * frame),
    inverse: (k) => sfft.inverse(buf, k * frame),
    modulusDelta: null,
    rampMultiply: null,
  };
}

/** ScrambledWork on the frames of an existing SIMD plan (callers that keep more of their data in its memory). */
export function scrambledWorkOn(plan: WasmFft2d): ScrambledWork {
  return {
    engine: 'wasm',
    revH: bitReverseTable(plan.height),
    revW: bitReverseTable(plan.width),
    buf: plan.frameBlock(),
    forward: (k) => plan.scrambledForward(k),
    inverse: (k) => plan.scrambledInverse(k),
    modulusDelta: (k, amp, aOff, errOut) => plan.modulusDelta(k, amp, aOff, errOut),
    rampMultiply: (k, rx, ry, scale) => plan.rampMultiply(k, rx, ry, true, scale),
  };
}
