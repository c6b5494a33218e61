/**
 * GPU side of the ePIE engine: pipelines, buffers (with a byte count for the result's
 * stats), the per-iteration tables, and the patterns — resident (one buffer per chunk,
 * uploaded once) when they fit the GPU budget, else streamed through one chunk buffer each
 * iteration.
 */
import type { GpuContext } from '../gpu/context.ts';
import { PtyxanesError } from '../core/errors.ts';
import type { AmplitudeStore } from './amplitude-store.ts';

export const WG = 256;
/** Workgroups per frame for the reducing kernels (threads stride over the rest). */
export const MAX_REDUCE_WG = 16;
/** Pixels per invocation of the exit-wave kernel (shaders/epie_exit_wave.wgsl PIXELS). */
export const EXIT_PIXELS = 4;
export const STEP_BYTES = 32;
export const CURSOR_BYTES = 16;
export const PARAMS_BYTES = 64;

const KERNELS = {
  shift: ['epie_shift_probe', 'main'],
  broadcast: ['epie_probe_broadcast', 'main'],
  exit: ['epie_exit_wave', 'main'],
  modulus: ['epie_modulus', 'main'],
  updateSeq: ['epie_update', 'update_sequential'],
  terms: ['epie_update', 'batch_terms'],
  gather: ['epie_object_gather', 'main'],
  reduce: ['epie_probe_reduce', 'reduce'],
  apply: ['epie_probe_reduce', 'apply'],
  errReduce: ['epie_error_reduce', 'main'],
  momentum: ['epie_momentum', 'main'],
  posSeq: ['epie_position', 'sequential'],
  posBatch: ['epie_position', 'batch'],
  gram: ['epie_modes', 'gram'],
  eig: ['epie_modes', 'eig'],
  mix: ['epie_modes', 'mix'],
} as const;

export type EpiePipelines = Record<keyof typeof KERNELS, GPUComputePipeline>;

/** Compiles (or takes from the context's cache) every ePIE pipeline. */
export async function loadPipelines(ctx: GpuContext): Promise<EpiePipelines> {
  const names = Object.keys(KERNELS) as (keyof typeof KERNELS)[];
  const list = await Promise.all(names.map((k) => ctx.pipeline({ shader: KERNELS[k][0], entryPoint: KERNELS[k][1] })));
  return Object.fromEntries(names.map((k, i) => [k, list[i]])) as EpiePipelines;
}

/** Buffers created through here are counted and destroyed together. */
export class BufferSet {
  bytes = 0;
  private readonly all: GPUBuffer[] = [];
  constructor(private readonly ctx: GpuContext) {}

  storage(data: ArrayBufferView | number, label: string): GPUBuffer {
    const b = this.ctx.storageBuffer(data, label);
    return this.track(b);
  }
  uniform(bytes: number, label: string): GPUBuffer {
    return this.track(this.ctx.uniformBuffer(new Uint8Array(bytes), label));
  }
  readback(bytes: number, label: string): GPUBuffer {
    return this.track(this.ctx.createBuffer(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label));
  }
  /** A storage buffer of at least `bytes`, replacing `old` if that is smaller (only between submits). */
  grow(old: GPUBuffer | null, bytes: number, label: string): GPUBuffer {
    if (old && old.size >= bytes) return old;
    if (old) {
      this.all.splice(this.all.indexOf(old), 1);
      this.bytes -= old.size;
      old.destroy();
    }
    return this.storage(Math.max(bytes, old ? 2 * old.size : 0), label);
  }
  private track(b: GPUBuffer): GPUBuffer {
    this.all.push(b);
    this.bytes += b.size;
    return b;
  }
  destroy(): void {
    for (const b of this.all) b.destroy();
    this.all.length = 0;
  }
}

/** Patterns on the GPU: per-chunk buffers kept for the whole run, or one buffer refilled per visit. */
export class GpuAmplitudes {
  readonly resident: boolean;
  private readonly buffers: GPUBuffer[] = [];
  private streamBuffer: GPUBuffer | null = null;
  private streamChunk = -1;

  private constructor(private readonly ctx: GpuContext, private readonly store: AmplitudeStore, resident: boolean) {
    this.resident = resident;
  }

  static async create(ctx: GpuContext, store: AmplitudeStore, set: BufferSet, budgetBytes: number): Promise<GpuAmplitudes> {
    const chunkBytes = store.maxChunkFrames * store.frameLength * 4;
    const limit = ctx.limits.maxStorageBufferBindingSize;
    if (chunkBytes > limit) {
      throw new PtyxanesError('a chunk of patterns exceeds the GPU storage binding limit', { file: 'ePIE', field: 'chunkBytes', expected: `<= ${limit} bytes`, found: `${chunkBytes} bytes` });
    }
    const total = store.nFrames * store.frameLength * 4;
    const g = new GpuAmplitudes(ctx, store, total <= budgetBytes);
    if (g.resident) {
      for (let c = 0; c < store.chunkCount; c++) g.buffers.push(set.storage(await store.chunk(c), `epie amplitudes ${c}`));
    } else {
      g.streamBuffer = set.storage(chunkBytes, 'epie amplitude stream');
    }
    return g;
  }

  /** The buffer holding chunk c; in streaming mode uploads it first (caller has waited for the GPU to finish the previous chunk). */
  async buffer(c: number): Promise<GPUBuffer> {
    if (this.resident) return this.buffers[c];
    if (this.streamChunk !== c) {
      this.ctx.upload(this.streamBuffer!, await this.store.chunk(c));
      this.streamChunk = c;
    }
    return this.streamBuffer!;
  }

  /** The buffer bound for chunk c without uploading (bind groups are made per buffer). */
  bufferFor(c: number): GPUBuffer {
    return this.resident ? this.buffers[c] : this.streamBuffer!;
  }

  needsUpload(c: number): boolean {
    return !this.resident && this.streamChunk !== c;
  }
}
