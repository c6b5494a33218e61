/**
 * GPU path of the per-pixel fit (shaders/xanes_fit.wgsl): the stack streams through the
 * device in blocks of pixels, one dispatch per block, with the next block uploaded and
 * dispatched while the previous block's results are read back (two staging buffers).
 * Nothing is read back inside the LM iterations.
 */
import type { GpuContext } from '../gpu/context.ts';
import { gridFor } from '../gpu/dispatch.ts';
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import type { EnergyGrid } from './grid.ts';
import type { LmSettings } from './lm.ts';
import { DEFAULT_LM, N_STARTS } from './lm.ts';
import type { NormWeights } from './normalize.ts';
import type { FitMaps } from './fit-cpu.ts';
import { XanesStatus } from './status.ts';
import type { EdgeTemplate } from './shared-shape.ts';

const WG = 64;
const N_FIELDS = 8;

export interface GpuFitOptions extends RunControl {
  lm?: Partial<LmSettings>;
  /** Shared-shape model: scale-and-shift fit of this template (else the free 3-Gaussian fit). */
  template?: EdgeTemplate;
  /** Pixels per dispatch; default 65,536 (8,192 on software adapters, for progress granularity). */
  blockPixels?: number;
}

/** Packs the per-grid constants (normalisation weights, fit-window energies) for the kernel. */
function packConsts(grid: EnergyGrid, w: NormWeights, xc: number, template?: EdgeTemplate) {
  const parts: number[][] = [
    Array.from(w.t),
    Array.from(w.wa),
    Array.from(w.wb),
    Array.from(w.wPost),
    Array.from(grid.energyEv.subarray(grid.fitLo, grid.fitHi), (e) => e - xc),
    Array.from(w.preIdx),
    Array.from(w.postIdx),
    template ? Array.from(template.params) : [0],
  ];
  const offsets: number[] = [];
  let o = 0;
  for (const part of parts) {
    offsets.push(o);
    o += part.length;
  }
  return { data: Float32Array.from(parts.flat()), offsets };
}

/**
 * Fits every pixel of `data` ([nE, nPix]) into `maps`. Energies in `maps` are absolute eV
 * (the kernel works relative to the fit-window centre x_c for float32 precision).
 */
export async function fitStackGpu(ctx: GpuContext, data: Float32Array, nPix: number, grid: EnergyGrid, w: NormWeights, minEdgeStep: number, maps: FitMaps, opts: GpuFitOptions = {}): Promise<void> {
  const lm = { ...DEFAULT_LM, ...opts.lm };
  const nE = grid.energyEv.length;
  const nFit = grid.fitHi - grid.fitLo;
  const xFit = grid.energyEv.subarray(grid.fitLo, grid.fitHi);
  const xc = (xFit[0] + xFit[nFit - 1]) / 2;
  let minStep = Infinity;
  for (let i = 1; i < nFit; i++) minStep = Math.min(minStep, xFit[i] - xFit[i - 1]);
  const sMin = Math.max(0.25, 0.5 * minStep);
  const sMax = xFit[nFit - 1] - xFit[0];
  const maxBytes = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize, 256 * 1024 * 1024);
  const wanted = opts.blockPixels ?? (ctx.info.isSoftware ? 8192 : 65536);
  const block = Math.max(1, Math.min(wanted, nPix, Math.floor(maxBytes / (4 * Math.max(nE, N_FIELDS)))));

  const pipeline = await ctx.pipeline({ shader: 'xanes_fit' });
  if (opts.template && Math.abs(opts.template.xcEv - xc) > 1e-6) throw new Error('template fitted on another fit window');
  const consts = packConsts(grid, w, xc, opts.template);
  const constBuf = ctx.storageBuffer(consts.data, 'xanes consts');
  const muBuf = ctx.storageBuffer(nE * block * 4, 'xanes mu block');
  const outBuf = ctx.storageBuffer(N_FIELDS * block * 4, 'xanes out block');
  const paramBuf = ctx.createBuffer(96, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'xanes params');
  const staging = [0, 1].map((i) => ctx.createBuffer(N_FIELDS * block * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `xanes readback ${i}`));
  const bind = ctx.bindGroup(pipeline, [paramBuf, constBuf, muBuf, outBuf]);
  const host = new Float32Array(nE * block);
  const params = new ArrayBuffer(96);
  const pu = new Uint32Array(params);
  const pf = new Float32Array(params);

  type Pending = { p0: number; count: number; buf: GPUBuffer; mapped: Promise<void> };
  const pending: Pending[] = [];
  const nBlocks = Math.ceil(nPix / block);
  let done = 0;

  const collect = async (job: Pending) => {
    await job.mapped;
    const r = new Float32Array(job.buf.getMappedRange(0, N_FIELDS * job.count * 4));
    const c = job.count;
    for (let i = 0; i < c; i++) {
      const q = job.p0 + i;
      const status = r[4 * c + i];
      maps.status[q] = status;
      maps.edgeStep[q] = r[5 * c + i];
      maps.iterations[q] = Math.min(r[6 * c + i], 65535);
      const keep = status === XanesStatus.OK || status === XanesStatus.NOT_CONVERGED;
      maps.edgeEnergyEv[q] = keep ? r[i] + xc : NaN;
      maps.edgeEnergyStdEv[q] = keep ? r[c + i] : NaN;
      maps.e0HalfStepEv[q] = keep ? r[2 * c + i] + xc : NaN;
      maps.derivMaxEv[q] = keep ? r[3 * c + i] + xc : NaN;
    }
    job.buf.unmap();
    done += c;
    opts.onProgress?.({ stage: 'xanes-fit', done, total: nPix, message: `${done}/${nPix} spectra (GPU)` });
  };

  try {
    for (let b = 0; b < nBlocks; b++) {
      throwIfAborted(opts.signal);
      const p0 = b * block;
      const count = Math.min(block, nPix - p0);
      for (let j = 0; j < nE; j++) host.set(data.subarray(j * nPix + p0, j * nPix + p0 + count), j * count);
      ctx.upload(muBuf, host.subarray(0, nE * count));
      pu.set([count, nE, grid.fitLo, nFit, w.preIdx.length, w.postIdx.length, lm.background ? 11 : 9, lm.maxIterations, lm.screenIterations, N_STARTS]);
      pf.set([minEdgeStep, lm.relTolerance, sMin, sMax], 10);
      pu.set(consts.offsets.slice(0, 7), 14);
      pu[21] = 0x7fc00000;
      pu[22] = opts.template ? 1 : 0;
      pu[23] = consts.offsets[7];
      ctx.upload(paramBuf, pu);
      const buf = staging[b % 2];
      const enc = ctx.device.createCommandEncoder({ label: 'xanes fit' });
      const pass = enc.beginComputePass({ label: 'xanes fit' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      const [gx, gy] = gridFor(count, WG, ctx.limits.maxComputeWorkgroupsPerDimension);
      pass.dispatchWorkgroups(gx, gy);
      pass.end();
      enc.copyBufferToBuffer(outBuf, 0, buf, 0, N_FIELDS * count * 4);
      ctx.device.queue.submit([enc.finish()]);
      pending.push({ p0, count, buf, mapped: buf.mapAsync(GPUMapMode.READ, 0, N_FIELDS * count * 4) });
      if (pending.length === 2) await collect(pending.shift()!);
    }
    while (pending.length) await collect(pending.shift()!);
    ctx.checkHealthy();
  } finally {
    // Wait for in-flight maps before destroying (after an abort or error).
    await Promise.allSettled(pending.map((j) => j.mapped));
    for (const b of [constBuf, muBuf, outBuf, paramBuf, ...staging]) b.destroy();
  }
}
