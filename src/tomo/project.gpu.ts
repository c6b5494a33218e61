/**
 * GPU path of the tomography kernels: one plan per (context, geometry, slab rows) holding
 * the slab buffers, so a volume of any height streams through in slabs of z with bounded
 * GPU memory. SIRT on a slab queues all its iterations (forward + residual, reduce, back +
 * update: three dispatches each) with no host round trip inside an iteration; the volume
 * and the residual curve are read back once per slab. Interpolation is by hand from
 * storage buffers, so no optional feature (float32-filterable) is needed.
 * WGSL: shaders/tomo_forward.wgsl, tomo_back.wgsl, tomo_reduce.wgsl.
 * CPU twin: project.cpu.ts / slices.cpu.ts (tested against each other).
 */
import type { GpuContext } from '../gpu/context.ts';
import type { TomoGeometry } from './geometry.ts';
import type { SirtParams } from './slices.cpu.ts';

/** Rays summed per workgroup by tomo_reduce's first step (256 threads × CHUNK 16). */
const REDUCE_PER_WORKGROUP = 256 * 16;

/** Iterations queued per command buffer (a progress report and abort check between). */
const ITERATIONS_PER_SUBMIT = 10;

export class TomoGpuPlan {
  private readonly buffers: GPUBuffer[] = [];
  private readonly params: GPUBuffer;
  private readonly table: GPUBuffer;
  readonly vol: GPUBuffer;
  readonly proj: GPUBuffer;
  readonly resid: GPUBuffer;
  private rw: GPUBuffer | null = null;
  private cw: GPUBuffer | null = null;
  private partials: GPUBuffer;
  private d2: GPUBuffer;
  private residual2: GPUBuffer | null = null;
  private cursor: GPUBuffer;
  private readonly fpWorkgroups: [number, number, number];
  private readonly bpWorkgroups: [number, number, number];
  /** Bytes of GPU memory this plan holds. */
  readonly bytes: number;

  private constructor(
    readonly ctx: GpuContext,
    readonly g: TomoGeometry,
    readonly slabRows: number,
    private readonly pipes: { fp: GPUComputePipeline; fpSirt: GPUComputePipeline; bp: GPUComputePipeline; bpSirt: GPUComputePipeline; partial: GPUComputePipeline; total: GPUComputePipeline },
  ) {
    const S = slabRows;
    const volN = S * g.ny * g.nx;
    const projN = g.nAngles * S * g.cols;
    this.fpWorkgroups = [Math.ceil(g.cols / 64), S, g.nAngles];
    this.bpWorkgroups = [Math.ceil(g.nx / 8), Math.ceil(g.ny / 8), S];
    const nPartials = Math.ceil(projN / REDUCE_PER_WORKGROUP);
    const mk = (n: number, label: string) => {
      const b = ctx.storageBuffer(n * 4, label);
      this.buffers.push(b);
      return b;
    };
    this.vol = mk(volN, 'tomo vol');
    this.proj = mk(projN, 'tomo proj');
    this.resid = mk(projN, 'tomo resid');
    this.partials = mk(nPartials, 'tomo partials');
    this.d2 = mk(projN, 'tomo d2');
    this.cursor = mk(3, 'tomo cursor');
    this.table = ctx.storageBuffer(g.table, 'tomo table');
    this.buffers.push(this.table);
    this.params = ctx.uniformBuffer(new Uint32Array(12), 'tomo params');
    this.buffers.push(this.params);
    this.bytes = (3 * projN + volN + nPartials) * 4;
    this.setParams(S, 0, -Infinity, Infinity);
  }

  static async create(ctx: GpuContext, g: TomoGeometry, slabRows: number): Promise<TomoGpuPlan> {
    const [fp, fpSirt, bp, bpSirt, partial, total] = await Promise.all([
      ctx.pipeline({ shader: 'tomo_forward', constants: { MODE: 0 } }),
      ctx.pipeline({ shader: 'tomo_forward', constants: { MODE: 1 } }),
      ctx.pipeline({ shader: 'tomo_back', constants: { MODE: 0 } }),
      ctx.pipeline({ shader: 'tomo_back', constants: { MODE: 1 } }),
      ctx.pipeline({ shader: 'tomo_reduce', entryPoint: 'partial' }),
      ctx.pipeline({ shader: 'tomo_reduce', entryPoint: 'total' }),
    ]);
    return new TomoGpuPlan(ctx, g, slabRows, { fp, fpSirt, bp, bpSirt, partial, total });
  }

  /** Largest slab (rows) whose buffers fit the adapter's binding limit and `budgetBytes`. */
  static slabRowsFor(ctx: GpuContext, g: TomoGeometry, budgetBytes: number): number {
    const perRowProj = g.nAngles * g.cols * 4;
    const perRowVol = g.nx * g.ny * 4;
    const maxBind = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
    const byBind = Math.floor(maxBind / Math.max(perRowProj, perRowVol));
    const byBudget = Math.floor(budgetBytes / (4 * perRowProj + 2 * perRowVol));
    const byGrid = ctx.limits.maxComputeWorkgroupsPerDimension;
    return Math.max(1, Math.min(g.rows, byBind, byBudget, byGrid));
  }

  private paramWords(rows: number, weightsPerSlice: number, lo: number, hi: number, a0 = 0, nSub = this.g.nAngles, cOff = 0): Uint32Array {
    const u = new Uint32Array(12);
    const f = new Float32Array(u.buffer);
    u.set([this.g.nx, this.g.ny, this.g.cols, this.g.nAngles, rows, weightsPerSlice]);
    f[6] = Math.max(lo, -3.4e38);
    f[7] = Math.min(hi, 3.4e38);
    u.set([a0, nSub, cOff], 8);
    return u;
  }

  private setParams(rows: number, weightsPerSlice: number, lo: number, hi: number): void {
    this.ctx.upload(this.params, this.paramWords(rows, weightsPerSlice, lo, hi));
  }

  private dispatch(enc: GPUCommandEncoder, pipe: GPUComputePipeline, buffers: GPUBuffer[], wg: [number, number, number]): void {
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, this.ctx.bindGroup(pipe, buffers));
    pass.dispatchWorkgroups(wg[0], wg[1], wg[2]);
    pass.end();
  }

  /** FP of `rows` slices in `vol` (uploaded) → projections [nAngles, rows, cols]. */
  async forward(vol: Float32Array, rows: number): Promise<Float32Array> {
    this.setParams(rows, 0, -Infinity, Infinity);
    this.ctx.upload(this.vol, vol);
    const enc = this.ctx.device.createCommandEncoder();
    const wg: [number, number, number] = [this.fpWorkgroups[0], rows, this.g.nAngles];
    this.dispatch(enc, this.pipes.fp, [this.params, this.table, this.vol, this.proj, this.resid, this.cursor, this.d2], wg);
    this.ctx.device.queue.submit([enc.finish()]);
    return this.ctx.readFloat32(this.proj, this.g.nAngles * rows * this.g.cols);
  }

  /** BP of projections [nAngles, rows, cols] → volume [rows, ny, nx]. */
  async back(proj: Float32Array, rows: number): Promise<Float32Array> {
    this.setParams(rows, 0, -Infinity, Infinity);
    this.ctx.upload(this.proj, proj);
    const enc = this.ctx.device.createCommandEncoder();
    this.dispatch(enc, this.pipes.bp, [this.params, this.table, this.proj, this.vol, this.partials], [this.bpWorkgroups[0], this.bpWorkgroups[1], rows]);
    this.ctx.device.queue.submit([enc.finish()]);
    return this.ctx.readFloat32(this.vol, rows * this.g.ny * this.g.nx);
  }

  /**
   * SIRT iterations on one slab: `proj` [nAngles, rows, cols], `vol` [rows, ny, nx] the
   * start (overwritten with the result), weights R and C as the CPU computes them
   * (R [nAngles, cols] and C [S][ny, nx], or per slice when `perSlice`; S ordered subsets
   * of contiguous angles, p.subsetStarts). Returns Σ residual² per iteration.
   * `onIterations(k)` runs between submits (progress, abort).
   */
  async sirt(
    proj: Float32Array,
    vol: Float32Array,
    rows: number,
    weights: { R: Float32Array; C: Float32Array; perSlice: boolean },
    p: SirtParams,
    onIterations?: (done: number) => void,
  ): Promise<Float64Array> {
    const { ctx, g } = this;
    this.setParams(rows, weights.perSlice ? 1 : 0, p.min, p.max);
    ctx.upload(this.proj, proj);
    ctx.upload(this.vol, vol);
    this.rw = this.replace(this.rw, weights.R, 'tomo R');
    this.cw = this.replace(this.cw, weights.C, 'tomo C');
    if (!this.residual2 || this.residual2.size < p.iterations * 4) {
      this.residual2?.destroy();
      this.residual2 = ctx.storageBuffer(Math.max(1, p.iterations) * 4, 'tomo residual');
    }
    const nRays = g.nAngles * rows * g.cols;
    const nPartials = Math.ceil(nRays / REDUCE_PER_WORKGROUP);
    ctx.upload(this.cursor, new Uint32Array([nRays, nPartials, 0]));
    const bpWg: [number, number, number] = [this.bpWorkgroups[0], this.bpWorkgroups[1], rows];
    // One parameter block per ordered subset (its angle range and its C).
    const st = p.subsetStarts;
    const cBlock = weights.perSlice ? rows * g.ny * g.nx : g.ny * g.nx;
    const subsetParams = Array.from({ length: st.length - 1 }, (_, j) => ctx.uniformBuffer(this.paramWords(rows, weights.perSlice ? 1 : 0, p.min, p.max, st[j], st[j + 1] - st[j], j * cBlock), `tomo subset ${j}`));
    const subsets = subsetParams.map((params, j) => ({
      fpWg: [this.fpWorkgroups[0], rows, st[j + 1] - st[j]] as [number, number, number],
      fpBind: ctx.bindGroup(this.pipes.fpSirt, [params, this.table, this.vol, this.resid, this.proj, this.rw!, this.d2]),
      bpBind: ctx.bindGroup(this.pipes.bpSirt, [params, this.table, this.resid, this.vol, this.cw!]),
    }));
    // The two reduce entry points use different subsets of the module's bindings.
    const bindings = (pipe: GPUComputePipeline, used: [number, GPUBuffer][]) =>
      ctx.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: used.map(([binding, buffer]) => ({ binding, resource: { buffer } })) });
    const partialBind = bindings(this.pipes.partial, [[0, this.d2], [1, this.partials], [3, this.cursor]]);
    const totalBind = bindings(this.pipes.total, [[1, this.partials], [2, this.residual2!], [3, this.cursor]]);
    for (let k0 = 0; k0 < p.iterations; k0 += ITERATIONS_PER_SUBMIT) {
      const k1 = Math.min(p.iterations, k0 + ITERATIONS_PER_SUBMIT);
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (let k = k0; k < k1; k++) {
        for (const sub of subsets) {
          pass.setPipeline(this.pipes.fpSirt);
          pass.setBindGroup(0, sub.fpBind);
          pass.dispatchWorkgroups(...sub.fpWg);
          pass.setPipeline(this.pipes.bpSirt);
          pass.setBindGroup(0, sub.bpBind);
          pass.dispatchWorkgroups(...bpWg);
        }
        pass.setPipeline(this.pipes.partial);
        pass.setBindGroup(0, partialBind);
        pass.dispatchWorkgroups(nPartials);
        pass.setPipeline(this.pipes.total);
        pass.setBindGroup(0, totalBind);
        pass.dispatchWorkgroups(1);
      }
      pass.end();
      ctx.device.queue.submit([enc.finish()]);
      if (onIterations) {
        await ctx.sync();
        onIterations(k1);
      }
    }
    vol.set(await ctx.readFloat32(this.vol, rows * g.ny * g.nx));
    const r2 = await ctx.readFloat32(this.residual2, p.iterations);
    for (const b of subsetParams) b.destroy();
    return Float64Array.from(r2);
  }

  private replace(buf: GPUBuffer | null, data: Float32Array, label: string): GPUBuffer {
    if (buf && buf.size >= data.byteLength) {
      this.ctx.upload(buf, data);
      return buf;
    }
    buf?.destroy();
    return this.ctx.storageBuffer(data, label);
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.rw?.destroy();
    this.cw?.destroy();
    this.residual2?.destroy();
  }
}
