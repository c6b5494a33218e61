/**
 * From per-energy −ln|O| images to one registered stack on a common grid: each energy's
 * well-lit area is resampled to the common pixel size (40 nm by default, as the paper;
 * never finer than the coarsest reconstruction unless asked), then the stack is registered
 * by subpixel phase cross-correlation and cropped to the field every energy covers.
 */
import type { RealArray } from '../core/arrays.ts';
import type { RunControl } from '../core/progress.ts';
import type { Backend } from '../gpu/backend.ts';
import { writeFileAtomic, writeJson } from '../io/files.ts';
import { writeTiff } from '../io/tiff.ts';
import { cropToRegion, registerStack, rescaleStack, type StackStrategy } from '../register/index.ts';
import type { SeriesEntry } from './inputs.ts';
import { loadAttenuation } from './ptycho-stage.ts';
import type { RunDir } from './run-dir.ts';

export interface StackOptions extends RunControl {
  pixelSizeM: number;
  allowUpsample: boolean;
  strategy: StackStrategy;
  /** Energy (eV) of the reference image; default the highest (post-edge: strongest contrast). */
  referenceEnergyEv?: number;
  upsampleFactor: number;
  /** 'phase' correlation or plain cross-correlation (null); see Pipeline2dOptions.registrationNormalization. */
  normalization: 'phase' | null;
  backend: Backend;
}

export interface GridInfo {
  pixelSizeM: number;
  /** Centre of pixel (0,0) of the registered, cropped stack, (x, y) metres, in the reference energy's frame. */
  originM: [number, number];
  shape: [number, number];
  energiesEv: number[];
  shiftsPx: number[][];
  registrationErrors: number[];
  referenceIndex: number;
  strategy: StackStrategy;
}

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
  const common = rescaleStack(images, pixels, { targetPixelM: opts.pixelSizeM, allowUpsample: opts.allowUpsample, originsM: origins });
  const energies = entries.map((e) => e.energyEv);
  let referenceIndex = energies.length - 1;
  if (opts.referenceEnergyEv !== undefined) {
    referenceIndex = energies.reduce((best, e, i) => (Math.abs(e - opts.referenceEnergyEv!) < Math.abs(energies[best] - opts.referenceEnergyEv!) ? i : best), 0);
  }
  opts.onProgress?.({ stage: 'register', done: 0, total: 1, message: `${energies.length} images at ${(common.pixelSizeM * 1e9).toFixed(1)} nm` });
  const reg = await registerStack(common.stack, {
    strategy: opts.strategy,
    referenceIndex,
    upsampleFactor: opts.upsampleFactor,
    normalization: opts.normalization,
    backend: opts.backend,
    signal: opts.signal,
  });
  const [n] = common.stack.shape;
  const region = reg.commonRegion;
  const planes: Float32Array[] = [];
  const [h, w] = common.stack.shape.slice(1);
  for (let i = 0; i < n; i++) {
    const plane: RealArray = { data: reg.aligned.data.subarray(i * h * w, (i + 1) * h * w), shape: [h, w] };
    planes.push(cropToRegion(plane, region).data);
  }
  const stack: RealArray = { data: new Float32Array(n * region.rows * region.cols), shape: [n, region.rows, region.cols] };
  planes.forEach((p, i) => stack.data.set(p, i * region.rows * region.cols));
  const shiftsPx = Array.from({ length: n }, (_, i) => [reg.shifts[2 * i], reg.shifts[2 * i + 1]]);
  const grid: GridInfo = {
    pixelSizeM: common.pixelSizeM,
    originM: [common.originM[0] + region.col0 * common.pixelSizeM, common.originM[1] + region.row0 * common.pixelSizeM],
    shape: [region.rows, region.cols],
    energiesEv: energies,
    shiftsPx,
    registrationErrors: Array.from(reg.errors),
    referenceIndex,
    strategy: opts.strategy,
  };
  const dir = run.path('stack');
  const outputs = [`${dir}/attenuation_common_grid.tif`, `${dir}/attenuation_registered.tif`, `${dir}/shifts.csv`, `${dir}/grid.json`];
  await writeTiff(outputs[0], common.stack, { pixelSizeM: common.pixelSizeM, description: `-ln|O| per energy on a ${(common.pixelSizeM * 1e9).toFixed(1)} nm grid, before registration` });
  await writeTiff(outputs[1], stack, { pixelSizeM: common.pixelSizeM, description: `-ln|O| per energy, registered and cropped; energies (eV): ${energies.join(',')}` });
  const csv = ['energy_eV,shift_rows_px,shift_cols_px,registration_error'].concat(energies.map((e, i) => `${e},${shiftsPx[i][0]},${shiftsPx[i][1]},${reg.errors[i]}`));
  await writeFileAtomic(outputs[2], csv.join('\n') + '\n');
  await writeJson(outputs[3], grid);
  opts.onProgress?.({ stage: 'register', done: 1, total: 1, message: `max shift ${Math.max(...shiftsPx.map((s) => Math.hypot(s[0], s[1]))).toFixed(2)} px` });
  return { stack, grid, outputs };
}
