/**
 * What `ptyxanes tomo` leaves in its output folder, written atomically: the volume as a
 * float32 TIFF [z, y, x] with the voxel size (Fiji/Napari open it as a volume; a streamed
 * reconstruction writes it slab by slab itself), aligned
 * projections, shifts.csv, the residual and shift-update curves (CSV + PNG), orthogonal
 * slices through the volume centre (PNG) and summary.json.
 */
import { join } from 'node:path';
import type { RealArray } from '../core/arrays.ts';
import { writeFileAtomic, writeJson } from '../io/files.ts';
import { renderMapWithColorbar, type ColormapName } from '../io/pictures.ts';
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
 * The three orthogonal planes through a volume's centre, gathered slab by slab as a
 * streaming reconstruction writes them (or all at once), so the picture never needs the
 * whole volume in memory.
 */
export class OrthogonalPlanes {
  readonly at: [number, number, number];
  readonly xy: Float32Array;
  readonly xz: Float32Array;
  readonly yz: Float32Array;
  /** A sparse sample of values for the display range. */
  private readonly sample: number[] = [];

  constructor(readonly shape: readonly [number, number, number]) {
    const [nz, ny, nx] = shape;
    this.at = [Math.floor(nz / 2), Math.floor(ny / 2), Math.floor(nx / 2)];
    this.xy = new Float32Array(ny * nx);
    this.xz = new Float32Array(nz * nx);
    this.yz = new Float32Array(nz * ny);
  }

  add(z0: number, n: number, slab: Float32Array): void {
    const [, ny, nx] = this.shape;
    const [kz, ky, kx] = this.at;
    for (let k = 0; k < n; k++) {
      const z = z0 + k;
      const off = k * ny * nx;
      if (z === kz) this.xy.set(slab.subarray(off, off + ny * nx));
      this.xz.set(slab.subarray(off + ky * nx, off + (ky + 1) * nx), z * nx);
      for (let y = 0; y < ny; y++) this.yz[z * ny + y] = slab[off + y * nx + kx];
    }
    const step = Math.max(1, Math.floor((this.shape[0] * ny * nx) / 200_000));
    for (let i = 0; i < n * ny * nx; i += step) this.sample.push(slab[i]);
  }

  static of(vol: RealArray): OrthogonalPlanes {
    const p = new OrthogonalPlanes(vol.shape as [number, number, number]);
    p.add(0, vol.shape[0], vol.data);
    return p;
  }

  range(): [number, number] {
    return displayRange(Float32Array.from(this.sample));
  }

  /** xy | xz | yz side by side with NaN gaps, as one map. */
  mosaic(): { data: Float32Array; width: number; height: number } {
    const [nz, ny, nx] = this.shape;
    const gap = 4;
    const width = nx + gap + nx + gap + ny;
    const height = Math.max(ny, nz);
    const out = new Float32Array(width * height).fill(NaN);
    for (let y = 0; y < ny; y++) out.set(this.xy.subarray(y * nx, (y + 1) * nx), y * width);
    for (let z = 0; z < nz; z++) out.set(this.xz.subarray(z * nx, (z + 1) * nx), z * width + nx + gap);
    for (let z = 0; z < nz; z++) out.set(this.yz.subarray(z * ny, (z + 1) * ny), z * width + 2 * (nx + gap));
    return { data: out, width, height };
  }
}

export async function writeOrthogonalSlices(path: string, vol: RealArray | OrthogonalPlanes, label: string, range?: [number, number], cmap: ColormapName = 'gray'): Promise<void> {
  const planes = vol instanceof OrthogonalPlanes ? vol : OrthogonalPlanes.of(vol);
  const m = planes.mosaic();
  const [lo, hi] = range ?? planes.range();
  const at = planes.at;
  const pic = renderMapWithColorbar(m.data, m.width, m.height, { min: lo, max: hi, cmap, label, title: `slices z=${at[0]} (x right, y down) | y=${at[1]} (x, z down) | x=${at[2]} (y, z down)` });
  await writePng(path, pic.rgba, pic.width, pic.height);
}

export const VOLUME_DESCRIPTION = 'tomography volume [z, y, x]: line integral per voxel length (divide by the voxel size in m for 1/m)';

export interface TomoOutputs {
  /** The volume, or (streamed) its planes, written to volume.tif already. */
  volume: RealArray | OrthogonalPlanes;
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
  if (o.volume instanceof OrthogonalPlanes) put('volume.tif');
  else await writeTiff(put('volume.tif'), o.volume, { ...meta, description: VOLUME_DESCRIPTION });
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
