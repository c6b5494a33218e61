/**
 * Typed arrays with explicit shapes. Complex data is interleaved float32 (re, im) pairs,
 * the same layout on CPU and GPU, so data moves without repacking. Shapes are row-major,
 * last axis fastest; a complex array's shape counts complex elements, not floats.
 */
export type Shape = readonly number[];

export interface RealArray {
  data: Float32Array;
  shape: Shape;
}

export interface ComplexArray {
  /** Interleaved (re, im) pairs: data.length === 2 * product(shape). */
  data: Float32Array;
  shape: Shape;
}

export function product(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function realArray(shape: Shape, data?: Float32Array): RealArray {
  const n = product(shape);
  if (data && data.length !== n) throw new RangeError(`realArray: data length ${data.length} does not match shape [${shape}] (${n})`);
  return { data: data ?? new Float32Array(n), shape: [...shape] };
}

export function complexArray(shape: Shape, data?: Float32Array): ComplexArray {
  const n = 2 * product(shape);
  if (data && data.length !== n) throw new RangeError(`complexArray: data length ${data.length} does not match 2×shape [${shape}] (${n})`);
  return { data: data ?? new Float32Array(n), shape: [...shape] };
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Modulus of an interleaved complex array. */
export function abs(c: ComplexArray): RealArray {
  const out = new Float32Array(c.data.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Math.hypot(c.data[2 * i], c.data[2 * i + 1]);
  return { data: out, shape: [...c.shape] };
}

/** Phase (radians) of an interleaved complex array. */
export function angle(c: ComplexArray): RealArray {
  const out = new Float32Array(c.data.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Math.atan2(c.data[2 * i + 1], c.data[2 * i]);
  return { data: out, shape: [...c.shape] };
}
