/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, "Distance
 * Transforms of Sampled Functions"): the squared distance is separable, so one 1D lower
 * envelope of parabolas per line and axis gives the exact result in O(n) per axis, for 2D
 * maps and 3D volumes alike, with anisotropic voxels (positions scaled by the spacing).
 */
import { checkShape, spacingPerAxis, shapeSize, strides, type Spacing } from './grid.ts';

const BIG = 1e30;

/**
 * Distance (m, or pixels with spacing 1) from every voxel where `inside` is true to the
 * nearest voxel where it is false; 0 outside. Voxels beyond the array are not background
 * (a crystal cut by the border keeps its depth there): with no background voxel at all
 * the result is +Infinity inside.
 */
export function distanceTransform(inside: Uint8Array, shape: readonly number[], spacing: Spacing = 1): Float64Array {
  checkShape(inside, shape, 'mask');
  const sp = spacingPerAxis(spacing, shape.length);
  const n = shapeSize(shape);
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = inside[i] ? BIG : 0;
  const st = strides(shape);
  const maxLen = Math.max(...shape);
  const line = new Float64Array(maxLen);
  const out = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const z = new Float64Array(maxLen + 1);
  for (let a = 0; a < shape.length; a++) {
    const len = shape[a];
    if (len === 1) continue;
    const stride = st[a];
    // Every line along axis a: start indices are all voxels whose coordinate a is 0.
    const nLines = n / len;
    for (let l = 0; l < nLines; l++) {
      const start = (l % stride) + Math.floor(l / stride) * stride * len;
      for (let k = 0; k < len; k++) line[k] = f[start + k * stride];
      envelope1d(line, len, sp[a], out, v, z);
      for (let k = 0; k < len; k++) f[start + k * stride] = out[k];
    }
  }
  for (let i = 0; i < n; i++) f[i] = f[i] >= BIG * 0.5 ? Infinity : Math.sqrt(f[i]);
  return f;
}

/** 1D squared-distance transform of sampled function g (positions k·h) into out. */
function envelope1d(g: Float64Array, len: number, h: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < len; q++) {
    if (g[q] >= BIG) continue; // an infinite parabola never enters the envelope
    const pq = q * h;
    while (k >= 0) {
      const pv = v[k] * h;
      const s = (g[q] + pq * pq - (g[v[k]] + pv * pv)) / (2 * (pq - pv));
      if (s <= z[k]) k--;
      else {
        k++;
        v[k] = q;
        z[k] = s;
        z[k + 1] = Infinity;
        break;
      }
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
    }
  }
  if (k < 0) {
    for (let q = 0; q < len; q++) out[q] = BIG;
    return;
  }
  let j = 0;
  for (let q = 0; q < len; q++) {
    const x = q * h;
    while (z[j + 1] < x) j++;
    const d = x - v[j] * h;
    out[q] = d * d + g[v[j]];
  }
}
