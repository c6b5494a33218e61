/**
 * Area-weighted (pixel-integrating) resampling between 2D grids of different pixel size,
 * with a translation: how the phantom, rendered once on a fine grid, is brought to each
 * energy's object pixel size λz/(N·dpix) and shifted by that energy's drift. Each target
 * pixel is the mean of the source over its footprint (source pixels partly covered count
 * by the covered fraction; outside the source grid counts as empty).
 */
import type { Grid2d } from './render.ts';

/** Sparse weights of one axis: for target i, source indices idx[start[i] .. start[i+1]). */
interface AxisWeights {
  start: Int32Array;
  idx: Int32Array;
  w: Float64Array;
}

function axisWeights(nDst: number, dstOrigin: number, dstPixel: number, nSrc: number, srcOrigin: number, srcPixel: number, shift: number): AxisWeights {
  const start = new Int32Array(nDst + 1);
  const idx: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < nDst; i++) {
    start[i] = idx.length;
    // Footprint of target pixel i in the sample frame (object(x) = phantom(x − shift)),
    // in source pixel units where source pixel k covers [k, k + 1).
    const x = dstOrigin + i * dstPixel - shift;
    const u0 = (x - dstPixel / 2 - srcOrigin) / srcPixel + 0.5;
    const u1 = (x + dstPixel / 2 - srcOrigin) / srcPixel + 0.5;
    const span = u1 - u0;
    for (let k = Math.max(0, Math.floor(u0)); k < Math.min(nSrc, Math.ceil(u1)); k++) {
      const overlap = Math.min(u1, k + 1) - Math.max(u0, k);
      if (overlap > 0) {
        idx.push(k);
        w.push(overlap / span);
      }
    }
  }
  start[nDst] = idx.length;
  return { start, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

/** Resampler from `src` to `dst` grid for a translation (m) of the content. */
export class AreaResampler {
  private readonly wx: AxisWeights;
  private readonly wy: AxisWeights;

  constructor(
    readonly src: Grid2d,
    readonly dst: Grid2d,
    shiftM: [number, number] = [0, 0],
  ) {
    this.wx = axisWeights(dst.nx, dst.originM[0], dst.pixelM, src.nx, src.originM[0], src.pixelM, shiftM[0]);
    this.wy = axisWeights(dst.ny, dst.originM[1], dst.pixelM, src.ny, src.originM[1], src.pixelM, shiftM[1]);
  }

  /** Resamples one [src.ny, src.nx] map to [dst.ny, dst.nx]. */
  apply(map: Float32Array, out = new Float32Array(this.dst.nx * this.dst.ny)): Float32Array {
    const { src, dst, wx, wy } = this;
    const rows = new Float64Array(src.ny * dst.nx);
    for (let r = 0; r < src.ny; r++) {
      const base = r * src.nx;
      for (let i = 0; i < dst.nx; i++) {
        let s = 0;
        for (let q = wx.start[i]; q < wx.start[i + 1]; q++) s += wx.w[q] * map[base + wx.idx[q]];
        rows[r * dst.nx + i] = s;
      }
    }
    out.fill(0);
    for (let j = 0; j < dst.ny; j++) {
      for (let q = wy.start[j]; q < wy.start[j + 1]; q++) {
        const wq = wy.w[q];
        const rb = wy.idx[q] * dst.nx;
        for (let i = 0; i < dst.nx; i++) out[j * dst.nx + i] += wq * rows[rb + i];
      }
    }
    return out;
  }

  /** Nearest-neighbour sampling at target pixel centres (for labels). */
  nearest(map: Float32Array): Float32Array {
    const { src, dst } = this;
    const out = new Float32Array(dst.nx * dst.ny);
    const col = (i: number) => centreIndex(this.wx, i);
    const cols = Int32Array.from({ length: dst.nx }, (_, i) => col(i));
    for (let j = 0; j < dst.ny; j++) {
      const r = centreIndex(this.wy, j);
      if (r < 0) continue;
      for (let i = 0; i < dst.nx; i++) if (cols[i] >= 0) out[j * dst.nx + i] = map[r * src.nx + cols[i]];
    }
    return out;
  }
}

/** Source index with the largest weight for target i (−1 if none). */
function centreIndex(w: AxisWeights, i: number): number {
  let best = -1;
  let bw = 0;
  for (let q = w.start[i]; q < w.start[i + 1]; q++) if (w.w[q] > bw) [best, bw] = [w.idx[q], w.w[q]];
  return best;
}
