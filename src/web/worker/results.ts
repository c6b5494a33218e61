/**
 * What the page shows of a fit: from a live run (XanesResult + the registered stack) or
 * from a finished run's results.h5 (the layout of src/pipeline/results.ts).
 */
import type { File as H5File } from 'h5wasm';
import type { RealArray } from '../../core/arrays.ts';
import { PtyxanesError } from '../../core/errors.ts';
import { getDataset, getGroup, stringAttr, toNumbers } from '../../io/h5-access.ts';
import type { Calibration } from '../../xanes/calibration.ts';
import type { XanesResult } from '../../xanes/fit.ts';
import type { FitView, VolumeView } from '../protocol.ts';

/** NiO (2+) and LiNiO2 (3+): the histogram's reference lines (as the CLI's histogram picture). */
export const REF_LINES = [
  { x: 2, label: 'NiO' },
  { x: 3, label: 'LiNiO2' },
];

export function fitView(x: XanesResult, stack: RealArray, pixelSizeM: number, backend: string): FitView {
  return {
    shape: [x.shape[0], x.shape[1]],
    state: x.oxidationState,
    stateStd: x.oxidationStateStd,
    edgeEv: x.edgeEnergyEv,
    edgeStdEv: x.edgeEnergyStdEv,
    energiesEv: x.energiesEv,
    pixelSizeM,
    stack: stack.data,
    summary: { ...x.summary, edgeModel: x.edgeModel, warnings: x.warnings, calibration: x.calibration.description },
    refLines: REF_LINES,
    backend,
    source: 'run',
  };
}

export function isResultsFile(f: H5File): boolean {
  return !!getDataset(f, '/xanes/oxidation_state');
}

function floats(f: H5File, path: string, file: string): { data: Float32Array; shape: number[] } {
  const ds = getDataset(f, path);
  if (!ds) throw new PtyxanesError('dataset absent', { file, field: path, expected: 'a results.h5 of `ptyxanes pipeline 2d`' });
  return { data: Float32Array.from(toNumbers(ds.value)), shape: ds.shape ?? [] };
}

function meanOf(v: Float32Array): { mean: number; n: number } {
  let mean = 0;
  let n = 0;
  for (const x of v) if (Number.isFinite(x)) (mean += x), n++;
  return { mean: n ? mean / n : NaN, n };
}

/** Rank of the oxidation-state dataset: 2 (map) or 3 (volume [z, y, x]). */
export function resultsRank(f: H5File): number {
  return getDataset(f, '/xanes/oxidation_state')?.shape?.length ?? 0;
}

/** The oxidation-state volume [z, y, x] of a 3D results.h5, with its uncertainty. */
export function readResultsVolume(f: H5File, file: string): VolumeView {
  const state = floats(f, '/xanes/oxidation_state', file);
  if (state.shape.length !== 3) throw new PtyxanesError('not a volume', { file, field: '/xanes/oxidation_state', expected: '[z, y, x]', found: `[${state.shape.join(', ')}]` });
  const stdDs = getDataset(f, '/xanes/oxidation_state_std');
  const px = getDataset(f, '/xanes/oxidation_state')!.attrs.pixel_size_m?.value ?? getDataset(f, '/xanes/oxidation_state')!.attrs.voxel_size_m?.value;
  const { mean, n } = meanOf(state.data);
  const xg = getGroup(f, '/xanes');
  return {
    shape: state.shape as [number, number, number],
    state: state.data,
    stateStd: stdDs ? Float32Array.from(toNumbers(stdDs.value)) : new Float32Array(state.data.length).fill(NaN),
    voxelSizeM: px === undefined ? NaN : Number(toNumbers(px)[0]),
    summary: { nFitted: n, oxidationMean: mean, edgeModel: xg ? stringAttr(xg, 'edge_model') : undefined },
    refLines: REF_LINES,
  };
}

/** The 2D maps of a results.h5. */
export function readResultsFit(f: H5File, file: string): FitView {
  const state = floats(f, '/xanes/oxidation_state', file);
  if (state.shape.length !== 2) {
    throw new PtyxanesError('not a 2D map', { file, field: '/xanes/oxidation_state', expected: '[h, w]', found: `[${state.shape.join(', ')}]` });
  }
  const [h, w] = state.shape as [number, number];
  const energies = getDataset(f, '/energies_eV');
  const energiesEv = energies ? Array.from(toNumbers(energies.value)) : [];
  const stackDs = getDataset(f, '/stack/attenuation');
  const stack = stackDs && (stackDs.shape ?? [])[0] === energiesEv.length ? Float32Array.from(toNumbers(stackDs.value)) : undefined;
  const stackGroup = getGroup(f, '/stack');
  const px = stackGroup?.attrs.pixel_size_m?.value;
  const xg = getGroup(f, '/xanes');
  let calibration = '';
  try {
    calibration = (JSON.parse(stringAttr(xg!, 'calibration_json') ?? '{}') as Calibration).description ?? '';
  } catch {
    /* an older file without a calibration record */
  }
  const { mean, n } = meanOf(state.data);
  return {
    shape: [h, w],
    state: state.data,
    stateStd: floats(f, '/xanes/oxidation_state_std', file).data,
    edgeEv: floats(f, '/xanes/edge_energy', file).data,
    edgeStdEv: floats(f, '/xanes/edge_energy_std', file).data,
    energiesEv,
    pixelSizeM: typeof px === 'number' ? px : Number(toNumbers(px)[0] ?? NaN),
    stack,
    summary: { nFitted: n, oxidationMean: mean, edgeModel: xg ? stringAttr(xg, 'edge_model') : undefined, calibration },
    refLines: REF_LINES,
    backend: 'from file',
    source: 'results.h5',
  };
}
