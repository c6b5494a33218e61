/**
 * CPU projectors for a batch of B z slices at once (slices are independent in parallel
 * beam; callers take batches, threads take batches of them). Batches are interleaved,
 * slice fastest: volume [ny][nx][B], projections [nAngles][cols][B], so every
 * interpolation position and weight is computed once for B slices and the B values sit
 * side by side in memory. Measured on 128² slices from 180 angles (process CPU time):
 * forward 4.0–4.2 ns per interpolation one slice at a time, 2.4–3.0 ns in batches of 8.
 * Each slice's arithmetic is the same whatever the batch size, so results are identical.
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

/** Forward projection of a batch: vol [ny][nx][B] → out [nAngles][cols][B] (overwritten). */
export function forwardBatch(g: TomoGeometry, vol: Float32Array, out: Float32Array, B: number): void {
  const { nx, ny, cols: nU, table } = g;
  const hx = (nx - 1) / 2;
  const hy = (ny - 1) / 2;
  out.fill(0, 0, g.nAngles * nU * B);
  for (let a = 0; a < g.nAngles; a++) {
    const c = table[4 * a];
    const s = table[4 * a + 1];
    const cu = table[4 * a + 2];
    const row = a * nU * B;
    if (Math.abs(c) >= Math.abs(s)) {
      // Step along y: x(u) = (u − cu − y·s)/c, linear in u with slope 1/c; neighbours 1 apart in x.
      const w = 1 / Math.abs(c);
      const du = 1 / c;
      for (let iy = 0; iy < ny; iy++) {
        const x0 = (-cu - (iy - hy) * s) / c + hx;
        lineSamples(vol, iy * nx * B, B, nx, x0, du, w, out, row, nU, B);
      }
    } else {
      // Step along x: y(u) = (u − cu − x·c)/s, slope 1/s; neighbours nx apart.
      const w = 1 / Math.abs(s);
      const du = 1 / s;
      for (let ix = 0; ix < nx; ix++) {
        const y0 = (-cu - (ix - hx) * c) / s + hy;
        lineSamples(vol, ix * B, nx * B, ny, y0, du, w, out, row, nU, B);
      }
    }
  }
}

/** Back projection of a batch: proj [nAngles][cols][B] → out [ny][nx][B] (overwritten). */
export function backBatch(g: TomoGeometry, proj: Float32Array, out: Float32Array, B: number): void {
  const { nx, ny, cols: nU, table } = g;
  const hx = (nx - 1) / 2;
  const hy = (ny - 1) / 2;
  out.fill(0, 0, nx * ny * B);
  for (let a = 0; a < g.nAngles; a++) {
    const c = table[4 * a];
    const s = table[4 * a + 1];
    const cu = table[4 * a + 2];
    const row = a * nU * B;
    for (let iy = 0; iy < ny; iy++) {
      const u0 = -hx * c + (iy - hy) * s + cu;
      lineSamples(proj, row, B, nU, u0, c, 1, out, iy * nx * B, nx, B);
    }
  }
}

/**
 * out[o + k·B + b] += w · src(p0 + k·dp) for k in [0, count), b in [0, B): src sampled
 * linearly between n samples at src[base + i·stride + b], zero outside. The run of k whose
 * both neighbours exist (interior) goes without bounds checks (and `p | 0` is floor).
 */
function lineSamples(src: Float32Array, base: number, stride: number, n: number, p0: number, dp: number, w: number, out: Float32Array, o: number, count: number, B: number): void {
  const [k0, k1] = interior(p0, dp, n, count);
  if (B === 1) {
    for (let k = k0; k < k1; k++) {
      const p = p0 + k * dp;
      const i0 = p | 0;
      const q = base + i0 * stride;
      const v0 = src[q];
      out[o + k] += w * (v0 + (p - i0) * (src[q + stride] - v0));
    }
  } else {
    for (let k = k0; k < k1; k++) {
      const p = p0 + k * dp;
      const i0 = p | 0;
      const f = p - i0;
      const q = base + i0 * stride;
      const ok = o + k * B;
      for (let b = 0; b < B; b++) {
        const v0 = src[q + b];
        out[ok + b] += w * (v0 + f * (src[q + stride + b] - v0));
      }
    }
  }
  edges(src, base, stride, n, p0, dp, w, out, o, 0, k0, B);
  edges(src, base, stride, n, p0, dp, w, out, o, k1, count, B);
}

/** The checked loop of lineSamples for k in [k0, k1). */
function edges(src: Float32Array, base: number, stride: number, n: number, p0: number, dp: number, w: number, out: Float32Array, o: number, k0: number, k1: number, B: number): void {
  for (let k = k0; k < k1; k++) {
    const p = p0 + k * dp;
    const i0 = Math.floor(p);
    if (i0 < -1 || i0 >= n) continue;
    const f = p - i0;
    for (let b = 0; b < B; b++) {
      const v0 = i0 >= 0 ? src[base + i0 * stride + b] : 0;
      const v1 = i0 + 1 < n ? src[base + (i0 + 1) * stride + b] : 0;
      out[o + k * B + b] += w * (v0 + f * (v1 - v0));
    }
  }
}

/**
 * The run [k0, k1) of k in [0, count) whose coordinate p = p0 + k·dp lies in [0, n − 1),
 * where both interpolation neighbours exist.
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

/** Slices z0 … z0+nb of a volume [rows][ny][nx] → batch [ny][nx][B] (lanes ≥ nb zeroed). */
export function gatherVolume(vol: Float32Array, sliceLen: number, z0: number, nb: number, out: Float32Array, B: number): void {
  if (nb < B) out.fill(0);
  for (let b = 0; b < nb; b++) {
    const src = (z0 + b) * sliceLen;
    for (let i = 0; i < sliceLen; i++) out[i * B + b] = vol[src + i];
  }
}

/** Batch [ny][nx][B] → slices z0 … z0+nb of a volume. */
export function scatterVolume(batch: Float32Array, sliceLen: number, z0: number, nb: number, vol: Float32Array, B: number): void {
  for (let b = 0; b < nb; b++) {
    const dst = (z0 + b) * sliceLen;
    for (let i = 0; i < sliceLen; i++) vol[dst + i] = batch[i * B + b];
  }
}

/** Rows z0 … z0+nb of projections [nAngles][rows][cols] → batch [nAngles][cols][B]. */
export function gatherProjections(g: TomoGeometry, proj: Float32Array, z0: number, nb: number, out: Float32Array, B: number): void {
  if (nb < B) out.fill(0);
  const nU = g.cols;
  for (let a = 0; a < g.nAngles; a++)
    for (let b = 0; b < nb; b++) {
      const src = (a * g.rows + z0 + b) * nU;
      const dst = a * nU * B + b;
      for (let u = 0; u < nU; u++) out[dst + u * B] = proj[src + u];
    }
}

/** Batch [nAngles][cols][B] → rows z0 … z0+nb of projections. */
export function scatterProjections(g: TomoGeometry, batch: Float32Array, z0: number, nb: number, proj: Float32Array, B: number): void {
  const nU = g.cols;
  for (let a = 0; a < g.nAngles; a++)
    for (let b = 0; b < nb; b++) {
      const dst = (a * g.rows + z0 + b) * nU;
      const src = a * nU * B + b;
      for (let u = 0; u < nU; u++) proj[dst + u] = batch[src + u * B];
    }
}
