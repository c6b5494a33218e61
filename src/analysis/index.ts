/** Analysis of oxidation-state maps [y,x] and volumes [z,y,x]: crystals, profiles, fits, slabs, comparisons. */
export { analyseStateMap } from './analyse.ts';
export type { AnalysisInput, AnalysisOptions, AnalysisResult, CrystalFit } from './analyse.ts';
export { distanceTransform } from './distance.ts';
export { segmentCrystals, materialMask, watershedByDynamics } from './segment.ts';
export type { Segmentation, SegmentOptions } from './segment.ts';
export { connectedComponents, fillHoles } from './labels.ts';
export { crystalTable, crystalTableCsv, depthOfDistanceNm, DEFAULT_STATE_THRESHOLD } from './crystals.ts';
export type { CrystalRow } from './crystals.ts';
export { surfaceProfiles, profilesCsv } from './profiles.ts';
export type { Profile, CrystalProfile, SurfaceProfiles, ProfileOptions } from './profiles.ts';
export { diffusionFraction, fitDiffusion, fitCoreShell, fitUniform, fitProfileModels } from './diffusion.ts';
export type { DiffusionGeometry, DiffusionFit, CoreShellFit, UniformFit, ProfileFits, ProfileData } from './diffusion.ts';
export { findSlabs, slabsCsv, orientationOf } from './slabs.ts';
export type { Slab, SlabResult, SlabOptions, Orientation } from './slabs.ts';
export { compareSamples, comparisonCsv } from './compare.ts';
export type { Comparison, SampleValues, SampleRow } from './compare.ts';
export { ballPhantom, overlaps } from './phantom.ts';
export type { Ball, Phantom as StatePhantom } from './phantom.ts';
