/**
 * Measured patterns as ePIE wants them: amplitudes √I, ifftshifted once at load (zero
 * frequency at index 0, so the inner loop needs no shifts), with unmeasured pixels
 * (validMask 0) stored as −1 so one array carries data and mask. Frames are read from the
 * FrameSource in blocks of `blockFrames` and grouped into chunks (contiguous frame ranges
 * processed together). Chunks stay in host memory when the whole set fits `hostBudgetBytes`;
 * otherwise each visit re-reads its chunk from the source, so memory stays bounded.
 */
import { PtyxanesError } from '../core/errors.ts';
import type { FrameSource } from '../core/frames.ts';
import { throwIfAborted } from '../core/progress.ts';
import { bitReversedIndex } from '../fft/scrambled.ts';

export const MASKED = -1;

export interface StoreOptions {
  blockFrames: number;
  chunkFrames: number;
  hostBudgetBytes: number;
  /** Allocate chunks in SharedArrayBuffers (for CPU worker threads). */
  shared: boolean;
  /**
   * Pixel order of the ifftshifted amplitudes: 'natural' (row-major, the GPU's) or
   * 'bitReversed' on both axes (the CPU's ScrambledFft2d output, so its transform pairs never permute).
   */
  order?: 'natural' | 'bitReversed';
  signal?: AbortSignal;
}

/** Index map for ifftshift of an h×w frame: dst[i] = src[map[i]]. */
export function ifftshiftIndex(h: number, w: number): Int32Array {
  const map = new Int32Array(h * w);
  const hy = Math.floor(h / 2);
  const hx = Math.floor(w / 2);
  for (let r = 0; r < h; r++) {
    const sr = (r + hy) % h;
    for (let c = 0; c < w; c++) map[r * w + c] = sr * w + ((c + hx) % w);
  }
  return map;
}

function alloc(length: number, shared: boolean): Float32Array {
  if (shared && typeof SharedArrayBuffer !== 'undefined') return new Float32Array(new SharedArrayBuffer(length * 4));
  return new Float32Array(length);
}

export class AmplitudeStore {
  readonly height: number;
  readonly width: number;
  readonly nFrames: number;
  /** Chunk c holds frames [chunkStarts[c], chunkStarts[c+1]). */
  readonly chunkStarts: number[];
  /** validMask after ifftshift, in the store's pixel order (1 = measured). */
  readonly maskShifted: Uint8Array;
  readonly validPixels: number;
  /** Mean pattern, centred like the source (zero frequency at h/2, w/2); 0 on masked pixels. */
  readonly meanIntensity: Float64Array;
  /** Mean of Σ I over valid pixels per frame. */
  readonly meanCounts: number;
  readonly hostResident: boolean;
  private readonly chunks: (Float32Array | null)[];
  private streamBuffer: Float32Array | null = null;
  private readonly map: Int32Array;

  private constructor(
    private readonly source: FrameSource,
    private readonly opts: StoreOptions,
    init: { chunkStarts: number[]; maskShifted: Uint8Array; validPixels: number; map: Int32Array; hostResident: boolean },
  ) {
    this.height = source.height;
    this.width = source.width;
    this.nFrames = source.nFrames;
    this.chunkStarts = init.chunkStarts;
    this.maskShifted = init.maskShifted;
    this.validPixels = init.validPixels;
    this.map = init.map;
    this.hostResident = init.hostResident;
    this.chunks = new Array(init.chunkStarts.length - 1).fill(null);
    this.meanIntensity = new Float64Array(this.height * this.width);
    this.meanCounts = 0;
  }

  get frameLength(): number {
    return this.height * this.width;
  }
  get chunkCount(): number {
    return this.chunkStarts.length - 1;
  }
  get maxChunkFrames(): number {
    let m = 0;
    for (let c = 0; c < this.chunkCount; c++) m = Math.max(m, this.chunkStarts[c + 1] - this.chunkStarts[c]);
    return m;
  }
  /** Host bytes this store holds. */
  get hostBytes(): number {
    let b = this.streamBuffer ? this.streamBuffer.byteLength : 0;
    for (const c of this.chunks) b += c ? c.byteLength : 0;
    return b;
  }

  /** Reads every frame once: validates counts, builds the mean pattern, keeps chunks if they fit. */
  static async load(source: FrameSource, opts: StoreOptions): Promise<AmplitudeStore> {
    const { height: h, width: w, nFrames } = source;
    const mask = source.validMask;
    if (!mask || mask.length !== h * w) {
      throw new PtyxanesError('validMask does not match the frame size', { file: source.label, field: 'validMask', expected: `${h * w} pixels (${h}×${w})`, found: String(mask?.length) });
    }
    const shift = ifftshiftIndex(h, w);
    const map = opts.order === 'bitReversed' ? Int32Array.from(bitReversedIndex(h, w), (i) => shift[i]) : shift;
    const maskShifted = new Uint8Array(h * w);
    let validPixels = 0;
    for (let i = 0; i < h * w; i++) {
      maskShifted[i] = mask[map[i]] ? 1 : 0;
      validPixels += maskShifted[i];
    }
    if (validPixels === 0) {
      throw new PtyxanesError('validMask marks no pixel as measured', { file: source.label, field: 'validMask', expected: 'at least one valid (1) pixel', found: 'all 0' });
    }
    const chunkFrames = Math.max(1, Math.min(nFrames, Math.floor(opts.chunkFrames)));
    const chunkStarts: number[] = [];
    for (let s = 0; s < nFrames; s += chunkFrames) chunkStarts.push(s);
    chunkStarts.push(nFrames);
    const hostResident = nFrames * h * w * 4 <= opts.hostBudgetBytes;
    const store = new AmplitudeStore(source, opts, { chunkStarts, maskShifted, validPixels, map, hostResident });
    let counts = 0;
    for (let c = 0; c < store.chunkCount; c++) {
      throwIfAborted(opts.signal);
      const dst = hostResident ? alloc((chunkStarts[c + 1] - chunkStarts[c]) * h * w, opts.shared) : store.scratch(c);
      counts += await store.readChunk(c, dst, store.meanIntensity);
      if (hostResident) store.chunks[c] = dst;
    }
    for (let i = 0; i < h * w; i++) store.meanIntensity[i] /= nFrames;
    (store as { meanCounts: number }).meanCounts = counts / nFrames;
    return store;
  }

  /** Amplitudes of chunk c, [count, h, w], ifftshifted, −1 on masked pixels. */
  async chunk(c: number): Promise<Float32Array> {
    const kept = this.chunks[c];
    if (kept) return kept;
    const dst = this.scratch(c);
    await this.readChunk(c, dst, null);
    return dst;
  }

  private scratch(c: number): Float32Array {
    const len = (this.chunkStarts[c + 1] - this.chunkStarts[c]) * this.frameLength;
    if (!this.streamBuffer || this.streamBuffer.length < this.maxChunkFrames * this.frameLength) {
      this.streamBuffer = alloc(this.maxChunkFrames * this.frameLength, this.opts.shared);
    }
    return this.streamBuffer.subarray(0, len);
  }

  /** Reads and converts chunk c into dst; adds intensities into `mean` when given; returns Σ valid counts. */
  private async readChunk(c: number, dst: Float32Array, mean: Float64Array | null): Promise<number> {
    const n = this.frameLength;
    const { map, maskShifted } = this;
    const start = this.chunkStarts[c];
    const end = this.chunkStarts[c + 1];
    const block = Math.max(1, Math.floor(this.opts.blockFrames));
    let total = 0;
    for (let f0 = start; f0 < end; f0 += block) {
      const count = Math.min(block, end - f0);
      const frames = await this.source.readFrames(f0, count);
      if (frames.length !== count * n) {
        throw new PtyxanesError(`readFrames(${f0}, ${count}) returned the wrong amount of data`, { file: this.source.label, field: 'frames', expected: `${count * n} values`, found: String(frames.length) });
      }
      for (let f = 0; f < count; f++) {
        const src = f * n;
        const out = (f0 - start + f) * n;
        for (let i = 0; i < n; i++) {
          if (!maskShifted[i]) {
            dst[out + i] = MASKED;
            continue;
          }
          const v = frames[src + map[i]];
          if (!(v >= 0) || v === Infinity) {
            const p = map[i];
            throw new PtyxanesError(`frame ${f0 + f} pixel (row ${Math.floor(p / this.width)}, column ${p % this.width}) has invalid counts`, {
              file: this.source.label,
              field: 'frames',
              expected: 'finite counts >= 0 on valid pixels',
              found: String(v),
            });
          }
          dst[out + i] = Math.sqrt(v);
          total += v;
          if (mean) mean[map[i]] += v;
        }
      }
      throwIfAborted(this.opts.signal);
    }
    return total;
  }
}
