/**
 * GPU path of registerPairs: many pairs per submit, nothing read back but the final
 * per-pair numbers. Per chunk of pairs (sized to keep buffers within a memory budget):
 *
 *   register_pack          one workgroup per pair: mean, taper, pad; ref → re, moving → im
 *   GpuFft2d forward       both images of every pair in one complex FFT
 *   register_cross_power   P = F·conj(G) (phase-normalised or not), per element
 *   GpuFft2d inverse       correlation on the integer grid
 *   register_coarse_peak   one workgroup per pair: integer peak s0
 *   register_dft_rows      workgroup per (row k ≤ H/2, pair): first matrix product
 *   register_dft_cols      workgroup per (grid row u, pair): second product → (1.5U)² grid
 *   register_refine        one workgroup per pair: grid argmax, powers and CC for the error
 *
 * Chunks are queued back to back (inputs rewritten between submits, which the queue
 * orders), and the results of all pairs are read back once at the end.
 * CPU twin: correlate.cpu.ts (same formulas; tested against each other).
 */
import type { GpuContext } from '../gpu/context.ts';
import { gridFor } from '../gpu/dispatch.ts';
import { GpuFft2d } from '../fft/index.ts';
import { throwIfAborted } from '../core/progress.ts';
import type { ResolvedCorrelationOptions } from './options.ts';
import type { PairSet } from './pairs.ts';
import { finishPair, type PairResults } from './correlate.cpu.ts';
import { upsampleGeometry, upsampleTables } from './upsampled-dft.ts';
import { window2d } from './window.ts';

/** Bytes of intermediate GPU buffers one call may hold at once. */
const MEMORY_BUDGET_BYTES = 512 * 1024 * 1024;
const RESULT_FLOATS = 8;

// Per context: FFT plans per (H, W) and refinement tables per (H, W, U), made once and kept
// for the context's life (small; registration runs once per stack or energy series).
const fftPlans = new WeakMap<GpuContext, Map<string, Promise<GpuFft2d>>>();
const tableCache = new WeakMap<GpuContext, Map<string, { col: GPUBuffer; row: GPUBuffer }>>();

function cached<T>(cache: WeakMap<GpuContext, Map<string, T>>, ctx: GpuContext, key: string, make: () => T): T {
  let m = cache.get(ctx);
  if (!m) {
    m = new Map();
    cache.set(ctx, m);
  }
  let v = m.get(key);
  if (v === undefined) {
    v = make();
    m.set(key, v);
  }
  return v;
}

function fftPlan(ctx: GpuContext, fftH: number, fftW: number): Promise<GpuFft2d> {
  const key = `${fftH}x${fftW}`;
  return cached(fftPlans, ctx, key, () => {
    const p = GpuFft2d.create(ctx, fftH, fftW);
    p.catch(() => fftPlans.get(ctx)?.delete(key));
    return p;
  });
}

function tables(ctx: GpuContext, fftH: number, fftW: number, upsample: number): { col: GPUBuffer; row: GPUBuffer } {
  return cached(tableCache, ctx, `${fftH}x${fftW}@${upsample}`, () => {
    const t = upsampleTables(fftH, fftW, upsample);
    return { col: ctx.storageBuffer(t.col, 'register col table'), row: ctx.storageBuffer(t.row, 'register row table') };
  });
}

function pairsPerChunk(ctx: GpuContext, set: PairSet, region: number): number {
  const frameBytes = set.fftH * set.fftW * 8;
  const perPair = 2 * frameBytes + (set.fftH / 2 + 1) * region * 8 + region * region * 4 + 4 * set.h * set.w * 4;
  const maxBinding = ctx.limits.maxStorageBufferBindingSize;
  const byBinding = Math.floor(maxBinding / Math.max(frameBytes, (set.fftH / 2 + 1) * region * 8));
  const byBudget = Math.floor(MEMORY_BUDGET_BYTES / perPair);
  return Math.max(1, Math.min(set.n, byBinding, byBudget, ctx.limits.maxComputeWorkgroupsPerDimension));
}

/** `maxPairsPerChunk` caps the chunk size below what the memory budget allows (tests use it to force several chunks). */
export async function correlatePairsGpu(ctx: GpuContext, set: PairSet, opts: ResolvedCorrelationOptions, signal?: AbortSignal, maxPairsPerChunk = Infinity): Promise<PairResults> {
  const { fftH, fftW, h, w, n } = set;
  const geo = upsampleGeometry(opts.upsampleFactor);
  const r = geo.regionSize;
  const halfH = fftH / 2 + 1;
  const table = tables(ctx, fftH, fftW, opts.upsampleFactor);
  const tile = Math.min(fftW, 1024);
  const [fft, pack, cross, coarse, rows, cols, refine] = await Promise.all([
    fftPlan(ctx, fftH, fftW),
    ctx.pipeline({ shader: 'register_pack' }),
    ctx.pipeline({ shader: 'register_cross_power' }),
    ctx.pipeline({ shader: 'register_coarse_peak' }),
    ctx.pipeline({ shader: 'register_dft_rows', constants: { TILE: tile } }),
    ctx.pipeline({ shader: 'register_dft_cols' }),
    ctx.pipeline({ shader: 'register_refine' }),
  ]);
  const chunk = Math.max(1, Math.min(pairsPerChunk(ctx, set, r), maxPairsPerChunk));
  const hw = h * w;
  const frame = fftH * fftW;
  const owned: GPUBuffer[] = [];
  const buf = (size: number | ArrayBufferView, label: string) => {
    const b = ctx.storageBuffer(size, label);
    owned.push(b);
    return b;
  };
  try {
    const params = ctx.uniformBuffer(new Uint32Array(16), 'register params');
    owned.push(params);
    const refPerChunk = set.refCount > 1 ? chunk : 1;
    const refBuf = buf(refPerChunk * hw * 4, 'register reference');
    const movBuf = buf(chunk * hw * 4, 'register moving');
    const winBuf = buf(window2d(opts.window, h, w, opts.tukeyAlpha), 'register window');
    const refMaskBuf = set.refMask ? buf((set.refMaskCount > 1 ? chunk : 1) * hw * 4, 'register reference mask') : buf(4, 'no mask');
    const movMaskBuf = set.movMask ? buf((set.movMaskCount > 1 ? chunk : 1) * hw * 4, 'register moving mask') : buf(4, 'no mask');
    const zBuf = buf(chunk * frame * 8, 'register spectra');
    const xBuf = buf(chunk * frame * 8, 'register cross-power');
    const peaksBuf = buf(chunk * 8, 'register coarse peaks');
    const cBuf = buf(chunk * halfH * r * 8, 'register first product');
    const gridBuf = buf(chunk * r * r * 4, 'register refinement grid');
    const resultsBuf = buf(n * RESULT_FLOATS * 4, 'register results');
    const groups = {
      pack: ctx.bindGroup(pack, [params, refBuf, movBuf, winBuf, refMaskBuf, movMaskBuf, zBuf]),
      cross: ctx.bindGroup(cross, [params, zBuf, xBuf]),
      coarse: ctx.bindGroup(coarse, [params, xBuf, peaksBuf]),
      rows: ctx.bindGroup(rows, [params, zBuf, peaksBuf, table.col, cBuf]),
      cols: ctx.bindGroup(cols, [params, cBuf, table.row, gridBuf]),
      refine: ctx.bindGroup(refine, [params, zBuf, peaksBuf, gridBuf, resultsBuf]),
    };
    const flags = (opts.normalization === 'phase' ? 1 : 0) | (set.refMask ? 2 : 0) | (set.movMask ? 4 : 0);
    if (set.refCount === 1) ctx.upload(refBuf, set.ref);
    if (set.refMask && set.refMaskCount === 1) ctx.upload(refMaskBuf, set.refMask);
    if (set.movMask && set.movMaskCount === 1) ctx.upload(movMaskBuf, set.movMask);
    for (let base = 0; base < n; base += chunk) {
      throwIfAborted(signal);
      const nc = Math.min(chunk, n - base);
      ctx.upload(params, new Uint32Array([h, w, fftH, fftW, nc, base, set.refCount > 1 ? hw : 0, set.refMaskCount > 1 ? hw : 0, set.movMaskCount > 1 ? hw : 0, flags, opts.upsampleFactor, r, geo.regionCenter, halfH, 0, 0]));
      ctx.upload(movBuf, set.mov.subarray(base * hw, (base + nc) * hw));
      if (set.refCount > 1) ctx.upload(refBuf, set.ref.subarray(base * hw, (base + nc) * hw));
      if (set.refMask && set.refMaskCount > 1) ctx.upload(refMaskBuf, set.refMask.subarray(base * hw, (base + nc) * hw));
      if (set.movMask && set.movMaskCount > 1) ctx.upload(movMaskBuf, set.movMask.subarray(base * hw, (base + nc) * hw));
      const enc = ctx.device.createCommandEncoder({ label: 'registerPairs' });
      const pass1 = enc.beginComputePass({ label: 'register pack' });
      pass1.setPipeline(pack);
      pass1.setBindGroup(0, groups.pack);
      pass1.dispatchWorkgroups(nc);
      pass1.end();
      fft.encode(enc, zBuf, nc, 'forward');
      const pass2 = enc.beginComputePass({ label: 'register cross-power' });
      pass2.setPipeline(cross);
      pass2.setBindGroup(0, groups.cross);
      pass2.dispatchWorkgroups(...gridFor(nc * frame, 256, ctx.limits.maxComputeWorkgroupsPerDimension));
      pass2.end();
      fft.encode(enc, xBuf, nc, 'inverse');
      const pass3 = enc.beginComputePass({ label: 'register refine' });
      pass3.setPipeline(coarse);
      pass3.setBindGroup(0, groups.coarse);
      pass3.dispatchWorkgroups(nc);
      pass3.setPipeline(rows);
      pass3.setBindGroup(0, groups.rows);
      pass3.dispatchWorkgroups(halfH, nc);
      pass3.setPipeline(cols);
      pass3.setBindGroup(0, groups.cols);
      pass3.dispatchWorkgroups(r, nc);
      pass3.setPipeline(refine);
      pass3.setBindGroup(0, groups.refine);
      pass3.dispatchWorkgroups(nc);
      pass3.end();
      ctx.device.queue.submit([enc.finish()]);
    }
    const raw = await ctx.readFloat32(resultsBuf, n * RESULT_FLOATS);
    const out: PairResults = { shifts: new Float64Array(2 * n), errors: new Float64Array(n), peaks: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const o = i * RESULT_FLOATS;
      finishPair(
        { s0r: raw[o], s0c: raw[o + 1], mr: raw[o + 2], mc: raw[o + 3], peakSum: raw[o + 4], refPower: raw[o + 5], movPower: raw[o + 6], ccAtShift: raw[o + 7] },
        opts.upsampleFactor,
        fftH,
        fftW,
        out,
        i,
      );
    }
    return out;
  } finally {
    for (const b of owned) b.destroy();
  }
}
