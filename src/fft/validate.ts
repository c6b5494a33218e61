/**
 * Input checks shared by the CPU and GPU FFT paths: sizes are powers of two in
 * [MIN_FFT_SIZE, MAX_FFT_SIZE] per axis, buffers hold exactly batch × H × W complex values.
 */
import { PtyxanesError } from '../core/errors.ts';
import { isPowerOfTwo } from '../core/arrays.ts';

export type FftDirection = 'forward' | 'inverse';

/** Smallest axis length (the GPU kernel gives each invocation 16 points of a line). */
export const MIN_FFT_SIZE = 16;
/** Largest axis length: up to 1024 a line is done in workgroup memory, above that in global-memory passes. */
export const MAX_FFT_SIZE = 4096;

export function checkFftSize(n: number, field: string): void {
  if (!isPowerOfTwo(n)) {
    throw new PtyxanesError('FFT size must be a power of two', { field, expected: `a power of two in ${MIN_FFT_SIZE}..${MAX_FFT_SIZE}`, found: String(n) });
  }
  if (n < MIN_FFT_SIZE || n > MAX_FFT_SIZE) {
    throw new PtyxanesError(`FFT size ${n > MAX_FFT_SIZE ? 'above the supported maximum' : 'below the supported minimum'}`, {
      field,
      expected: `${MIN_FFT_SIZE}..${MAX_FFT_SIZE}`,
      found: String(n),
    });
  }
}

export function checkDirection(direction: unknown): asserts direction is FftDirection {
  if (direction !== 'forward' && direction !== 'inverse') {
    throw new PtyxanesError('unknown FFT direction', { field: 'direction', expected: "'forward' or 'inverse'", found: String(direction) });
  }
}

export function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 0) {
    throw new PtyxanesError('FFT batch must be a non-negative integer', { field: 'batch', expected: 'integer >= 0', found: String(batch) });
  }
}

/** Checks sizes, batch and that `length` floats are exactly batch × H × W complex values. */
export function checkFftInput(length: number, batch: number, height: number, width: number, field = 'data'): void {
  checkFftSize(height, 'height');
  checkFftSize(width, 'width');
  checkBatch(batch);
  const want = batch * height * width * 2;
  if (length !== want) {
    throw new PtyxanesError('FFT buffer length does not match batch × height × width × 2 floats (interleaved complex)', {
      field,
      expected: `${want} (${batch}×${height}×${width}×2)`,
      found: String(length),
    });
  }
}
