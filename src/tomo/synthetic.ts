/**
 * Test and benchmark volumes: a 3D Shepp–Logan-like phantom of ellipsoids (values and
 * extents in units of the half-size, kept inside the cylinder every angle sees), and
 * evenly spaced angles over the half turn.
 */
import type { RealArray } from '../core/arrays.ts';

interface Ellipsoid {
  v: number;
  c: [number, number, number];
  r: [number, number, number];
  /** Rotation about z, degrees. */
  phiDeg: number;
}

// Kak & Slaney's 3D head phantom with positive contrasts (an attenuation volume, ≥ 0).
const ELLIPSOIDS: Ellipsoid[] = [
  { v: 1.0, c: [0, 0, 0], r: [0.69, 0.92, 0.81], phiDeg: 0 },
  { v: -0.8, c: [0, -0.0184, 0], r: [0.6624, 0.874, 0.78], phiDeg: 0 },
  { v: 0.3, c: [0.22, 0, 0], r: [0.11, 0.31, 0.22], phiDeg: -18 },
  { v: 0.3, c: [-0.22, 0, 0], r: [0.16, 0.41, 0.28], phiDeg: 18 },
  { v: 0.2, c: [0, 0.35, -0.15], r: [0.21, 0.25, 0.41], phiDeg: 0 },
  { v: 0.2, c: [0, 0.1, 0.25], r: [0.046, 0.046, 0.05], phiDeg: 0 },
  { v: 0.2, c: [0, -0.1, 0.25], r: [0.046, 0.046, 0.05], phiDeg: 0 },
  { v: 0.2, c: [-0.08, -0.605, 0], r: [0.046, 0.023, 0.05], phiDeg: 0 },
  { v: 0.2, c: [0, -0.605, 0], r: [0.023, 0.023, 0.02], phiDeg: 0 },
  { v: 0.2, c: [0.06, -0.605, 0], r: [0.023, 0.046, 0.02], phiDeg: 0 },
];

/**
 * Phantom [nz, n, n]: ellipsoid (x, y, z) coordinates scaled by `scale` (default 0.9) of
 * the half-size, so the object stays inside the reconstruction circle; `offsetVoxels`
 * (dz, dy, dx) renders it translated (exactly, not resampled).
 */
export function sheppLogan3d(n: number, nz = n, scale = 0.9, offsetVoxels: [number, number, number] = [0, 0, 0]): RealArray {
  const data = new Float32Array(nz * n * n);
  const h = (n - 1) / 2;
  const hz = (nz - 1) / 2;
  for (const e of ELLIPSOIDS) {
    const phi = (e.phiDeg * Math.PI) / 180;
    const cp = Math.cos(phi);
    const sp = Math.sin(phi);
    for (let k = 0; k < nz; k++) {
      const z = (k - offsetVoxels[0] - hz) / (hz || 1) / scale - e.c[2];
      for (let j = 0; j < n; j++) {
        const y = (j - offsetVoxels[1] - h) / h / scale - e.c[1];
        for (let i = 0; i < n; i++) {
          const x = (i - offsetVoxels[2] - h) / h / scale - e.c[0];
          const xr = x * cp + y * sp;
          const yr = -x * sp + y * cp;
          if ((xr / e.r[0]) ** 2 + (yr / e.r[1]) ** 2 + (z / e.r[2]) ** 2 <= 1) data[(k * n + j) * n + i] += e.v;
        }
      }
    }
  }
  return { data, shape: [nz, n, n] };
}

/** `n` angles evenly spaced over [0°, 180°), degrees. */
export function halfTurnAngles(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (180 * i) / n);
}
