/**
 * Batched 2D FFT benchmark: frames/s for batch 64 at 128², 256², 512² on the GPU path
 * (GpuFft2d.encode, data resident on the device, GPU time), the CPU single-thread path
 * (CpuFft2d: WebAssembly SIMD, and its JavaScript radix-4 fallback) and the CPU multi-thread path (fft2d, worker threads, data in a
 * SharedArrayBuffer), their ratios, and a plain complex copy kernel over the same data on
 * the GPU (the memory-bandwidth limit: one read + one write per point).
 *
 *   npx tsx scripts/bench-fft.ts [--sizes 128,256,512] [--batch 64] [--seconds 1.5]
 *                                [--skip-gpu] [--skip-cpu] [--json]
 *
 * Each figure is the best of repeated runs (after a warm-up run that also compiles the
 * shaders); the paths take turns, about --seconds each, so on a shared machine they see the
 * same load and their ratios stay fair.
 */
import { cpus, loadavg } from 'node:os';
import { adapterLabel, type GpuContext } from '../src/gpu/context.ts';
import { gridFor } from '../src/gpu/dispatch.ts';
import { disposeSharedGpuContext, sharedGpuContext } from '../src/gpu/backend.ts';
import { CpuFft2d, GpuFft2d, fft2d, fftThreads, fftWorkerStatus, shutdownFftWorkers } from '../src/fft/index.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}
const json = process.argv.includes('--json');
const sizes = arg('--sizes', '128,256,512').split(',').map(Number);
const batch = Number(arg('--batch', '64'));
const seconds = Number(arg('--seconds', '1.5'));

function randomFrames(n: number, shared = false): Float32Array {
  const a = shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n);
  let s = 1;
  for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  return a;
}

/**
 * Best time (ms) of each runner. Runners take turns (one warm-up each, then rounds for about
 * `seconds` per runner, at least 3) so that on a shared machine they see the same load and
 * their ratios stay fair.
 */
async function bestInterleaved(runners: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const names = Object.keys(runners);
  const bestMs: Record<string, number> = Object.fromEntries(names.map((k) => [k, Infinity]));
  for (const k of names) await runners[k]();
  const t0 = performance.now();
  for (let round = 0; round < 3 || performance.now() - t0 < seconds * 1000 * names.length; round++) {
    for (const k of names) bestMs[k] = Math.min(bestMs[k], await runners[k]());
    if (round >= 50) break;
  }
  return bestMs;
}

async function wall(f: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

interface SizeResult {
  size: string;
  batch: number;
  cpu1FramesPerSec?: number;
  /** The JavaScript radix-4 fallback (CpuFft2d engine 'js'), one thread. */
  cpu1JsFramesPerSec?: number;
  cpuThreadsFramesPerSec?: number;
  gpuFramesPerSec?: number;
  copyFramesPerSec?: number;
  copyGBPerSec?: number;
  gpuOverCpu1?: number;
  cpuThreadsOverCpu1?: number;
  cpu1OverJs?: number;
  gpuOverCopy?: number;
}

async function copyKernel(ctx: GpuContext, src: GPUBuffer, dst: GPUBuffer, count: number): Promise<(enc: GPUCommandEncoder) => void> {
  const pipeline = await ctx.pipeline({ shader: 'copy_complex' });
  const params = ctx.uniformBuffer(new Uint32Array([count, 0, 0, 0]), 'copy params');
  const bg = ctx.bindGroup(pipeline, [src, dst, params]);
  const grid = gridFor(count, 64, ctx.limits.maxComputeWorkgroupsPerDimension);
  return (enc) => {
    const pass = enc.beginComputePass({ label: 'copy_complex' });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(...grid);
    pass.end();
  };
}

const plan1Engine = () => new CpuFft2d(16, 16).engine;

async function main(): Promise<void> {
  const out: Record<string, unknown> = {
    benchmark: 'fft2d',
    batch,
    node: process.version,
    cpuModel: cpus()[0]?.model,
    cores: cpus().length,
    cpuThreads: await fftThreads(),
    loadAverage1mStart: +loadavg()[0].toFixed(2),
  };
  let ctx: GpuContext | null = null;
  if (!process.argv.includes('--skip-gpu')) {
    try {
      ctx = await sharedGpuContext();
      out.adapter = adapterLabel(ctx.info);
      out.gpuTiming = ctx.hasTimestamps ? 'timestamp-query' : 'wall clock';
    } catch (e) {
      out.adapter = `none (${(e as Error).message})`;
    }
  }
  const results: SizeResult[] = [];
  for (const n of sizes) {
    const floats = 2 * batch * n * n;
    const r: SizeResult = { size: `${n}x${n}`, batch };
    const runners: Record<string, () => Promise<number>> = {};
    const cleanup: (() => void)[] = [];
    if (!process.argv.includes('--skip-cpu')) {
      const plan = new CpuFft2d(n, n);
      const jsPlan = new CpuFft2d(n, n, 'js');
      const data = randomFrames(floats, true);
      runners.cpu1 = () => wall(() => plan.transformBatch(data, 'forward', batch));
      runners.cpu1Js = () => wall(() => jsPlan.transformBatch(data, 'forward', batch));
      runners.cpuThreads = () => wall(() => fft2d(data, [batch, n, n], { direction: 'forward', backend: 'cpu' }));
    }
    if (ctx) {
      const gpu = ctx;
      const plan = await GpuFft2d.create(gpu, n, n);
      const buf = gpu.storageBuffer(randomFrames(floats));
      const dst = gpu.storageBuffer(4 * floats);
      const copy = await copyKernel(gpu, buf, dst, floats / 2);
      runners.gpu = async () => (await gpu.timeMs((enc) => plan.encode(enc, buf, batch, 'forward'))).ms;
      runners.copy = async () => (await gpu.timeMs(copy)).ms;
      out.gpuLayout ??= {};
      (out.gpuLayout as Record<string, unknown>)[r.size] = plan.layout;
      cleanup.push(() => (buf.destroy(), dst.destroy(), plan.dispose()));
    }
    const ms = await bestInterleaved(runners);
    const fps = (k: string) => (ms[k] === undefined ? undefined : batch / (ms[k] / 1000));
    r.cpu1FramesPerSec = fps('cpu1');
    r.cpu1JsFramesPerSec = fps('cpu1Js');
    r.cpuThreadsFramesPerSec = fps('cpuThreads');
    if (r.cpu1FramesPerSec && r.cpu1JsFramesPerSec) r.cpu1OverJs = r.cpu1FramesPerSec / r.cpu1JsFramesPerSec;
    r.gpuFramesPerSec = fps('gpu');
    r.copyFramesPerSec = fps('copy');
    if (ms.copy !== undefined) r.copyGBPerSec = (2 * 4 * floats) / (ms.copy / 1000) / 1e9;
    if (r.cpu1FramesPerSec && r.cpuThreadsFramesPerSec) r.cpuThreadsOverCpu1 = r.cpuThreadsFramesPerSec / r.cpu1FramesPerSec;
    if (r.cpu1FramesPerSec && r.gpuFramesPerSec) r.gpuOverCpu1 = r.gpuFramesPerSec / r.cpu1FramesPerSec;
    if (r.copyFramesPerSec && r.gpuFramesPerSec) r.gpuOverCopy = r.gpuFramesPerSec / r.copyFramesPerSec;
    for (const c of cleanup) c();
    results.push(r);
  }
  out.cpuWorkers = (await fftWorkerStatus()).workers;
  out.loadAverage1mEnd = +loadavg()[0].toFixed(2);
  out.results = results.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined).map(([k, v]) => [k, typeof v === 'number' ? +v.toPrecision(4) : v])));
  if (json) {
    console.log(JSON.stringify(out, null, 2));
  } else {
    console.log(`FFT benchmark: batched 2D complex FFT, forward, batch ${batch}, f32`);
    console.log(`adapter: ${out.adapter ?? 'skipped'}${out.gpuTiming ? ` (GPU time by ${out.gpuTiming})` : ''}`);
    console.log(`CPU: ${out.cpuModel}, ${out.cores} cores, ${out.cpuThreads} threads for the multi-thread path; Node ${out.node}; load average ${out.loadAverage1mStart} -> ${out.loadAverage1mEnd}`);
    const f = (v?: number, d = 1) => (v === undefined ? '-' : v.toFixed(d));
    console.log(`CPU 1 thread: ${plan1Engine()} kernel; JS 1 thread: the JavaScript radix-4 fallback`);
    console.log('size      | CPU 1 thread | JS 1 thread | CPU threads | GPU fft  | GPU copy (GB/s)  | 1/JS  | threads/1 | GPU/CPU1 | GPU/copy');
    for (const r of results) {
      console.log(
        `${r.size.padEnd(9)} | ${f(r.cpu1FramesPerSec).padStart(12)} | ${f(r.cpu1JsFramesPerSec).padStart(11)} | ${f(r.cpuThreadsFramesPerSec).padStart(11)} | ${f(r.gpuFramesPerSec).padStart(8)} | ` +
          `${`${f(r.copyFramesPerSec, 0)} (${f(r.copyGBPerSec, 2)})`.padStart(16)} | ${f(r.cpu1OverJs, 2).padStart(5)} | ${f(r.cpuThreadsOverCpu1, 2).padStart(9)} | ${f(r.gpuOverCpu1, 2).padStart(8)} | ${f(r.gpuOverCopy, 3).padStart(8)}`,
      );
    }
    console.log('(frames/s; GPU figures exclude upload/readback: data stays on the device as in ePIE)');
  }
}

try {
  await main();
} finally {
  await shutdownFftWorkers();
  disposeSharedGpuContext();
}
