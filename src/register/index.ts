/**
 * Registration of energy images: subpixel phase cross-correlation (upsampled DFT, batched
 * on the GPU with a CPU twin), Fourier and interpolation shifts, rescaling to a common
 * pixel size, and stack registration with cropping to the common field.
 *
 * Sign convention: shifts are (dy, dx) that move the MOVING image onto the REFERENCE
 * (shiftImage / fourierShift convention out(y, x) = in(y − dy, x − dx)), the same sign as
 * scikit-image's phase_cross_correlation. Volumes [nz, ny, nx]: registerVolumes returns
 * (dz, dy, dx) with the same sign, for shiftVolume's out(z, y, x) = in(z − dz, y − dy, x − dx).
 */
export { registerPairs, phaseCrossCorrelation } from './register-pairs.ts';
export type { RegisterPairsOptions, PairResults, PhaseCorrelationResult } from './register-pairs.ts';
export { DEFAULT_UPSAMPLE_FACTOR, DEFAULT_TUKEY_ALPHA, MAX_UPSAMPLE_FACTOR } from './options.ts';
export type { PhaseCorrelationOptions, Normalization, WindowKind, MaskArray, MaskInput } from './options.ts';
export type { ImageStackInput } from './pairs.ts';
export { fourierShift, shiftImage, shiftStack } from './shift.ts';
export type { FourierShiftOptions, InterpolationShiftOptions, ShiftMethod } from './shift.ts';
export type { InterpolationOrder } from './axis-resample.ts';
export { rescaleImage, rescaleStack, DEFAULT_TARGET_PIXEL_M } from './rescale.ts';
export type { RescaleOptions, RescaleStackOptions, RescaledStack } from './rescale.ts';
export { registerStack, commonRegion, cropToRegion, DEFAULT_STACK_STRATEGY } from './stack.ts';
export type { RegisterStackOptions, StackRegistration, StackStrategy, Region } from './stack.ts';
export { tukeyWindow1d, window2d } from './window.ts';
export { smoothRandomField, smoothRandomVolume, xanesLikeStack } from './synthetic.ts';
export type { XanesStackSpec } from './synthetic.ts';
export { registerVolumes, DEFAULT_VOLUME_UPSAMPLE_FACTOR } from './register-volumes.ts';
export type { RegisterVolumesOptions, VolumeRegistration } from './register-volumes.ts';
export type { VolumeStackInput } from './volume-pairs.ts';
export { MAX_VOLUME_UPSAMPLE_FACTOR } from './volume-correlate.ts';
export { shiftVolume } from './volume-shift.ts';
export type { VolumeShiftOptions, VolumeShiftMethod } from './volume-shift.ts';
export { CpuFft3d } from './volume-fft.ts';
