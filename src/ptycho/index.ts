/**
 * Ptychographic phase retrieval: ePIE (sequential or parallel sets), mixed-state probes,
 * energy series with warm starts, streaming of patterns larger than memory.
 */
export { reconstructEpie } from './reconstruct.ts';
export { reconstructSeries, warmStartInit, type SeriesOptions, type WarmStartState } from './series.ts';
export { attenuation } from './postprocess.ts';
export { shutdownEpieWorkers } from './worker-pool.ts';
export { normalizedRmsError } from './quality.ts';
export { makeSyntheticPtycho, defocusedPupilProbe, type SyntheticData, type SyntheticOptions } from './synthetic.ts';
export type { EpieOptions, EpieResult, EpieTimings, EpieMode, ProbeInit } from './types.ts';
export type { EngineName } from './update-rule.ts';
export type { RefineOptions } from './positions.ts';
