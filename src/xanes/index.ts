/**
 * Ni K-edge XANES: normalisation, per-pixel 3-Gaussian LM fit (GPU and CPU), half-maximum
 * edge of the first main peak, calibration to oxidation state, uncertainty, outputs.
 */
export { fitXanes } from './fit.ts';
export { buildEdgeTemplate, ShiftEdgeFitter, MAX_SHIFT_EV } from './shared-shape.ts';
export type { EdgeModel, EdgeTemplate } from './shared-shape.ts';
export type { XanesOptions, XanesResult, XanesSummary } from './fit.ts';
export { normalizeStack, normalizeSpectrum, normWeights, edgeSteps, resolveMinEdgeStep } from './normalize.ts';
export type { NormalizedStack, NormalizeOptions, NormWeights } from './normalize.ts';
export { resolveGrid, PAPER_2D_ENERGIES_EV, PAPER_3D_ENERGIES_EV, DEFAULT_PRE_EDGE_EV, DEFAULT_POST_EDGE_EV } from './grid.ts';
export type { EnergyGrid, GridOptions } from './grid.ts';
export { GaussEdgeFitter, DEFAULT_LM, N_STARTS } from './lm.ts';
export type { LmSettings, EdgeFitResult } from './lm.ts';
export { XanesStatus, XANES_STATUS_NAMES, hasValues } from './status.ts';
export type { XanesStatusCode } from './status.ts';
export {
  calibrate,
  calibrationFromPoints,
  defaultCalibration,
  loadCalibration,
  parseCalibration,
  measureReferenceEdges,
  oxidationState,
  edgeForState,
  DEFAULT_CALIBRATION_REFS,
} from './calibration.ts';
export type { Calibration, CalibrationPoint, CalibrateOptions } from './calibration.ts';
export { histogram, histogramCsv } from './histogram.ts';
export type { Histogram, HistogramOptions } from './histogram.ts';
export { writeXanesOutputs, writeXanesReport, XANES_MAP_FILES } from './outputs.ts';
export type { XanesOutputOptions } from './outputs.ts';
export {
  parseSpectrumText,
  readSpectrumFile,
  interpolateSpectrum,
  orientRising,
  normalizeReference,
  foilEdgeEv,
  overlayShiftEv,
  loadReferenceSpectra,
  loadReferenceSet,
  loadReferenceSetAsync,
  buildReferenceSet,
  referenceFileUrl,
  NI_FOIL_EDGE_EV,
} from './references.ts';
export type { Spectrum, ReferenceSpectrum, ReadSpectrumOptions, ReferenceSet } from './references.ts';
export { findEdgeFeatures } from './dense-spectrum.ts';
export type { EdgeFeatures } from './dense-spectrum.ts';
