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
import type { FitView } from '../protocol.ts';

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

/** The 2D maps of a results.h5 (3D volumes: not yet; said in the error). */
export function readResultsFit(f: H5File, file: string): FitView {
  const state = floats(f, '/xanes/oxidation_state', file);
  if (state.shape.length !== 2) {
    throw new PtyxanesError('only 2D results can be shown yet', { file, field: '/xanes/oxidation_state', expected: '[h, w]', found: `[${state.shape.join(', ')}]` });
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
  let mean = 0;
  let n = 0;
  for (const v of state.data) if (Number.isFinite(v)) (mean += v), n++;
  return {
    shape: [h, w],
    state: state.data,
    stateStd: floats(f, '/xanes/oxidation_state_std', file).data,
    edgeEv: floats(f, '/xanes/edge_energy', file).data,
    edgeStdEv: floats(f, '/xanes/edge_energy_std', file).data,
    energiesEv,
    pixelSizeM: typeof px === 'number' ? px : Number(toNumbers(px)[0] ?? NaN),
    stack,
    summary: { nFitted: n, oxidationMean: n ? mean / n : NaN, edgeModel: xg ? stringAttr(xg, 'edge_model') : undefined, calibration },
    refLines: REF_LINES,
    backend: 'from file',
    source: 'results.h5',
  };
}
