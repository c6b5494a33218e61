/**
 * Binning for coarse-to-fine alignment: projections averaged over b×b detector pixels and
 * divided by b (a binned voxel is b voxel lengths, so values stay line integrals in voxel
 * units). Rows and columns that do not fill a whole bin are dropped at the far end; the
 * axis position maps as (c + 0.5)/b − 0.5.
 */
import type { RealArray } from '../core/arrays.ts';

export function binProjections(p: RealArray, b: number): RealArray {
  if (b === 1) return p;
  const [n, h, w] = p.shape;
  const hb = Math.floor(h / b);
  const wb = Math.floor(w / b);
  const out = new Float32Array(n * hb * wb);
  const scale = 1 / (b * b * b);
  for (let a = 0; a < n; a++) {
    for (let y = 0; y < hb; y++) {
      const o = (a * hb + y) * wb;
      for (let dy = 0; dy < b; dy++) {
        const src = (a * h + y * b + dy) * w;
        for (let x = 0; x < wb; x++) {
          let s = 0;
          for (let dx = 0; dx < b; dx++) s += p.data[src + x * b + dx];
          out[o + x] += s;
        }
      }
      for (let x = 0; x < wb; x++) out[o + x] *= scale;
    }
  }
  return { data: out, shape: [n, hb, wb] };
}

/** Axis column on a grid binned by b. */
export function binnedCentre(centreCol: number, b: number): number {
  return (centreCol + 0.5) / b - 0.5;
}
