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

/**
 * A volume [nz, ny, nx] averaged over b×b×b blocks (far-end remainders dropped): the block
 * starting at voxel k·b has its centre at k·b + (b − 1)/2, the same for every volume binned
 * alike, so a shift between two binned volumes is the full-size shift divided by b.
 */
export function binVolume(v: RealArray, b: number): RealArray {
  if (b === 1) return v;
  const [nz, ny, nx] = v.shape;
  const zb = Math.floor(nz / b);
  const yb = Math.floor(ny / b);
  const xb = Math.floor(nx / b);
  const out = new Float32Array(zb * yb * xb);
  const row = new Float64Array(xb);
  const scale = 1 / (b * b * b);
  for (let z = 0; z < zb; z++) {
    for (let y = 0; y < yb; y++) {
      row.fill(0);
      for (let dz = 0; dz < b; dz++) {
        for (let dy = 0; dy < b; dy++) {
          const src = ((z * b + dz) * ny + y * b + dy) * nx;
          for (let x = 0; x < xb; x++) {
            let s = 0;
            for (let dx = 0; dx < b; dx++) s += v.data[src + x * b + dx];
            row[x] += s;
          }
        }
      }
      const o = (z * yb + y) * xb;
      for (let x = 0; x < xb; x++) out[o + x] = row[x] * scale;
    }
  }
  return { data: out, shape: [zb, yb, xb] };
}
