/**
 * Diffraction data as the stages see it: a streamable source of frames plus the scan
 * and geometry, in SI units. Readers in io/ produce these; ptycho/ consumes them. Frames
 * may be far larger than memory, so stages read them in blocks.
 *
 * Conventions (fixed here, converted once by the reader):
 * - Frames are far-field intensities with zero spatial frequency at pixel (h/2, w/2)
 *   (fftshift-centred), row = detector y, column = detector x.
 * - `positionsM[2*i]` is the probe's x position over the sample (metres), which maps to
 *   object columns; `positionsM[2*i+1]` is y, mapping to object rows; positive x moves the
 *   probe towards higher column index. (CXI's translation is the sample's; readers convert.)
 * - `validMask[h*w]`: 1 = pixel measured, 0 = dead/gap/saturated (model kept there).
 */
export interface ScanGeometry {
  energyEv: number;
  detectorDistanceM: number;
  /** Detector pixel size (m), x then y. */
  detectorPixelM: [number, number];
  /** Probe positions over the sample, (x, y) pairs in metres, length 2 * nFrames. */
  positionsM: Float64Array;
  /** Rotation angle for tomography (degrees), if any. */
  angleDeg?: number;
}

export interface FrameSource {
  readonly nFrames: number;
  readonly height: number;
  readonly width: number;
  readonly geometry: ScanGeometry;
  /** 1 = valid pixel; length height*width. */
  readonly validMask: Uint8Array;
  /** Human-readable origin for error messages, e.g. 'data.cxi:/entry_3'. */
  readonly label: string;
  /** Frames [start, start+count) as float32 counts, row-major [count, h, w]. */
  readFrames(start: number, count: number): Promise<Float32Array>;
  close?(): Promise<void> | void;
}

/** Object pixel size (m) of a far-field geometry with an N×M crop: λz / (N·dpix). */
export function objectPixelSizeM(energyEv: number, distanceM: number, pixelM: number, n: number): number {
  return (wavelengthM(energyEv) * distanceM) / (n * pixelM);
}

/** Photon wavelength (m) from energy (eV): λ = hc / E. */
export function wavelengthM(energyEv: number): number {
  return 1.239841984e-6 / energyEv;
}

/** A FrameSource over frames already in memory (tests, simulator, small data). */
export class MemoryFrameSource implements FrameSource {
  readonly nFrames: number;
  readonly validMask: Uint8Array;
  constructor(
    readonly frames: Float32Array,
    readonly height: number,
    readonly width: number,
    readonly geometry: ScanGeometry,
    validMask?: Uint8Array,
    readonly label = 'memory',
  ) {
    this.nFrames = frames.length / (height * width);
    if (!Number.isInteger(this.nFrames)) throw new RangeError(`${label}: frame data length ${frames.length} is not a multiple of ${height}×${width}`);
    this.validMask = validMask ?? new Uint8Array(height * width).fill(1);
  }
  async readFrames(start: number, count: number): Promise<Float32Array> {
    const n = this.height * this.width;
    return this.frames.subarray(start * n, (start + count) * n);
  }
}
