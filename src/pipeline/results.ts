/**
 * The run's one results file (HDF5) and its summary (JSON): maps, the registered stack,
 * each energy's complex object and probe, and provenance (version, options, input
 * checksums, timings). Written last, atomically; readable with h5py, Fiji and Napari.
 */
import { complexDataset, readHdf5Complex, writeHdf5Tree, type H5Tree } from '../io/hdf5-tree.ts';
import { writeJson } from '../io/files.ts';
import { readTiff } from '../io/tiff.ts';
import type { XanesResult } from '../xanes/index.ts';
import { energyTag } from './inputs.ts';
import type { Pipeline2dResult } from './pipeline2d.ts';
import type { RunDir } from './run-dir.ts';

export async function writeRunResults(
  run: RunDir,
  args: { result: Pipeline2dResult; xanes: XanesResult; stackPath: string; summaryPath: string; resultsH5: string },
): Promise<void> {
  const { result, xanes } = args;
  const stack = await readTiff(args.stackPath);
  const [h, w] = xanes.shape;
  const map = (data: Float32Array, units: string) => ({ data, shape: [h, w], attrs: { units, pixel_size_m: result.grid.pixelSizeM } });
  const ptycho: Record<string, H5Tree> = {};
  for (const e of result.energies) {
    const state = run.path('ptycho', energyTag(e.energyEv), 'state.h5');
    const object = await readHdf5Complex(state, 'object');
    const probe = await readHdf5Complex(state, 'probe');
    ptycho[energyTag(e.energyEv)] = {
      attrs: { energy_eV: e.energyEv, pixel_size_m: e.pixelSizeM, origin_m: [...e.originM], iterations: e.iterations, final_error: e.finalError },
      datasets: { object: complexDataset(object.data, object.shape), probe: complexDataset(probe.data, probe.shape) },
    };
  }
  const tree: H5Tree = {
    // Written just before the run is marked complete: the copy says what the run is once this file exists.
    attrs: { tool: 'ptyxanes', version: run.record.version, kind: 'pipeline-2d', provenance_json: JSON.stringify({ ...run.record, complete: true }) },
    datasets: { energies_eV: { data: Float64Array.from(result.energiesEv), shape: [result.energiesEv.length] } },
    groups: {
      stack: {
        attrs: { pixel_size_m: result.grid.pixelSizeM, origin_m: [...result.grid.originM], reference_index: result.grid.referenceIndex, strategy: result.grid.strategy },
        datasets: {
          attenuation: { data: stack.data, shape: stack.shape, attrs: { description: '-ln|O| per energy, registered and cropped' } },
          shifts_px: { data: Float64Array.from(result.grid.shiftsPx.flat()), shape: [result.grid.shiftsPx.length, 2], attrs: { axes: 'rows, cols' } },
        },
      },
      xanes: {
        attrs: { calibration_json: JSON.stringify(xanes.calibration), edge_model: xanes.edgeModel, pre_edge_eV: xanes.preEdgeEv, post_edge_eV: xanes.postEdgeEv, fit_range_eV: xanes.fitRangeEv },
        datasets: {
          oxidation_state: map(xanes.oxidationState, 'valence'),
          oxidation_state_std: map(xanes.oxidationStateStd, 'valence'),
          edge_energy: map(xanes.edgeEnergyEv, 'eV'),
          edge_energy_std: map(xanes.edgeEnergyStdEv, 'eV'),
          edge_step: map(xanes.edgeStep, '1'),
          e0_half_step: map(xanes.e0HalfStepEv, 'eV'),
          derivative_max: map(xanes.derivMaxEv, 'eV'),
          status: { data: xanes.status, shape: [h, w] },
        },
      },
      ptycho: { groups: ptycho },
    },
  };
  await writeHdf5Tree(args.resultsH5, tree);
  await writeJson(args.summaryPath, { ...result, provenance: { version: run.record.version, createdAt: run.record.createdAt, inputs: run.record.inputs, stages: run.record.stages } });
}
