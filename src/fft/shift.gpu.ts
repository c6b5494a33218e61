/**
 * fftshift / ifftshift on the GPU (`shaders/fftshift.wgsl`), out of place, over the last two
 * axes of `batch` contiguous complex frames: the twin of shift.ts. One dispatch per call;
 * pipelines compiled in `create`, uniforms and bind groups cached per (buffers, batch).
 */
import type { GpuContext } from '../gpu/context.ts';
import { gridFor } from '../gpu/dispatch.ts';
import { PtyxanesError } from '../core/errors.ts';
import { objectId } from './ids.ts';
import { checkBatch } from './validate.ts';

export type ShiftKind = 'fftshift' | 'ifftshift';

export class GpuFftShift {
  readonly height: number;
  readonly width: number;
  private readonly ctx: GpuContext;
  private readonly pipelines: Record<ShiftKind, GPUComputePipeline>;
  private readonly uniforms = new Map<number, GPUBuffer>();
  private readonly bindGroups = new WeakMap<GPUBuffer, Map<string, GPUBindGroup>>();

  private constructor(ctx: GpuContext, height: number, width: number, pipelines: Record<ShiftKind, GPUComputePipeline>) {
    this.ctx = ctx;
    this.height = height;
    this.width = width;
    this.pipelines = pipelines;
  }

  /** Any frame size (not only powers of two). */
  static async create(ctx: GpuContext, height: number, width: number): Promise<GpuFftShift> {
    for (const [field, v] of [['height', height], ['width', width]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new PtyxanesError('fftshift size must be a positive integer', { field, expected: 'integer >= 1', found: String(v) });
    }
    const make = (sy: number, sx: number) => ctx.pipeline({ shader: 'fftshift', constants: { H: height, W: width, SHIFT_Y: sy, SHIFT_X: sx } });
    const hy = Math.floor(height / 2);
    const hx = Math.floor(width / 2);
    // For even sizes both constant sets are equal and the context's cache returns one pipeline.
    const [fftshift, ifftshift] = await Promise.all([make(hy, hx), make(height - hy, width - hx)]);
    return new GpuFftShift(ctx, height, width, { fftshift, ifftshift });
  }

  /** Records dst = (i)fftshift(src) for `batch` frames; src and dst must be different buffers. */
  encode(encoder: GPUCommandEncoder, src: GPUBuffer, dst: GPUBuffer, batch: number, kind: ShiftKind = 'fftshift'): void {
    checkBatch(batch);
    if (kind !== 'fftshift' && kind !== 'ifftshift') throw new PtyxanesError('unknown shift', { field: 'kind', expected: "'fftshift' or 'ifftshift'", found: String(kind) });
    if (src === dst) throw new PtyxanesError('GPU fftshift is out of place', { field: 'dst', expected: 'a buffer other than src', found: 'the same buffer' });
    const count = batch * this.height * this.width;
    for (const [field, b] of [['src', src], ['dst', dst]] as const) {
      if (b.size < count * 8) throw new PtyxanesError('GPU buffer too small for the fftshift batch', { field, expected: `>= ${count * 8} bytes`, found: `${b.size} bytes` });
    }
    if (count === 0) return;
    const pipeline = this.pipelines[kind];
    const pass = encoder.beginComputePass({ label: kind });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.bindGroup(pipeline, src, dst, count));
    pass.dispatchWorkgroups(...gridFor(count, 64, this.ctx.limits.maxComputeWorkgroupsPerDimension));
    pass.end();
  }

  private bindGroup(pipeline: GPUComputePipeline, src: GPUBuffer, dst: GPUBuffer, count: number): GPUBindGroup {
    let u = this.uniforms.get(count);
    if (!u) {
      u = this.ctx.uniformBuffer(new Uint32Array([count, 0, 0, 0]), 'fftshift params');
      this.uniforms.set(count, u);
    }
    let m = this.bindGroups.get(src);
    if (!m) this.bindGroups.set(src, (m = new Map()));
    const key = `${objectId(pipeline)}|${objectId(dst)}|${count}`;
    let bg = m.get(key);
    if (!bg) {
      bg = this.ctx.bindGroup(pipeline, [src, dst, u], 0, 'fftshift');
      m.set(key, bg);
    }
    return bg;
  }

  dispose(): void {
    for (const u of this.uniforms.values()) u.destroy();
    this.uniforms.clear();
  }
}

