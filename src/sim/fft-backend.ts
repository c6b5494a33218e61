/**
 * The far-field FFT of the simulator on the chosen backend. 'auto' takes the GPU only for
 * crops ≥ 128 (small frames are faster on the CPU and stay bit-identical across machines);
 * the CPU path spreads frames over worker threads. Results differ between backends only by
 * float rounding, so a seed reproduces the same counts on the same backend.
 */
import type { Backend } from '../gpu/backend.ts';
import type { GpuContext } from '../gpu/context.ts';
import { fft2d } from '../fft/index.ts';
import type { ForwardFft } from './detector.ts';

export const GPU_MIN_CROP = 128;

export async function forwardFftFor(backend: Backend, n: number, ctx?: GpuContext): Promise<ForwardFft> {
  const use: Backend = backend === 'auto' && n < GPU_MIN_CROP ? 'cpu' : backend;
  return async (data, batch) => {
    await fft2d(data, [batch, n, n], { direction: 'forward', backend: use, ctx });
  };
}
