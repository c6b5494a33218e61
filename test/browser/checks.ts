// Stage checks run inside the browser tab: the GPU FFT (WGSL through the bundler) against
// the CPU twin on the same data; the CPU FFT's WebAssembly SIMD kernel (compiled in the tab)
// against its JavaScript fallback.
import type { GpuContext } from '../../src/gpu/context.ts';
import { GpuFft2d } from '../../src/fft/fft.gpu.ts';
import { CpuFft2d, fft2dCpu } from '../../src/fft/fft.cpu.ts';

function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

export async function runChecks(ctx: GpuContext): Promise<Record<string, number>> {
  const [batch, h, w] = [4, 64, 128];
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const data = Float32Array.from({ length: 2 * batch * h * w }, rand);
  const cpu = Float32Array.from(data);
  fft2dCpu(cpu, batch, h, w, 'forward');
  const plan = await GpuFft2d.create(ctx, h, w);
  const buf = ctx.storageBuffer(data);
  const enc = ctx.device.createCommandEncoder();
  plan.encode(enc, buf, batch, 'forward');
  ctx.device.queue.submit([enc.finish()]);
  const gpu = await ctx.readFloat32(buf);
  buf.destroy();
  plan.dispose();
  const viaJs = Float32Array.from(data);
  new CpuFft2d(h, w, 'js').transformBatch(viaJs, 'forward', batch);
  return { fftGpuVsCpuRelError: relL2(gpu, cpu), fftFrames: batch, cpuFftWasm: new CpuFft2d(h, w).engine === 'wasm' ? 1 : 0, fftWasmVsJsRelError: relL2(cpu, viaJs) };
}
