/**
 * Separable Gaussian smoothing of each volume of a stack [n, z, y, x] (edges clamped):
 * per-voxel spectra from a few-angle SIRT are noisy, and averaging neighbouring voxels
 * of the same crystal trades a little resolution for a less noisy edge position.
 */
import type { RealArray } from '../core/arrays.ts';

function kernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Smooths along one axis of a [d0, d1, d2] block in place (axis 0, 1 or 2). */
function pass(v: Float32Array, dims: [number, number, number], axis: number, k: Float64Array, tmp: Float64Array): void {
  const r = (k.length - 1) / 2;
  const n = dims[axis];
  const stride = axis === 0 ? dims[1] * dims[2] : axis === 1 ? dims[2] : 1;
  const others = (dims[0] * dims[1] * dims[2]) / n;
  for (let o = 0; o < others; o++) {
    // Start index of the o-th line along `axis`.
    let base: number;
    if (axis === 2) base = o * dims[2];
    else if (axis === 1) base = Math.floor(o / dims[2]) * dims[1] * dims[2] + (o % dims[2]);
    else base = o;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = -r; j <= r; j++) s += k[j + r] * v[base + Math.min(n - 1, Math.max(0, i + j)) * stride];
      tmp[i] = s;
    }
    for (let i = 0; i < n; i++) v[base + i * stride] = tmp[i];
  }
}

/** Kernel radius (voxels) of the smoothing at σ: the halo a z slab needs to smooth exactly as the whole volume. */
export function smoothingRadius(sigmaVoxels: number): number {
  return sigmaVoxels > 0 ? Math.max(1, Math.ceil(3 * sigmaVoxels)) : 0;
}

export function smoothVolumes(stack: RealArray, sigmaVoxels: number): RealArray {
  if (!(sigmaVoxels > 0)) return stack;
  const out = Float32Array.from(stack.data);
  smoothVolumesInPlace(out, stack.shape, sigmaVoxels);
  return { data: out, shape: [...stack.shape] };
}

/**
 * The same in place, on [n, z, y, x] (or [z, y, x]). A z slab read with `smoothingRadius`
 * planes of halo on each side (fewer at the volume's faces, which clamp alike) gives its
 * inner planes exactly as the whole volume would: z is smoothed first, and y, x within planes.
 */
export function smoothVolumesInPlace(data: Float32Array, shape: readonly number[], sigmaVoxels: number): void {
  if (!(sigmaVoxels > 0)) return;
  const [n, nz, ny, nx] = shape.length === 4 ? shape : [1, ...shape];
  const k = kernel(sigmaVoxels);
  const tmp = new Float64Array(Math.max(nz, ny, nx));
  const vox = nz * ny * nx;
  for (let i = 0; i < n; i++) {
    const v = data.subarray(i * vox, (i + 1) * vox);
    for (const axis of [0, 1, 2]) pass(v, [nz, ny, nx], axis, k, tmp);
  }
}
