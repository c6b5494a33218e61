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
        const [a0, a1] = interior(x0, du, nx, nU);
        for (let u = a0; u < a1; u++) {
          const xf = x0 + u * du;
          const i0 = xf | 0;
          const v0 = vol[line + i0];
          out[row + u] += w * (v0 + (xf - i0) * (vol[line + i0 + 1] - v0));
        }
        edges(vol, line, 1, nx, x0, du, w, out, row, 0, a0);
        edges(vol, line, 1, nx, x0, du, w, out, row, a1, nU);
      }
    } else {
      // Step along x: y(u) = (u − cu − x·c)/s, slope 1/s.
      const w = 1 / Math.abs(s);
      const du = 1 / s;
      for (let ix = 0; ix < nx; ix++) {
        const x = ix - hx;
        const y0 = (-cu - x * c) / s + hy;
        const col = vOff + ix;
        const [a0, a1] = interior(y0, du, ny, nU);
        for (let u = a0; u < a1; u++) {
          const yf = y0 + u * du;
          const i0 = yf | 0;
          const v0 = vol[col + i0 * nx];
          out[row + u] += w * (v0 + (yf - i0) * (vol[col + i0 * nx + nx] - v0));
        }
        edges(vol, col, nx, ny, y0, du, w, out, row, 0, a0);
        edges(vol, col, nx, ny, y0, du, w, out, row, a1, nU);
      }
    }
  }
}

/**
 * The run [k0, k1) of k in [0, count) whose coordinate p = p0 + k·dp lies in [0, n − 1),
 * where both interpolation neighbours exist, so the hot loop needs no bounds checks (and
 * `p | 0` is floor). The rest of [0, count) goes through the checked loop.
 */
export function interior(p0: number, dp: number, n: number, count: number): [number, number] {
  if (n < 2) return [0, 0];
  let k0: number;
  let k1: number;
  if (Math.abs(dp) < 1e-12) {
    return p0 >= 0 && p0 < n - 1 ? [0, count] : [0, 0];
  } else if (dp > 0) {
    k0 = Math.ceil(-p0 / dp);
    k1 = Math.ceil((n - 1 - p0) / dp);
  } else {
    k0 = Math.floor((n - 1 - p0) / dp) + 1;
    k1 = Math.floor(-p0 / dp) + 1;
  }
  k0 = Math.max(0, Math.min(count, k0));
  k1 = Math.max(k0, Math.min(count, k1));
  // Rounding at the ends: shrink until both ends are inside (never reads out of bounds).
  while (k0 < k1 && !(p0 + k0 * dp >= 0 && p0 + k0 * dp < n - 1)) k0++;
  while (k1 > k0 && !(p0 + (k1 - 1) * dp >= 0 && p0 + (k1 - 1) * dp < n - 1)) k1--;
  return [k0, k1];
}

/**
 * The checked loop for k in [k0, k1): out[o + k] += w · (src sampled at p0 + k·dp, linear,
 * with n samples at src[base + i·stride], zero outside).
 */
function edges(src: Float32Array, base: number, stride: number, n: number, p0: number, dp: number, w: number, out: Float32Array, o: number, k0: number, k1: number): void {
  for (let k = k0; k < k1; k++) {
    const p = p0 + k * dp;
    const i0 = Math.floor(p);
    if (i0 < -1 || i0 >= n) continue;
    const v0 = i0 >= 0 ? src[base + i0 * stride] : 0;
    const v1 = i0 + 1 < n ? src[base + (i0 + 1) * stride] : 0;
    out[o + k] += w * (v0 + (p - i0) * (v1 - v0));
  }
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
      const [a0, a1] = interior(u0, c, nU, nx);
      for (let ix = a0; ix < a1; ix++) {
        const uf = u0 + ix * c;
        const i0 = uf | 0;
        const p0 = proj[row + i0];
        out[line + ix] += p0 + (uf - i0) * (proj[row + i0 + 1] - p0);
      }
      edges(proj, row, 1, nU, u0, c, 1, out, line, 0, a0);
      edges(proj, row, 1, nU, u0, c, 1, out, line, a1, nx);
    }
  }
}
