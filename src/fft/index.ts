/**
 * Batched 2D complex FFT, CPU (own radix-4; fft.js is the test reference) and GPU (WGSL), on interleaved complex float32 frames
 * laid out [batch, height, width] (row-major, re/im pairs).
 *
 * Normalisation (numpy's convention):
 *   forward  X[ky,kx] = Σ x[y,x] · exp(-2πi (ky·y/H + kx·x/W))          (unnormalised)
 *   inverse  x[y,x]   = 1/(H·W) · Σ X[ky,kx] · exp(+2πi (ky·y/H + kx·x/W))
 * so inverse(forward(x)) = x and Σ|X|² = H·W · Σ|x|² (Parseval).
 * Zero frequency sits at index (0, 0); there is no implicit shift (fftshift2d moves it to
 * (H/2, W/2), ifftshift2d back). Sizes: powers of two from MIN_FFT_SIZE (16) to
 * MAX_FFT_SIZE (4096) per axis, square or not; bad sizes or lengths throw PtyxanesError.
 *
 * - `CpuFft2d`: reusable single-thread plan for hot loops, in place per frame: WebAssembly SIMD
 *   (float32) where available, else the JavaScript radix 4 (float64).
 * - `WasmFft2d`: the SIMD kernel's plan, frames held in its own memory (`frame(i)`), natural or scrambled order.
 * - `ScrambledFft2d`: float64 pair that leaves Fourier space bit-reversed (no permutation), for elementwise Fourier steps.
 * - `fft2dCpu`: in-place batch on the calling thread.
 * - `fft2d`: the entry function (backend 'gpu' | 'cpu' | 'auto'); CPU path on worker threads.
 * - `GpuFft2d`: GPU plan; `encode` records an in-place batched FFT into a command encoder.
 * - `fftshift2d` / `ifftshift2d` (CPU) and `GpuFftShift` (GPU) move zero frequency.
 */
export type { FftDirection } from './validate.ts';
export { MIN_FFT_SIZE, MAX_FFT_SIZE, checkFftInput, checkFftSize } from './validate.ts';
export { CpuFft2d, fft2dCpu, type CpuFftEngine } from './fft.cpu.ts';
export { WasmFft2d, wasmFftAvailable, useJavaScriptCpuFft } from './wasm-fft.ts';
export { ScrambledFft2d, bitReversedIndex, scrambledWork, scrambledWorkOn, type ScrambledWork } from './scrambled.ts';
export { GpuFft2d, type GpuFftOptions } from './fft.gpu.ts';
export { fft2d, gpuFftPlan, type Fft2dOptions } from './fft2d.ts';
export { fft2dThreaded, fftWorkerStatus, shutdownFftWorkers, fftThreads } from './fft.workers.ts';
export { fftshift2d, ifftshift2d } from './shift.ts';
export { GpuFftShift, type ShiftKind } from './shift.gpu.ts';
