/**
 * Tomography: parallel-beam projectors (Joseph forward, voxel-driven back; WGSL and CPU
 * threads), SIRT as ASTRA defines it, FBP, and alignment by reprojection. Geometry and
 * conventions: geometry.ts.
 */
export { makeGeometry, volumeShape, projectionShape } from './geometry.ts';
export type { TomoGeometry, TomoGeometryInput } from './geometry.ts';
export type { TomoOptions } from './options.ts';
export { forwardProject, backProject } from './project.ts';
export { sirt, DEFAULT_SIRT_ITERATIONS } from './sirt.ts';
export type { SirtOptions, SirtResult } from './sirt.ts';
export { fbp, rampFilter, angleWeights, FBP_FILTERS } from './fbp.ts';
export type { FbpOptions, FbpResult, FbpFilter } from './fbp.ts';
export { alignProjections } from './align.ts';
export type { AlignOptions, AlignResult, AlignPass } from './align.ts';
export { massCentreEstimate, fitSinusoid } from './axis.ts';
export { binProjections } from './bin.ts';
export { sheppLogan3d, halfTurnAngles } from './synthetic.ts';
export { shutdownTomoWorkers } from './threads.ts';
export { reconstructTomoSeries, seriesOrder } from './series.ts';
export type { TomoSeriesInput, TomoSeriesOptions, TomoSeriesResult, TomoSeriesEnergy } from './series.ts';
