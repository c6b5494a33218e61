/**
 * Batched 2D FFT on the GPU: a row pass then a column pass, each in place. Lines that fit
 * workgroup memory go through `shaders/fft_line.wgsl` (one dispatch per axis, whole lines in
 * shared memory, radix-16 stages, several lines per workgroup); longer lines (or any line
 * above `maxSharedLine`) through global-memory Stockham passes (`shaders/fft_pass.wgsl`)
 * ping-ponging with a scratch buffer.
 *
 * Kernels are forward-only: the inverse conjugates on load and store and scales by 1/N per
 * axis. Direction, axis and frame size are uniforms and the line length an override, so
 * one pipeline per line length serves rows, columns and both directions (shader compiles
 * cost seconds on software adapters). Pipelines are made in `create`; uniforms and bind
 * groups once per (buffer, batch, direction) and reused, so `encode` is cheap in hot loops.
 */
import type { GpuContext } from '../gpu/context.ts';
import { workgroupGrid } from '../gpu/dispatch.ts';
import { PtyxanesError } from '../core/errors.ts';
import { objectId } from './ids.ts';
import { checkBatch, checkDirection, checkFftInput, checkFftSize, MAX_FFT_SIZE, type FftDirection } from './validate.ts';

export interface GpuFftOptions {
  /** Longest line transformed in workgroup memory; longer ones use global passes. Default: what the adapter allows. */
  maxSharedLine?: number;
  /** Invocations per workgroup of the line kernel (power of two, capped by the adapter's limits and workgroup storage; at least N/16). Default 256. */
  workgroupSize?: number;
  /** Workgroups per grid dimension before spreading over y (testing); default the device limit. */
  maxWorkgroupsPerDim?: number;
  /** Largest storage binding used (batches beyond it run in chunks; testing); default the device limit. */
  maxBindingBytes?: number;
}

const POINTS_PER_INVOCATION = 16;
const PASS_WORKGROUP = 64;

interface LineAxis {
  kind: 'line';
  columns: boolean;
  n: number;
  linesPerWorkgroup: number;
  linesPerFrame: number;
  pipeline: GPUComputePipeline;
}

interface PassAxis {
  kind: 'pass';
  columns: boolean;
  n: number;
  linesPerFrame: number;
  radices: number[]; // one global pass per Stockham stage
  pipeline: GPUComputePipeline;
}

type Axis = LineAxis | PassAxis;
type Binding = GPUBufferBinding & { buffer: GPUBuffer };

const log2 = (n: number) => 31 - Math.clz32(n);

/** exp(-2πi n / MAX_FFT_SIZE), computed in f64, stored as f32 pairs. */
function twiddleTable(): Float32Array {
  const t = new Float32Array(2 * MAX_FFT_SIZE);
  for (let i = 0; i < MAX_FFT_SIZE; i++) {
    const a = (-2 * Math.PI * i) / MAX_FFT_SIZE;
    t[2 * i] = Math.cos(a);
    t[2 * i + 1] = Math.sin(a);
  }
  return t;
}

/** Radix-16 stages, the last one taking what is left (2, 4, 8 or 16). */
function stageRadices(n: number): number[] {
  const radices: number[] = [];
  let rest = n;
  while (rest > 16) {
    radices.push(16);
    rest /= 16;
  }
  radices.push(rest);
  return radices;
}

export class GpuFft2d {
  readonly height: number;
  readonly width: number;
  private readonly ctx: GpuContext;
  private readonly rows: Axis;
  private readonly cols: Axis;
  private readonly copyPipeline: GPUComputePipeline | null;
  private readonly twiddles: GPUBuffer;
  private readonly maxPerDim: number;
  private readonly maxBindingBytes: number;
  private readonly uniforms = new Map<string, GPUBuffer>();
  private readonly bindGroups = new WeakMap<GPUBuffer, Map<string, GPUBindGroup>>();
  private readonly retired: GPUBuffer[] = [];
  private scratch: GPUBuffer | null = null;
  private disposed = false;

  private constructor(ctx: GpuContext, h: number, w: number, rows: Axis, cols: Axis, copy: GPUComputePipeline | null, maxPerDim: number, maxBindingBytes: number) {
    this.ctx = ctx;
    this.height = h;
    this.width = w;
    this.rows = rows;
    this.cols = cols;
    this.copyPipeline = copy;
    this.twiddles = ctx.storageBuffer(twiddleTable(), 'fft twiddles');
    this.maxPerDim = maxPerDim;
    this.maxBindingBytes = maxBindingBytes;
  }

  static async create(ctx: GpuContext, height: number, width: number, opts: GpuFftOptions = {}): Promise<GpuFft2d> {
    checkFftSize(height, 'height');
    checkFftSize(width, 'width');
    const limits = ctx.limits;
    const maxInvocations = Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
    const storagePoints = Math.floor(limits.maxComputeWorkgroupStorageSize / 8);
    const wgWanted = opts.workgroupSize ?? 256;
    if (!Number.isInteger(wgWanted) || wgWanted < 1 || (wgWanted & (wgWanted - 1)) !== 0) {
      throw new PtyxanesError('FFT workgroup size must be a power of two', { field: 'workgroupSize', expected: 'a power of two', found: String(wgWanted) });
    }
    // Lines of more than two stages ping-pong between two halves of workgroup memory.
    const halves = (n: number) => (stageRadices(n).length > 2 ? 2 : 1);
    const fitsShared = (n: number) =>
      n <= (opts.maxSharedLine ?? Infinity) && n * halves(n) <= storagePoints && n / POINTS_PER_INVOCATION <= maxInvocations;
    const axis = async (columns: boolean): Promise<Axis> => {
      const n = columns ? height : width;
      const linesPerFrame = columns ? width : height;
      if (fitsShared(n)) {
        // Whole lines in shared memory; several per workgroup when the line is short.
        const k = halves(n);
        const wg = Math.max(n / POINTS_PER_INVOCATION, Math.min(wgWanted, maxInvocations, storagePoints / (k * POINTS_PER_INVOCATION)));
        const pipeline = await ctx.pipeline({ shader: 'fft_line', constants: { WG_SIZE: wg, SHARED: k * wg * POINTS_PER_INVOCATION, LOG_N: log2(n) } });
        return { kind: 'line', columns, n, linesPerWorkgroup: (wg * POINTS_PER_INVOCATION) / n, linesPerFrame, pipeline };
      }
      const pipeline = await ctx.pipeline({ shader: 'fft_pass' });
      return { kind: 'pass', columns, n, linesPerFrame, radices: stageRadices(n), pipeline };
    };
    const [rows, cols] = await Promise.all([axis(false), axis(true)]);
    const needsCopy = [rows, cols].some((a) => a.kind === 'pass' && a.radices.length % 2 === 1);
    const copy = needsCopy ? await ctx.pipeline({ shader: 'copy_complex' }) : null;
    const maxPerDim = Math.min(opts.maxWorkgroupsPerDim ?? Infinity, limits.maxComputeWorkgroupsPerDimension);
    const maxBinding = Math.min(opts.maxBindingBytes ?? Infinity, limits.maxStorageBufferBindingSize);
    return new GpuFft2d(ctx, height, width, rows, cols, copy, maxPerDim, maxBinding);
  }

  /** How each axis runs ('line': one shared-memory dispatch; 'pass': global passes), for tests and logs. */
  get layout(): { rows: string; cols: string } {
    const d = (a: Axis) => (a.kind === 'line' ? `line(N=${a.n}, ${a.linesPerWorkgroup} lines/workgroup)` : `pass(N=${a.n}, ${a.radices.length} passes)`);
    return { rows: d(this.rows), cols: d(this.cols) };
  }

  private get frameBytes(): number {
    return this.height * this.width * 8;
  }

  /**
   * Records an in-place batched 2D FFT of `batch` contiguous h×w complex frames starting at
   * byte 0 of `buffer` (which may be larger). Forward unnormalised; inverse scaled by 1/(H·W).
   */
  encode(encoder: GPUCommandEncoder, buffer: GPUBuffer, batch: number, direction: FftDirection): void {
    if (this.disposed) throw new Error('GpuFft2d used after dispose()');
    checkDirection(direction);
    checkBatch(batch);
    const need = batch * this.frameBytes;
    if (buffer.size < need) {
      throw new PtyxanesError('GPU buffer too small for the FFT batch', { field: 'buffer', expected: `>= ${need} bytes (${batch}×${this.height}×${this.width} complex f32)`, found: `${buffer.size} bytes` });
    }
    if (batch === 0) return;
    // Bind at most what one storage binding may cover; frames are multiples of 256 bytes.
    const perChunk = Math.max(1, Math.floor(this.maxBindingBytes / this.frameBytes));
    const pass = encoder.beginComputePass({ label: 'fft2d' });
    // A buffer within the binding limit is bound whole, so its bind groups serve every batch.
    const whole = buffer.size <= this.maxBindingBytes;
    for (let start = 0; start < batch; start += perChunk) {
      const frames = Math.min(perChunk, batch - start);
      const binding = whole ? { buffer, offset: 0, size: buffer.size } : { buffer, offset: start * this.frameBytes, size: frames * this.frameBytes };
      this.encodeAxis(pass, this.rows, binding, frames, direction);
      this.encodeAxis(pass, this.cols, binding, frames, direction);
    }
    pass.end();
  }

  private encodeAxis(pass: GPUComputePassEncoder, axis: Axis, data: Binding, frames: number, direction: FftDirection): void {
    const lines = frames * axis.linesPerFrame;
    const inverse = direction === 'inverse';
    const frame = [axis.columns ? 1 : 0, log2(this.width), log2(this.height)];
    const [conj, scale] = inverse ? [-1, 1 / axis.n] : [1, 1];
    if (axis.kind === 'line') {
      const workgroups = Math.ceil(lines / axis.linesPerWorkgroup);
      // Params: workgroups, lines, conj, scale, columns, log_w, log_h.
      const params = this.uniform([workgroups, lines], [conj, scale], frame);
      pass.setPipeline(axis.pipeline);
      pass.setBindGroup(0, this.bindGroupFor(axis.pipeline, [data, { buffer: this.twiddles }, { buffer: params }]));
      pass.dispatchWorkgroups(...workgroupGrid(workgroups, this.maxPerDim));
      return;
    }
    const invocations = (lines * axis.n) / POINTS_PER_INVOCATION;
    const grid = workgroupGrid(Math.ceil(invocations / PASS_WORKGROUP), this.maxPerDim);
    const bytes = frames * this.frameBytes;
    const scratch = { buffer: this.scratchFor(bytes), offset: 0, size: bytes };
    let src: Binding = data;
    let dst: Binding = scratch;
    let logNs = 0;
    axis.radices.forEach((radix, s) => {
      // Params: invocations, conj, scale, columns, log_w, log_h, log_n, log_ns, radix, first, last.
      const params = this.uniform([invocations], [conj, scale], [...frame, log2(axis.n), logNs, radix, s === 0 ? 1 : 0, s === axis.radices.length - 1 ? 1 : 0]);
      pass.setPipeline(axis.pipeline);
      pass.setBindGroup(0, this.bindGroupFor(axis.pipeline, [src, dst, { buffer: this.twiddles }, { buffer: params }]));
      pass.dispatchWorkgroups(...grid);
      [src, dst] = [dst, src];
      logNs += log2(radix);
    });
    if (src !== data) {
      const count = lines * axis.n;
      const copy = this.copyPipeline!;
      pass.setPipeline(copy);
      pass.setBindGroup(0, this.bindGroupFor(copy, [src, data, { buffer: this.uniform([count], [], []) }]));
      pass.dispatchWorkgroups(...workgroupGrid(Math.ceil(count / 64), this.maxPerDim));
    }
  }

  /**
   * A uniform of u32s, f32s, u32s (in that order), made once per value set and never
   * rewritten: several encodes with different batches may share one submit.
   */
  private uniform(head: number[], floats: number[], tail: number[]): GPUBuffer {
    const key = `${head}|${floats}|${tail}`;
    let u = this.uniforms.get(key);
    if (!u) {
      const words = head.length + floats.length + tail.length;
      const bytes = new ArrayBuffer(Math.max(64, Math.ceil(words / 4) * 16)); // ≥ every params struct
      new Uint32Array(bytes, 0, head.length).set(head);
      new Float32Array(bytes, 4 * head.length, floats.length).set(floats);
      new Uint32Array(bytes, 4 * (head.length + floats.length), tail.length).set(tail);
      u = this.ctx.uniformBuffer(new Uint8Array(bytes), 'fft params');
      this.uniforms.set(key, u);
    }
    return u;
  }

  private scratchFor(bytes: number): GPUBuffer {
    if (!this.scratch || this.scratch.size < bytes) {
      // Work already recorded may still use the old buffer: destroy it only on dispose.
      if (this.scratch) this.retired.push(this.scratch);
      this.scratch = this.ctx.storageBuffer(bytes, 'fft scratch');
    }
    return this.scratch;
  }

  /** Bind group cached per (first buffer, pipeline, bindings): made once, reused on every encode. */
  private bindGroupFor(pipeline: GPUComputePipeline, entries: Binding[]): GPUBindGroup {
    let perBuffer = this.bindGroups.get(entries[0].buffer);
    if (!perBuffer) {
      perBuffer = new Map();
      this.bindGroups.set(entries[0].buffer, perBuffer);
    }
    const key = `${objectId(pipeline)}|${entries.map((e) => `${objectId(e.buffer)}@${e.offset ?? 0}+${e.size ?? 'all'}`).join(',')}`;
    let bg = perBuffer.get(key);
    if (!bg) {
      bg = this.ctx.device.createBindGroup({
        label: 'fft',
        layout: pipeline.getBindGroupLayout(0),
        entries: entries.map((resource, binding) => ({ binding, resource })),
      });
      perBuffer.set(key, bg);
    }
    return bg;
  }

  /** Uploads `data` ([batch, h, w] complex), transforms it and reads it back into `data`. */
  async transform(data: Float32Array, batch: number, direction: FftDirection): Promise<Float32Array> {
    checkFftInput(data.length, batch, this.height, this.width);
    const buf = this.ctx.storageBuffer(data, 'fft data');
    try {
      const enc = this.ctx.device.createCommandEncoder();
      this.encode(enc, buf, batch, direction);
      this.ctx.device.queue.submit([enc.finish()]);
      data.set(await this.ctx.readFloat32(buf, data.length));
      return data;
    } finally {
      buf.destroy();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.twiddles.destroy();
    this.scratch?.destroy();
    for (const b of this.retired) b.destroy();
    for (const u of this.uniforms.values()) u.destroy();
    this.uniforms.clear();
  }
}
