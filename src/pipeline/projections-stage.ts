/**
 * From per-(energy, angle) −ln|O| images to projection stacks [angle, rows, cols] per energy
 * on ONE common grid: every image's well-lit area (at its own energy's pixel size, placed by
 * its scan positions and probe centroid, as the 2D stack stage does) is resampled onto the
 * common pixel size (40 nm default; never finer than the coarsest reconstruction unless
 * asked) over the field all of them cover, and its air level is taken out.
 */
import type { RealArray } from '../core/arrays.ts';
import { writeJson } from '../io/files.ts';
import { writeTiff } from '../io/tiff.ts';
import { rescaleStack } from '../register/index.ts';
import { energyTag, type SeriesEntry } from './inputs.ts';
import { loadAttenuation } from './ptycho-stage.ts';
import type { RunDir } from './run-dir.ts';

export interface ProjectionGrid {
  pixelSizeM: number;
  /** Centre of pixel (0, 0), (x, y) metres, in the scan frame. */
  originM: [number, number];
  /** [rows, cols] of every projection. */
  shape: [number, number];
  energiesEv: number[];
  anglesDeg: number[];
  /** Air level subtracted from each projection, [energy][angle]. */
  airLevel: number[][];
}

/**
 * Air level of a projection: the median of its two outermost columns on each side. The
 * tomography needs projections that are zero outside the sample (a constant left in every
 * projection becomes a bright cylinder), and ePIE leaves |O| in air only near 1: the
 * object/probe amplitude split is free up to the warm starts.
 */
function airLevel(p: Float32Array, rows: number, cols: number): number {
  const edge = Math.min(2, Math.floor(cols / 4));
  const v: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < edge; c++) {
      const a = p[r * cols + c];
      const b = p[r * cols + cols - 1 - c];
      if (Number.isFinite(a)) v.push(a);
      if (Number.isFinite(b)) v.push(b);
    }
  }
  if (!v.length) return 0;
  v.sort((x, y) => x - y);
  return v[Math.floor(v.length / 2)];
}

export const projectionsPath = (run: RunDir, energyEv: number) => run.path('projections', energyTag(energyEv), 'projections.tif');

/** Builds and writes every energy's projection stack; returns the common grid. */
export async function buildProjections(
  run: RunDir,
  entries: SeriesEntry[][],
  tagOf: (e: SeriesEntry) => string,
  opts: { pixelSizeM: number; allowUpsample: boolean },
): Promise<{ grid: ProjectionGrid; outputs: string[] }> {
  const images: RealArray[] = [];
  const pixels: number[] = [];
  const origins: [number, number][] = [];
  for (const list of entries) {
    for (const e of list) {
      const a = await loadAttenuation(run, e, tagOf(e));
      images.push(a.image);
      pixels.push(a.pixelSizeM);
      origins.push(a.originM);
    }
  }
  const common = rescaleStack(images, pixels, { targetPixelM: opts.pixelSizeM, allowUpsample: opts.allowUpsample, originsM: origins });
  const [, rows, cols] = common.stack.shape;
  const nA = entries[0].length;
  const outputs: string[] = [];
  const air: number[][] = [];
  for (const [ei, list] of entries.entries()) {
    const stack = new Float32Array(nA * rows * cols);
    air.push([]);
    for (let a = 0; a < nA; a++) {
      const src = common.stack.data.subarray((ei * nA + a) * rows * cols, (ei * nA + a + 1) * rows * cols);
      const lvl = airLevel(src, rows, cols);
      air[ei].push(lvl);
      for (let i = 0; i < rows * cols; i++) stack[a * rows * cols + i] = Number.isFinite(src[i]) ? src[i] - lvl : 0;
    }
    const path = projectionsPath(run, list[0].energyEv);
    await writeTiff(path, { data: stack, shape: [nA, rows, cols] }, { pixelSizeM: common.pixelSizeM, description: `-ln|O| projections [angle, rows, cols] at ${list[0].energyEv} eV, air level removed; angles (deg): ${list.map((e) => e.angleDeg).join(',')}` });
    outputs.push(path);
  }
  const grid: ProjectionGrid = {
    pixelSizeM: common.pixelSizeM,
    originM: common.originM,
    shape: [rows, cols],
    energiesEv: entries.map((l) => l[0].energyEv),
    anglesDeg: entries[0].map((e) => e.angleDeg!),
    airLevel: air,
  };
  const gridPath = run.path('projections', 'grid.json');
  await writeJson(gridPath, grid);
  outputs.push(gridPath);
  return { grid, outputs };
}
