/**
 * From per-energy −ln|O| images to one registered stack on a common grid: each energy's
 * well-lit area is resampled to the common pixel size (40 nm by default, as the paper;
 * never finer than the coarsest reconstruction unless asked), then the stack is registered
 * by subpixel phase cross-correlation and cropped to the field every energy covers.
 */
import type { RealArray } from '../core/arrays.ts';
import { writeFileAtomic, writeJson } from '../io/files.ts';
import { writeTiff } from '../io/tiff.ts';
import type { SeriesEntry } from './inputs.ts';
import { loadAttenuation } from './ptycho-stage.ts';
import { registeredStack, type GridInfo, type StackOptions } from './series-core.ts';
import type { RunDir } from './run-dir.ts';

export type { GridInfo, StackOptions } from './series-core.ts';

export async function buildRegisteredStack(run: RunDir, entries: SeriesEntry[], opts: StackOptions): Promise<{ stack: RealArray; grid: GridInfo; outputs: string[] }> {
  const images: RealArray[] = [];
  const pixels: number[] = [];
  const origins: [number, number][] = [];
  for (const e of entries) {
    const a = await loadAttenuation(run, e);
    images.push(a.image);
    pixels.push(a.pixelSizeM);
    origins.push(a.originM);
  }
  const energies = entries.map((e) => e.energyEv);
  const { stack, grid, common, errors } = await registeredStack(images, pixels, origins, energies, opts);
  const shiftsPx = grid.shiftsPx;
  const dir = run.path('stack');
  const outputs = [`${dir}/attenuation_common_grid.tif`, `${dir}/attenuation_registered.tif`, `${dir}/shifts.csv`, `${dir}/grid.json`];
  await writeTiff(outputs[0], common.stack, { pixelSizeM: common.pixelSizeM, description: `-ln|O| per energy on a ${(common.pixelSizeM * 1e9).toFixed(1)} nm grid, before registration` });
  await writeTiff(outputs[1], stack, { pixelSizeM: common.pixelSizeM, description: `-ln|O| per energy, registered and cropped; energies (eV): ${energies.join(',')}` });
  const csv = ['energy_eV,shift_rows_px,shift_cols_px,registration_error'].concat(energies.map((e, i) => `${e},${shiftsPx[i][0]},${shiftsPx[i][1]},${errors[i]}`));
  await writeFileAtomic(outputs[2], csv.join('\n') + '\n');
  await writeJson(outputs[3], grid);
  return { stack, grid, outputs };
}
