/**
 * CPU projectors for one z slice (slices are independent in parallel beam; callers loop
 * over slices and threads take slabs of them).
 *
 * Forward: ray-driven Joseph. Each ray (angle a, column u) steps one voxel at a time along
 * the slice axis closest to the ray direction, interpolates linearly across the other
 * axis (voxels outside the volume count as 0) and scales by the path length per step,
 * 1/max(|cos θ|, |sin θ|). Loops run along rows of voxels for consecutive detector
 * columns, so memory is read in order.
 * Back: voxel-driven. Each voxel adds, over angles, the projection row linearly
 * interpolated at its detector coordinate (outside the detector: 0). With unit weight this
 * is Joseph's adjoint up to the interpolation kernel (⟨Ax, y⟩ ≈ ⟨x, Aᵀy⟩ within ~1 %,
 * tested), the approximate adjoint ASTRA's SIRT uses as well.
 */
import type { TomoGeometry } from './geometry.ts';

/**
 * Projects one slice `vol[vOff …]` ([ny, nx]) into rows `out[oOff + a·aStride + u]`,
 * overwriting them (accumulate = false) or adding to them.
 */
export function forwardSlice(g: TomoGeometry, vol: Float32Array, vOff: number, out: Float32Array, oOff: number, aStride: number, accumulate = false): void {
  const { nx, ny, cols: nU, table } = g;
  const hx = (nx - 1) / 2;
  const hy = (ny - 1) / 2;
  for (let a = 0; a < g.nAngles; a++) {
    const c = table[4 * a];
    const s = table[4 * a + 1];
    const cu = table[4 * a + 2];
    const row = oOff + a * aStride;
    if (!accumulate) out.fill(0, row, row + nU);
    if (Math.abs(c) >= Math.abs(s)) {
      // Step along y: x(u) = (u − cu − y·s)/c, linear in u with slope 1/c.
      const w = 1 / Math.abs(c);
      const du = 1 / c;
      for (let iy = 0; iy < ny; iy++) {
        const y = iy - hy;
        const x0 = (-cu - y * s) / c + hx;
        const line = vOff + iy * nx;
        const [u0, u1] = uRange(x0, du, nx, nU);
        for (let u = u0; u < u1; u++) {
          const xf = x0 + u * du;
          const i0 = Math.floor(xf);
          const f = xf - i0;
          const v0 = i0 >= 0 && i0 < nx ? vol[line + i0] : 0;
          const v1 = i0 + 1 >= 0 && i0 + 1 < nx ? vol[line + i0 + 1] : 0;
          out[row + u] += w * (v0 + f * (v1 - v0));
        }
      }
    } else {
      // Step along x: y(u) = (u − cu − x·c)/s, slope 1/s.
      const w = 1 / Math.abs(s);
      const du = 1 / s;
      for (let ix = 0; ix < nx; ix++) {
        const x = ix - hx;
        const y0 = (-cu - x * c) / s + hy;
        const col = vOff + ix;
        const [u0, u1] = uRange(y0, du, ny, nU);
        for (let u = u0; u < u1; u++) {
          const yf = y0 + u * du;
          const i0 = Math.floor(yf);
          const f = yf - i0;
          const v0 = i0 >= 0 && i0 < ny ? vol[col + i0 * nx] : 0;
          const v1 = i0 + 1 >= 0 && i0 + 1 < ny ? vol[col + (i0 + 1) * nx] : 0;
          out[row + u] += w * (v0 + f * (v1 - v0));
        }
      }
    }
  }
}

/** Detector columns u whose coordinate p0 + u·dp lies in (−1, n): the rest reads only zeros. */
function uRange(p0: number, dp: number, n: number, nU: number): [number, number] {
  // p0 + u dp > −1 and < n
  let lo: number;
  let hi: number;
  if (dp > 0) {
    lo = Math.floor((-1 - p0) / dp) + 1;
    hi = Math.ceil((n - p0) / dp);
  } else {
    lo = Math.floor((n - p0) / dp) + 1;
    hi = Math.ceil((-1 - p0) / dp);
  }
  return [Math.max(0, lo - 1), Math.min(nU, hi + 1)];
}

/**
 * Back-projects rows `proj[pOff + a·aStride + u]` into one slice `out[oOff …]` ([ny, nx]),
 * overwriting it (accumulate = false) or adding to it.
 */
export function backSlice(g: TomoGeometry, proj: Float32Array, pOff: number, aStride: number, out: Float32Array, oOff: number, accumulate = false): void {
  const { nx, ny, cols: nU, table } = g;
  const hx = (nx - 1) / 2;
  const hy = (ny - 1) / 2;
  if (!accumulate) out.fill(0, oOff, oOff + nx * ny);
  for (let a = 0; a < g.nAngles; a++) {
    const c = table[4 * a];
    const s = table[4 * a + 1];
    const cu = table[4 * a + 2];
    const row = pOff + a * aStride;
    for (let iy = 0; iy < ny; iy++) {
      const u0 = -hx * c + (iy - hy) * s + cu;
      const line = oOff + iy * nx;
      for (let ix = 0; ix < nx; ix++) {
        const uf = u0 + ix * c;
        const i0 = Math.floor(uf);
        if (i0 < -1 || i0 >= nU) continue;
        const f = uf - i0;
        const p0 = i0 >= 0 ? proj[row + i0] : 0;
        const p1 = i0 + 1 < nU ? proj[row + i0 + 1] : 0;
        out[line + ix] += p0 + f * (p1 - p0);
      }
    }
  }
}
