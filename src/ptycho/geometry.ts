/**
 * Scan positions (metres) to object-grid pixels.
 *
 * Convention: the probe array is n×n with its centre at pixel (n/2, n/2). A probe at (x, y)
 * covers object columns whose centres lie at x + (u − n/2)·pixelSizeM, u = 0..n−1 (rows
 * likewise with y). Object pixel (0, 0) sits at `originM`. The probe window's top-left in
 * object pixels, t = (x − originX)/ps − n/2, splits into an integer part (ix = round(t))
 * and a subpixel remainder δ = t − ix in [−½, ½]; the exit wave is then
 * ψ(u) = P(u − δ)·O(ix + u), with P(u − δ) made exactly by a Fourier phase ramp.
 */
import { PtyxanesError } from '../core/errors.ts';

export interface ScanPixels {
  objectHeight: number;
  objectWidth: number;
  /** (x, y) in metres of object pixel (0, 0). */
  originM: [number, number];
  pixelSizeM: number;
  /** Window top-left (integer) per frame. */
  ix: Int32Array;
  iy: Int32Array;
  /** Subpixel remainders per frame, in pixels, in [−½, ½]. */
  dx: Float64Array;
  dy: Float64Array;
}

/** Border (pixels) kept around the outermost windows. */
export const OBJECT_PAD_PX = 1;

export function windowOffsets(positionsM: Float64Array, n: number, pixelSizeM: number, originM: [number, number]) {
  const count = positionsM.length / 2;
  const ix = new Int32Array(count);
  const iy = new Int32Array(count);
  const dx = new Float64Array(count);
  const dy = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    const tx = (positionsM[2 * j] - originM[0]) / pixelSizeM - n / 2;
    const ty = (positionsM[2 * j + 1] - originM[1]) / pixelSizeM - n / 2;
    ix[j] = Math.round(tx);
    iy[j] = Math.round(ty);
    dx[j] = tx - ix[j];
    dy[j] = ty - iy[j];
  }
  return { ix, iy, dx, dy };
}

/** The smallest object grid holding every n×n window (plus a border: 1 pixel, more when positions are refined). */
export function scanPixels(positionsM: Float64Array, n: number, pixelSizeM: number, label = 'scan', padPx = OBJECT_PAD_PX): ScanPixels {
  if (!(pixelSizeM > 0) || !Number.isFinite(pixelSizeM)) {
    throw new PtyxanesError('object pixel size must be positive and finite', { file: label, field: 'pixelSizeM', expected: '> 0', found: String(pixelSizeM) });
  }
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let j = 0; j < positionsM.length; j += 2) {
    const x = positionsM[j];
    const y = positionsM[j + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new PtyxanesError(`position ${j / 2} is not finite`, { file: label, field: 'geometry.positionsM', expected: 'finite (x, y) in metres', found: `(${x}, ${y})` });
    }
    xMin = Math.min(xMin, x);
    xMax = Math.max(xMax, x);
    yMin = Math.min(yMin, y);
    yMax = Math.max(yMax, y);
  }
  const originM: [number, number] = [xMin - (n / 2 + padPx) * pixelSizeM, yMin - (n / 2 + padPx) * pixelSizeM];
  const objectWidth = Math.ceil((xMax - xMin) / pixelSizeM + 2 * padPx) + n;
  const objectHeight = Math.ceil((yMax - yMin) / pixelSizeM + 2 * padPx) + n;
  const maxPixels = 2 ** 28;
  if (objectWidth * objectHeight > maxPixels) {
    throw new PtyxanesError('scan area is too large for one object array (check position units: metres expected)', {
      file: label,
      field: 'geometry.positionsM',
      expected: `at most ${maxPixels} object pixels`,
      found: `${objectHeight}×${objectWidth} at ${pixelSizeM.toExponential(3)} m/pixel`,
    });
  }
  const w = windowOffsets(positionsM, n, pixelSizeM, originM);
  return { objectHeight, objectWidth, originM, pixelSizeM, ...w };
}
