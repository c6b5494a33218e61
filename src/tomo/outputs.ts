/**
 * What `ptyxanes tomo` leaves in its output folder, written atomically: the volume as a
 * float32 TIFF [z, y, x] with the voxel size (Fiji/Napari open it as a volume), aligned
 * projections, shifts.csv, the residual and shift-update curves (CSV + PNG), orthogonal
 * slices through the volume centre (PNG) and summary.json.
 */
import { join } from 'node:path';
import type { RealArray } from '../core/arrays.ts';
import type { ColormapName } from '../io/colormaps.ts';
import { writeFileAtomic, writeJson } from '../io/files.ts';
import { renderMapWithColorbar } from '../io/pictures.ts';
import { renderLinePlot } from '../io/plots.ts';
import { writePng } from '../io/png.ts';
import { writeTiff } from '../io/tiff.ts';
import type { AlignPass } from './align.ts';

/** Volume values at the 0.5 and 99.5 percentiles (robust display range). */
export function displayRange(data: Float32Array): [number, number] {
  const step = Math.max(1, Math.floor(data.length / 200_000));
  const s: number[] = [];
  for (let i = 0; i < data.length; i += step) if (Number.isFinite(data[i])) s.push(data[i]);
  if (!s.length) return [0, 1];
  s.sort((a, b) => a - b);
  const lo = s[Math.floor(0.005 * (s.length - 1))];
  const hi = s[Math.ceil(0.995 * (s.length - 1))];
  return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
}

/**
 * Orthogonal slices through (z, y, x) = centre: xy | xz | yz side by side, NaN gaps,
 * as one map [rows, cols].
 */
export function orthogonalMosaic(vol: RealArray, at?: [number, number, number]): { data: Float32Array; width: number; height: number; at: [number, number, number] } {
  const [nz, ny, nx] = vol.shape;
  const [kz, ky, kx] = at ?? [Math.floor(nz / 2), Math.floor(ny / 2), Math.floor(nx / 2)];
  const gap = 4;
  const width = nx + gap + nx + gap + ny;
  const height = Math.max(ny, nz);
  const out = new Float32Array(width * height).fill(NaN);
  const v = vol.data;
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) out[y * width + x] = v[(kz * ny + y) * nx + x];
  for (let z = 0; z < nz; z++) for (let x = 0; x < nx; x++) out[z * width + nx + gap + x] = v[(z * ny + ky) * nx + x];
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) out[z * width + 2 * (nx + gap) + y] = v[(z * ny + y) * nx + kx];
  return { data: out, width, height, at: [kz, ky, kx] };
}

export async function writeOrthogonalSlices(path: string, vol: RealArray, label: string, range?: [number, number], cmap: ColormapName = 'gray'): Promise<void> {
  const m = orthogonalMosaic(vol);
  const [lo, hi] = range ?? displayRange(vol.data);
  const pic = renderMapWithColorbar(m.data, m.width, m.height, { min: lo, max: hi, cmap, label, title: `slices z=${m.at[0]} (x right, y down) | y=${m.at[1]} (x, z down) | x=${m.at[2]} (y, z down)` });
  await writePng(path, pic.rgba, pic.width, pic.height);
}

export interface TomoOutputs {
  volume: RealArray;
  voxelSizeM?: number;
  anglesDeg: Float64Array;
  aligned?: RealArray;
  shifts?: Float64Array;
  residuals?: Float64Array;
  passes?: AlignPass[];
  summary: Record<string, unknown>;
}

export async function writeTomoOutputs(dir: string, o: TomoOutputs): Promise<string[]> {
  const files: string[] = [];
  const put = (f: string) => (files.push(f), join(dir, f));
  const meta = { pixelSizeM: o.voxelSizeM, spacingM: o.voxelSizeM };
  await writeTiff(put('volume.tif'), o.volume, { ...meta, description: 'tomography volume [z, y, x]: line integral per voxel length (divide by the voxel size in m for 1/m)' });
  await writeOrthogonalSlices(put('slices.png'), o.volume, 'per voxel');
  if (o.aligned) await writeTiff(put('aligned_projections.tif'), o.aligned, { pixelSizeM: o.voxelSizeM, description: 'projections [angle, rows, cols] shifted once by shifts.csv' });
  if (o.shifts) {
    const rows = ['index,angle_deg,shift_rows_px,shift_cols_px'];
    for (let a = 0; a < o.anglesDeg.length; a++) rows.push(`${a},${o.anglesDeg[a]},${o.shifts[2 * a]},${o.shifts[2 * a + 1]}`);
    await writeFileAtomic(put('shifts.csv'), rows.join('\n') + '\n');
  }
  if (o.residuals?.length) {
    const rows = ['iteration,residual'];
    o.residuals.forEach((r, k) => rows.push(`${k},${r}`));
    await writeFileAtomic(put('residuals.csv'), rows.join('\n') + '\n');
    const pic = renderLinePlot({ series: [{ x: Array.from(o.residuals, (_, k) => k), y: Array.from(o.residuals, (r) => Math.log10(Math.max(r, 1e-30))), label: 'SIRT' }], xLabel: 'iteration', yLabel: 'log10 residual ||p - FP(x)||', title: 'SIRT residual' });
    await writePng(put('residuals.png'), pic.rgba, pic.width, pic.height);
  }
  if (o.passes?.length) {
    const rows = ['pass,level_bin,max_update_px,rms_update_px,residual,centre_col'];
    o.passes.forEach((p, i) => rows.push(`${i},${p.level},${p.maxUpdatePx},${p.rmsUpdatePx},${p.residual},${p.centreCol}`));
    await writeFileAtomic(put('alignment.csv'), rows.join('\n') + '\n');
    const x = o.passes.map((_, i) => i + 1);
    const pic = renderLinePlot({
      series: [
        { x, y: o.passes.map((p) => Math.log10(Math.max(p.maxUpdatePx, 1e-4))), label: 'largest update' },
        { x, y: o.passes.map((p) => Math.log10(Math.max(p.rmsUpdatePx, 1e-4))), label: 'RMS update' },
      ],
      xLabel: 'alignment pass',
      yLabel: 'log10 shift update (px)',
      title: 'alignment by reprojection',
    });
    await writePng(put('alignment.png'), pic.rgba, pic.width, pic.height);
  }
  await writeJson(put('summary.json'), { ...o.summary, files });
  return files;
}
