/**
 * `fft2d`: the one entry point for a batched 2D FFT on either backend. The GPU path uploads,
 * transforms and reads back in blocks (plans cached per context and size); the CPU path
 * splits frames over worker threads. Either way the result is written back into `data`.
 */
import { resolveBackend, type Backend } from '../gpu/backend.ts';
import type { GpuContext } from '../gpu/context.ts';
import { throwIfAborted } from '../core/progress.ts';
import { checkDirection, checkFftInput, type FftDirection } from './validate.ts';
import { GpuFft2d } from './fft.gpu.ts';
import { fft2dThreaded } from './fft.workers.ts';

export interface Fft2dOptions {
  direction: FftDirection;
  backend?: Backend;
  ctx?: GpuContext;
  signal?: AbortSignal;
  /** CPU path: threads to use (default: all cores; 1 = the calling thread only). */
  threads?: number;
}

const plans = new WeakMap<GpuContext, Map<string, Promise<GpuFft2d>>>();

/** A GPU plan for (height, width), created once per context and kept for its lifetime. */
export function gpuFftPlan(ctx: GpuContext, height: number, width: number): Promise<GpuFft2d> {
  let m = plans.get(ctx);
  if (!m) plans.set(ctx, (m = new Map()));
  const key = `${height}x${width}`;
  let p = m.get(key);
  if (!p) {
    p = GpuFft2d.create(ctx, height, width);
    p.catch(() => m!.delete(key));
    m.set(key, p);
  }
  return p;
}

/**
 * Batched 2D FFT of `data` = [batch, height, width] interleaved complex float32, in place;
 * returns `data`. Forward unnormalised, inverse scaled by 1/(H·W).
 */
export async function fft2d(data: Float32Array, shape: [number, number, number], opts: Fft2dOptions): Promise<Float32Array> {
  const [batch, height, width] = shape;
  checkDirection(opts.direction);
  checkFftInput(data.length, batch, height, width);
  throwIfAborted(opts.signal);
  const backend = await resolveBackend(opts.backend ?? 'auto', opts.ctx);
  if (backend.kind === 'cpu') {
    await fft2dThreaded(data, batch, height, width, opts.direction, { threads: opts.threads, signal: opts.signal });
    return data;
  }
  const ctx = backend.ctx;
  const plan = await gpuFftPlan(ctx, height, width);
  const frameFloats = 2 * height * width;
  // Blocks of at most 256 MiB (or the adapter's buffer limit) bound the device memory used.
  const blockFrames = Math.max(1, Math.floor(Math.min(256 * 2 ** 20, ctx.limits.maxBufferSize) / (4 * frameFloats)));
  const buf = ctx.storageBuffer(4 * frameFloats * Math.min(batch, blockFrames), 'fft2d data');
  try {
    for (let first = 0; first < batch; first += blockFrames) {
      throwIfAborted(opts.signal);
      const frames = Math.min(blockFrames, batch - first);
      const block = data.subarray(first * frameFloats, (first + frames) * frameFloats);
      // Dawn's writeBuffer rejects shared memory: stage such blocks through an ordinary copy.
      ctx.upload(buf, typeof SharedArrayBuffer !== 'undefined' && block.buffer instanceof SharedArrayBuffer ? block.slice() : block);
      const enc = ctx.device.createCommandEncoder();
      plan.encode(enc, buf, frames, opts.direction);
      ctx.device.queue.submit([enc.finish()]);
      block.set(await ctx.readFloat32(buf, block.length));
    }
  } finally {
    buf.destroy();
  }
  return data;
}
