/**
 * A cut-away rendering of a state volume (the reference paper's Fig. 3a): the volume seen
 * obliquely (orthographic, from 35° azimuth and 25° elevation) with the quarter facing the
 * viewer removed, so the crystals' interiors show on the cut faces. Software ray marching:
 * each ray stops at the first voxel with a value (NaN voxels are empty), coloured by that
 * value and darkened with depth.
 */
import type { RealArray } from '../core/arrays.ts';
import { renderMapWithColorbar } from '../io/pictures.ts';
import type { ColormapName } from '../io/colormaps.ts';
import { writePng } from '../io/png.ts';

export interface CutawayOptions {
  azimuthDeg?: number;
  elevationDeg?: number;
  /** Rays per voxel along each image axis (default 3). */
  raysPerVoxel?: number;
  range: [number, number];
  cmap: ColormapName;
  label: string;
}

/** Volume [z (down), y, x] → value image and shading [S, S] of the first hit along each ray. */
export function renderCutaway(vol: RealArray, opts: Omit<CutawayOptions, 'range' | 'cmap' | 'label'> = {}): { values: Float32Array; shade: Float32Array; size: number } {
  const [nz, ny, nx] = vol.shape;
  const az = ((opts.azimuthDeg ?? 35) * Math.PI) / 180;
  const el = ((opts.elevationDeg ?? 25) * Math.PI) / 180;
  const k = opts.raysPerVoxel ?? 3;
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  const cz = (nz - 1) / 2;
  // World: X = x − cx, Y = y − cy, U = cz − z (up). The camera sits towards +X, −Y, +U.
  const cam = [Math.cos(el) * Math.sin(az), -Math.cos(el) * Math.cos(az), Math.sin(el)];
  const d = cam.map((v) => -v);
  const up = [0, 0, 1];
  let r = [d[1] * up[2] - d[2] * up[1], d[2] * up[0] - d[0] * up[2], d[0] * up[1] - d[1] * up[0]];
  const rn = Math.hypot(r[0], r[1], r[2]);
  r = r.map((v) => v / rn);
  const u = [r[1] * d[2] - r[2] * d[1], r[2] * d[0] - r[0] * d[2], r[0] * d[1] - r[1] * d[0]];
  const R = Math.hypot(nx, ny, nz) / 2 + 1;
  const size = Math.ceil(2 * R * k);
  const values = new Float32Array(size * size).fill(NaN);
  const shade = new Float32Array(size * size).fill(1);
  const step = 0.3;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const a = (i + 0.5) / k - R;
      const b = R - (j + 0.5) / k;
      const p0 = [a * r[0] + b * u[0] - R * d[0], a * r[1] + b * u[1] - R * d[1], a * r[2] + b * u[2] - R * d[2]];
      for (let t = 0; t < 2 * R; t += step) {
        const X = p0[0] + t * d[0];
        const Y = p0[1] + t * d[1];
        const U = p0[2] + t * d[2];
        // The quarter facing the viewer is cut away.
        if (X > 0 && Y < 0) continue;
        const ix = Math.round(X + cx);
        const iy = Math.round(Y + cy);
        const iz = Math.round(cz - U);
        if (ix < 0 || iy < 0 || iz < 0 || ix >= nx || iy >= ny || iz >= nz) continue;
        const v = vol.data[(iz * ny + iy) * nx + ix];
        if (!Number.isFinite(v)) continue;
        values[j * size + i] = v;
        shade[j * size + i] = 1 - (0.55 * t) / (2 * R);
        break;
      }
    }
  }
  return { values, shade, size };
}

export async function writeCutaway(path: string, vol: RealArray, opts: CutawayOptions): Promise<void> {
  const c = renderCutaway(vol, opts);
  const pic = renderMapWithColorbar(c.values, c.size, c.size, { min: opts.range[0], max: opts.range[1], cmap: opts.cmap, label: opts.label, shade: c.shade, title: 'cut-away: a quarter removed' });
  await writePng(path, pic.rgba, pic.width, pic.height);
}
