/**
 * fftshift / ifftshift over the last two axes of batched interleaved complex frames (numpy's
 * definitions: fftshift rolls each axis by floor(n/2), ifftshift by -floor(n/2); the two are
 * the same for even sizes). Any size ≥ 1 works, not only powers of two.
 */
import { PtyxanesError } from '../core/errors.ts';

function checkShiftInput(data: Float32Array, batch: number, height: number, width: number, out: Float32Array): void {
  for (const [field, v] of [['batch', batch], ['height', height], ['width', width]] as const) {
    const ok = Number.isInteger(v) && (field === 'batch' ? v >= 0 : v >= 1);
    if (!ok) throw new PtyxanesError('fftshift size must be a positive integer', { field, expected: 'integer >= 1', found: String(v) });
  }
  const want = 2 * batch * height * width;
  if (data.length !== want) throw new PtyxanesError('fftshift data length does not match batch × height × width × 2', { field: 'data', expected: String(want), found: String(data.length) });
  if (out.length !== want) throw new PtyxanesError('fftshift output length does not match the input', { field: 'out', expected: String(want), found: String(out.length) });
  if (out.buffer === data.buffer && out.byteOffset < data.byteOffset + data.byteLength && data.byteOffset < out.byteOffset + out.byteLength) {
    throw new PtyxanesError('fftshift output must not overlap its input', { field: 'out' });
  }
}

/** out[(y + sy) % h, (x + sx) % w] = in[y, x] for every frame. */
function roll2d(data: Float32Array, batch: number, h: number, w: number, sy: number, sx: number, out: Float32Array): Float32Array {
  const frame = 2 * h * w;
  for (let b = 0; b < batch; b++) {
    const base = b * frame;
    for (let y = 0; y < h; y++) {
      const src = base + 2 * y * w;
      const dst = base + 2 * ((y + sy) % h) * w;
      // Two contiguous runs per row: [0, w - sx) -> [sx, w) and [w - sx, w) -> [0, sx).
      out.set(data.subarray(src, src + 2 * (w - sx)), dst + 2 * sx);
      out.set(data.subarray(src + 2 * (w - sx), src + 2 * w), dst);
    }
  }
  return out;
}

/** Moves zero frequency from index 0 to the centre (h/2, w/2). Returns a new array (or fills `out`). */
export function fftshift2d(data: Float32Array, batch: number, height: number, width: number, out = new Float32Array(data.length)): Float32Array {
  checkShiftInput(data, batch, height, width, out);
  return roll2d(data, batch, height, width, Math.floor(height / 2), Math.floor(width / 2), out);
}

/** Inverse of fftshift2d: moves the centre back to index 0. Returns a new array (or fills `out`). */
export function ifftshift2d(data: Float32Array, batch: number, height: number, width: number, out = new Float32Array(data.length)): Float32Array {
  checkShiftInput(data, batch, height, width, out);
  return roll2d(data, batch, height, width, height - Math.floor(height / 2), width - Math.floor(width / 2), out);
}
