/**
 * ptyxanes: spectro-ptychography from far-field diffraction patterns to Ni oxidation-state
 * maps, on WebGPU or CPU. The typed library API an analysis script imports; the CLI and
 * the browser page are thin layers over it.
 *
 *   import { runPipeline2d, reconstructEpie, registerStack, fitXanes, openCxiEntry } from 'ptyxanes';
 *
 * Every algorithm takes `backend: 'gpu' | 'cpu' | 'auto'`, an `onProgress` callback and an
 * AbortSignal. Units are in names (energyEv, pixelSizeM, angleDeg); complex arrays are
 * interleaved float32 (re, im) with an explicit shape.
 */
export { VERSION } from './version.ts';

// Core types and errors
export { PtyxanesError } from './core/errors.ts';
export type { RealArray, ComplexArray, Shape } from './core/arrays.ts';
export { realArray, complexArray, abs, angle } from './core/arrays.ts';
export type { ProgressEvent, ProgressCallback, RunControl } from './core/progress.ts';
export type { FrameSource, ScanGeometry } from './core/frames.ts';
export { MemoryFrameSource, objectPixelSizeM, wavelengthM } from './core/frames.ts';

// GPU runtime
export { createGpuContext, GpuContext, NoGpuAdapterError, adapterLabel } from './gpu/context.ts';
export { resolveBackend, sharedGpuContext, disposeSharedGpuContext, setBackendWarningSink } from './gpu/backend.ts';
export type { Backend } from './gpu/backend.ts';

// Stages, in the order data flows
export { fft2d, fft2dCpu, CpuFft2d, GpuFft2d, fftshift2d, ifftshift2d } from './fft/index.ts';
export type { FftDirection } from './fft/index.ts';
export { reconstructEpie, reconstructSeries, warmStartInit, attenuation } from './ptycho/index.ts';
export type { EpieOptions, EpieResult, EpieMode, ProbeInit } from './ptycho/index.ts';
export { registerPairs, phaseCrossCorrelation, registerStack, fourierShift, shiftImage, rescaleImage, rescaleStack, cropToRegion } from './register/index.ts';
export type { RegisterStackOptions, StackRegistration } from './register/index.ts';
export { registerVolumes, shiftVolume } from './register/index.ts';
export type { RegisterVolumesOptions, VolumeRegistration, VolumeShiftOptions } from './register/index.ts';
export { fitXanes, normalizeStack, calibrate, defaultCalibration, loadCalibration, histogram, writeXanesOutputs, loadReferenceSpectra, readSpectrumFile } from './xanes/index.ts';
export { buildEdgeTemplate } from './xanes/index.ts';
export type { XanesOptions, XanesResult, Calibration, EdgeModel, EdgeTemplate } from './xanes/index.ts';
export { sirt, fbp, forwardProject, backProject, alignProjections, reconstructTomoSeries, makeGeometry, sheppLogan3d, halfTurnAngles, shutdownTomoWorkers } from './tomo/index.ts';
export type { SirtOptions, SirtResult, FbpOptions, FbpResult, FbpFilter, AlignOptions, AlignResult, TomoGeometry, TomoOptions, TomoSeriesInput, TomoSeriesOptions, TomoSeriesResult } from './tomo/index.ts';
export { simulate, simulateInMemory, listPresets, presetConfig } from './sim/index.ts';
export type { SimManifest } from './sim/index.ts';

// Analysis of oxidation-state maps and volumes
export { analyseStateMap, segmentCrystals, distanceTransform, crystalTable, surfaceProfiles, fitDiffusion, fitCoreShell, fitProfileModels, diffusionFraction, findSlabs, compareSamples, ballPhantom, lcfStack } from './analysis/index.ts';
export { writeAnalysisOutputs, writeComparisonOutputs } from './analysis/outputs.ts';
export type { AnalysisInput, AnalysisOptions, AnalysisResult, Segmentation, CrystalRow, SurfaceProfiles, ProfileFits, DiffusionGeometry, SlabResult, Comparison, LcfResult } from './analysis/index.ts';

// Pipelines
export { runPipeline2d, DEFAULT_SERIES_ALPHA, DEFAULT_WARM_ITERATIONS } from './pipeline/pipeline2d.ts';
export type { Pipeline2dOptions, Pipeline2dResult } from './pipeline/pipeline2d.ts';
export { runPipeline3d } from './pipeline/pipeline3d.ts';
export type { Pipeline3dOptions, Pipeline3dResult } from './pipeline/pipeline3d.ts';
export { writeHighStateRegions } from './pipeline/regions3d.ts';
export type { HighStateRegions } from './pipeline/regions3d.ts';
export { fitVolumesInSlabs, planXanesSlabs, DEFAULT_XANES_SLAB_MB } from './pipeline/xanes-slabs.ts';

// Scale-out: task plans on SLURM or local workers (the pipelines run the same plans in-process)
export { planChain2d } from './pipeline/pipeline2d.ts';
export { planChain3d } from './pipeline/pipeline3d.ts';
export { readPlan, type RunPlan, type PlanTask } from './scaleout/plan.ts';
export { runSelectedTasks } from './scaleout/task-runner.ts';
export { runLocalWorkers } from './scaleout/local.ts';
export { submitSlurm, type SlurmOptions } from './scaleout/slurm.ts';
export { runStatus, waitForRun, formatStatus, type RunStatus } from './scaleout/status.ts';
export { projectScaleout, scalingLimit, type ScaleoutModel } from './scaleout/projection.ts';

// I/O
export { parseAngles, readAngles } from './io/angles.ts';
export { openCxiEntry, openCxiEntries, listCxiEntries, writeCxi, CxiWriter, readTiff, writeTiff, writePng, readEnergies, describeFile, formatDescription, describeFolder, formatFolder } from './io/index.ts';
export type { CxiReadOptions, CxiEntryInput } from './io/index.ts';
