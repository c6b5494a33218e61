/**
 * ptyxanes simulator: a forward model of 2D and 3D spectro-ptychography of SC-NMC811
 * across the Ni K-edge (phantom, optical constants, zone-plate probe, scan, detector),
 * presets, and output as CXI + TIFF ground truth + manifest. See src/sim/README.md.
 */
export { simulate } from './simulate.ts';
export type { SimulateOptions, SimulateResult } from './simulate.ts';
export { simulateInMemory } from './memory.ts';
export type { MemoryEntry, MemoryExperiment, MemoryOptions } from './memory.ts';
export { listPresets, presetConfig, validateConfig } from './config.ts';
export type { SimConfig, PresetInfo } from './config.ts';
export { resolveConfig } from './resolve.ts';
export type { SimManifest, CxiEntryRecord } from './manifest.ts';
// Physics, usable on their own.
export { makePhantom, stateAt, rotatePhantomY, translatePhantom, stateRange, SCENARIOS } from './phantom.ts';
export type { Phantom, Crystal, Scenario, PhantomOptions, StateField } from './phantom.ts';
export { renderProjection, voxelize, projectVolume, integrateOptics, meanStateMap, nodeRangeFor } from './render.ts';
export type { Grid2d, Grid3d, ProjectionMaps, Volume, NodeRange } from './render.ts';
export { AreaResampler } from './resample.ts';
export { attenuationSpectra, projectedSpectra, opticalTable, refractiveIndex, niScatteringFactors, checkEnergies, MODEL_RANGE_EV, STATE_NODES } from './optics.ts';
export type { OpticalTable } from './optics.ts';
export { edgeModel, EDGE_REFERENCES } from './edge.ts';
export type { EdgeModel } from './edge.ts';
export { atomicFactors, tabulatedIndex, numberDensitiesPerM3, NMC811 } from './scattering.ts';
export type { Compound } from './scattering.ts';
export { hilbertFft, kramersKronigDelta } from './kk.ts';
export { zonePlateProbe, zonePlateFocalLengthM, geometricSpotDiameterM, airyFocusFwhmM, probeFwhmM, probeDiameterM } from './probe.ts';
export type { ZonePlateSpec, ProbeOptions } from './probe.ts';
export { rasterPositionsM, positionErrorsM, flightOffsetsM, overlapFraction, energyDriftM, tomoMisalignmentM, tomoAnglesDeg } from './scan.ts';
export type { ScanSpec } from './scan.ts';
export { detectorMask, countPhotons, addFarField, EIGER_500K } from './detector.ts';
export type { DetectorSpec } from './detector.ts';
export { objectTransmission, exitWave, ProbeBank, scanFrames } from './forward.ts';
export { planExperiment, runExperiment, objectFromMaps, renderAngle, planProbe, planShift } from './experiment.ts';
export type { ExperimentPlan, ExperimentSink, EntryInfo } from './experiment.ts';
export { truthMaps, truthVolume, truthVolumeGrid, truthEnergyIndex } from './truth.ts';
export type { TruthMaps } from './truth.ts';
export { Rng, streamSeed } from './rng.ts';
