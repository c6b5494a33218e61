/**
 * Separable resampling: per axis, each output sample is a short weighted sum of input
 * samples (interpolation or area average), or undefined (filled, NaN by default) when it
 * falls outside the input. Applying the two axes' weights one after the other gives 2D
 * shifts and rescaling without 2D loops over kernels.
 */
export type InterpolationOrder = 'bilinear' | 'bicubic';

export interface AxisWeights {
  nIn: number;
  nOut: number;
  /** Output j uses input indices index[start[j]..start[j+1]) with weights weight[...]; none = undefined. */
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

const EDGE_TOL = 1e-9;

class WeightsBuilder {
  private readonly start: number[] = [0];
  private readonly index: number[] = [];
  private readonly weight: number[] = [];
  add(i: number, w: number): void {
    this.index.push(i);
    this.weight.push(w);
  }
  next(): void {
    this.start.push(this.index.length);
  }
  build(nIn: number): AxisWeights {
    return { nIn, nOut: this.start.length - 1, start: Int32Array.from(this.start), index: Int32Array.from(this.index), weight: Float64Array.from(this.weight) };
  }
}

/** Keys cubic convolution kernel, a = −0.5 (Catmull-Rom): interpolating, third-order accurate. */
function cubic(t: number): number {
  const x = Math.abs(t);
  if (x < 1) return (1.5 * x - 2.5) * x * x + 1;
  if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
  return 0;
}

/**
 * Interpolation at source coordinates `pos` (input index units, 0 = centre of sample 0).
 * Positions outside [0, nIn−1] are undefined, or with `clamp` take the edge value (for
 * rescaling, where the half pixel beyond the outer centres is still inside the image);
 * near the edges the cubic's outer neighbours are clamped to the edge sample.
 */
export function interpolationWeights(nIn: number, pos: ArrayLike<number>, order: InterpolationOrder, clamp = false): AxisWeights {
  const b = new WeightsBuilder();
  for (let j = 0; j < pos.length; j++) {
    let p = pos[j];
    if (!clamp && !(p >= -EDGE_TOL && p <= nIn - 1 + EDGE_TOL)) {
      b.next();
      continue;
    }
    p = Math.min(Math.max(p, 0), nIn - 1);
    const i0 = Math.floor(p);
    const t = p - i0;
    if (t < EDGE_TOL) {
      b.add(i0, 1);
    } else if (order === 'bilinear') {
      b.add(i0, 1 - t);
      b.add(Math.min(i0 + 1, nIn - 1), t);
    } else {
      for (let k = -1; k <= 2; k++) b.add(Math.min(Math.max(i0 + k, 0), nIn - 1), cubic(t - k));
    }
    b.next();
  }
  return b.build(nIn);
}

/**
 * Area average: output sample j covers [dst0 + (j − ½)·dstStep, dst0 + (j + ½)·dstStep) in
 * physical units; input sample i covers the same with src0, srcStep. Each output is the
 * overlap-weighted mean of the inputs it covers (undefined unless fully covered), so the
 * mean of a region is kept (flux per area).
 */
export function areaWeights(nIn: number, src0: number, srcStep: number, nOut: number, dst0: number, dstStep: number): AxisWeights {
  const b = new WeightsBuilder();
  const lo0 = src0 - srcStep / 2;
  const hi0 = src0 + (nIn - 0.5) * srcStep;
  for (let j = 0; j < nOut; j++) {
    const a = dst0 + (j - 0.5) * dstStep;
    const z = a + dstStep;
    // Relative tolerance: grids derived from the same field of view meet its edges up to rounding.
    const tol = 1e-6 * srcStep;
    if (a < lo0 - tol || z > hi0 + tol) {
      b.next();
      continue;
    }
    const iFirst = Math.max(0, Math.floor((a - lo0) / srcStep));
    const iLast = Math.min(nIn - 1, Math.ceil((z - lo0) / srcStep) - 1);
    for (let i = iFirst; i <= iLast; i++) {
      const overlap = Math.min(z, lo0 + (i + 1) * srcStep) - Math.max(a, lo0 + i * srcStep);
      if (overlap > 0) b.add(i, overlap / dstStep);
    }
    b.next();
  }
  return b.build(nIn);
}

/** Applies row weights (along y) and column weights (along x) to one [h, w] image. */
export function applySeparable(src: Float32Array, srcOffset: number, h: number, w: number, ry: AxisWeights, rx: AxisWeights, fill: number, out: Float32Array, outOffset: number): void {
  const ow = rx.nOut;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    const so = srcOffset + y * w;
    for (let j = 0; j < ow; j++) {
      const s = rx.start[j];
      const e = rx.start[j + 1];
      let acc = s === e ? NaN : 0;
      for (let q = s; q < e; q++) acc += rx.weight[q] * src[so + rx.index[q]];
      tmp[y * ow + j] = acc;
    }
  }
  for (let i = 0; i < ry.nOut; i++) {
    const s = ry.start[i];
    const e = ry.start[i + 1];
    const oo = outOffset + i * ow;
    for (let j = 0; j < ow; j++) {
      if (s === e) {
        out[oo + j] = fill;
        continue;
      }
      let acc = 0;
      for (let q = s; q < e; q++) acc += ry.weight[q] * tmp[ry.index[q] * ow + j];
      out[oo + j] = Number.isNaN(acc) ? fill : acc;
    }
  }
}
