/**
 * Files a XANES fit produces: float32 TIFF maps/volumes (NaN outside the mask), the fit
 * status map, the oxidation-state histogram (CSV + PNG with NiO and LiNiO2 reference
 * lines), colour-mapped PNG slices with a colour bar, and a JSON summary.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { writeTiff, type TiffMeta } from '../io/tiff.ts';
import { writePng } from '../io/png.ts';
import { renderHistogram, renderMapWithColorbar } from '../io/pictures.ts';
import { writeFileAtomic, writeJson } from '../io/files.ts';
import type { XanesResult } from './fit.ts';
import { histogram, histogramCsv } from './histogram.ts';
import { XANES_STATUS_NAMES } from './status.ts';

export interface XanesOutputOptions {
  /** Pixel (voxel) size in metres, stored in the TIFFs. */
  pixelSizeM?: number;
  /** Colour range of the oxidation-state pictures (default [2, 3.5]: blue Ni2+ → red > Ni3+). */
  stateRange?: [number, number];
  /** Histogram bin width (default 0.05 valence). */
  binWidth?: number;
  /** Most PNG slices written for a volume (evenly spaced, central slice included; default 8). */
  maxSlices?: number;
}

/** The per-pixel maps a fit writes as float32 TIFFs: file name, result field, what it holds. */
export const XANES_MAP_FILES = [
  ['oxidation_state.tif', 'oxidationState', 'Ni oxidation state'],
  ['oxidation_state_std.tif', 'oxidationStateStd', 'standard error of the Ni oxidation state'],
  ['edge_energy_ev.tif', 'edgeEnergyEv', 'edge energy (eV): rising half maximum of the first main peak'],
  ['edge_energy_std_ev.tif', 'edgeEnergyStdEv', 'standard error of the edge energy (eV)'],
  ['e0_half_step_ev.tif', 'e0HalfStepEv', 'energy at normalised absorption 0.5 (eV)'],
  ['deriv_max_ev.tif', 'derivMaxEv', 'energy of the maximum derivative (eV)'],
  ['edge_step.tif', 'edgeStep', 'edge step (input units)'],
  ['fit_status.tif', 'status', `fit status codes: ${Object.entries(XANES_STATUS_NAMES).map(([k, v]) => `${k}=${v}`).join(', ')}`],
] as const;

export type XanesMapField = (typeof XANES_MAP_FILES)[number][1];

/** TIFF metadata of one map file (the same whether written whole or page by page). */
export function xanesMapMeta(field: XanesMapField, what: string, calibration: XanesResult['calibration'], volume: boolean, pixelSizeM?: number): TiffMeta {
  if (field === 'status') return { pixelSizeM, description: what };
  return { pixelSizeM, spacingM: volume ? pixelSizeM : undefined, description: `${what}; ptyxanes XANES fit; calibration: ${calibration.description ?? 'user'}` };
}

/** Writes every output into `outDir` (created if needed); returns the paths written. */
export async function writeXanesOutputs(result: XanesResult, outDir: string, opts: XanesOutputOptions = {}): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const shape = tiffShape(result.shape);
  for (const [name, field, what] of XANES_MAP_FILES) {
    const path = join(outDir, name);
    const v = result[field];
    await writeTiff(path, { data: v instanceof Float32Array ? v : Float32Array.from(v), shape }, xanesMapMeta(field, what, result.calibration, shape.length === 3, opts.pixelSizeM));
    written.push(path);
  }
  return [...written, ...(await writeXanesReport(result, outDir, opts))];
}

/** What the report reads of a fit: the state map and the fit's settings (a volume fitted in slabs keeps only these whole). */
export type XanesReportInput = Pick<XanesResult, 'shape' | 'oxidationState' | 'backend' | 'adapter' | 'energiesEv' | 'preEdgeEv' | 'postEdgeEv' | 'fitRangeEv' | 'minEdgeStep' | 'edgeModel' | 'template' | 'warnings' | 'summary' | 'calibration'>;

/** The histogram (CSV, PNG), PNG slices of the state and the JSON summary into `outDir`; returns the paths. */
export async function writeXanesReport(result: XanesReportInput, outDir: string, opts: XanesOutputOptions = {}): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const shape = tiffShape(result.shape);
  const h = histogram(result.oxidationState, { binWidth: opts.binWidth ?? 0.05 });
  const csvPath = join(outDir, 'oxidation_state_histogram.csv');
  await writeFileAtomic(csvPath, histogramCsv(h));
  written.push(csvPath);
  const pic = renderHistogram({
    binEdges: h.binEdges,
    counts: h.counts,
    xLabel: 'Ni oxidation state',
    yLabel: 'pixels',
    title: `${h.nValues} fitted ${result.shape.length === 3 ? 'voxels' : 'pixels'}`,
    refLines: [
      { x: 2, label: 'NiO' },
      { x: 3, label: 'LiNiO2' },
    ],
  });
  const histPng = join(outDir, 'oxidation_state_histogram.png');
  await writePng(histPng, pic.rgba, pic.width, pic.height);
  written.push(histPng);

  const [lo, hi] = opts.stateRange ?? [2, 3.5];
  const [depth, height, width] = shape.length === 3 ? shape : [1, shape[0], shape[1]];
  const plane = height * width;
  for (const z of sliceIndices(depth, opts.maxSlices ?? 8)) {
    const name = depth === 1 ? 'oxidation_state.png' : `oxidation_state_z${String(z).padStart(4, '0')}.png`;
    const p = renderMapWithColorbar(result.oxidationState.subarray(z * plane, (z + 1) * plane), width, height, { min: lo, max: hi, cmap: 'valence', label: 'Ni oxidation state', title: depth === 1 ? undefined : `slice ${z}` });
    const path = join(outDir, name);
    await writePng(path, p.rgba, p.width, p.height);
    written.push(path);
  }
  const jsonPath = join(outDir, 'xanes_summary.json');
  await writeJson(jsonPath, {
    shape: result.shape,
    backend: result.backend,
    adapter: result.adapter,
    energiesEv: result.energiesEv,
    preEdgeEv: result.preEdgeEv,
    postEdgeEv: result.postEdgeEv,
    fitRangeEv: result.fitRangeEv,
    minEdgeStep: result.minEdgeStep,
    edgeMetric: 'rising-side half maximum of the first main peak of the fitted 3-Gaussian sum',
    edgeModel: result.edgeModel,
    // Centres in eV (absolute); the mean spectrum on the fit window's energies.
    template: result.template ? templateJson(result.template) : null,
    warnings: result.warnings,
    statusCodes: XANES_STATUS_NAMES,
    summary: result.summary,
    calibration: result.calibration,
    histogram: { binWidth: opts.binWidth ?? 0.05, nValues: h.nValues, nBelow: h.nBelow, nAbove: h.nAbove },
  });
  written.push(jsonPath);
  return written;
}

/** [h,w] for maps, [d,h,w] for volumes; a 1D line of pixels becomes [1,n]. */
export function tiffShape(shape: readonly number[]): number[] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]];
  if (shape.length === 2 || shape.length === 3) return [...shape];
  // Higher dimensions: fold the leading axes into pages.
  const [h, w] = shape.slice(-2);
  return [shape.slice(0, -2).reduce((a, b) => a * b, 1), h, w];
}

function sliceIndices(depth: number, max: number): number[] {
  if (depth <= max) return Array.from({ length: depth }, (_, i) => i);
  const set = new Set<number>([Math.floor(depth / 2)]);
  for (let i = 0; set.size < max && i < max; i++) set.add(Math.round((i * (depth - 1)) / Math.max(1, max - 1)));
  return [...set].sort((a, b) => a - b);
}

/** The shared-shape template as plain JSON: Gaussians with absolute centres, and the mean spectrum. */
function templateJson(t: NonNullable<XanesReportInput['template']>) {
  const gaussians = [0, 3, 6].map((j) => ({ amplitude: t.params[j], centreEv: t.params[j + 1] + t.xcEv, sigmaEv: t.params[j + 2] }));
  return { gaussians, edgeEv: t.edgeEv, pixels: t.pixels, meanSpectrum: Array.from(t.meanSpectrum) };
}
