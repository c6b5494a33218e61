/**
 * One GPU context for the browser (`navigator.gpu`) and Node (the `webgpu` package,
 * Dawn's bindings). It owns the device, turns WGSL compile/validation errors and device
 * loss into thrown errors that name the shader, caches pipelines, and must be disposed
 * so a Node process can exit.
 */
import { loadShader } from './shaders.ts';

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU (software) adapters: lavapipe, SwiftShader, WARP. */
  isSoftware: boolean;
}

export interface GpuContextOptions {
  powerPreference?: GPUPowerPreference;
  /** Extra Dawn toggles/flags for Node, e.g. ['backend=vulkan']; also from PTYXANES_DAWN_FLAGS. */
  dawnFlags?: string[];
}

export class NoGpuAdapterError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'NoGpuAdapterError';
  }
}

/** How to get an adapter, for the one-line warning when falling back to the CPU. */
export const NO_ADAPTER_HINT =
  'in Node install a Vulkan driver (on Debian bookworm: `bash scripts/setup-system.sh`, Mesa 25 lavapipe from bookworm-backports) ' +
  'or use a browser with WebGPU enabled';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof (globalThis as { window?: unknown }).window === 'undefined';

async function getGpu(opts: GpuContextOptions): Promise<{ gpu: GPU; keepAlive: unknown }> {
  if (!isNode) {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (!gpu) throw new NoGpuAdapterError('this browser exposes no navigator.gpu (WebGPU disabled or unsupported)');
    return { gpu, keepAlive: null };
  }
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  const spec = 'webgpu';
  let mod: { create: (flags: string[]) => GPU; globals: object };
  try {
    mod = await import(/* @vite-ignore */ spec);
  } catch (e) {
    throw new NoGpuAdapterError(`the 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}`);
  }
  // Dawn's classes (GPUBufferUsage, ...) as globals, as in a browser.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const envFlags = process.env.PTYXANES_DAWN_FLAGS?.split(',').filter(Boolean) ?? [];
  const flags = [...(opts.dawnFlags ?? []), ...envFlags];
  // One Dawn instance per process and flag set, kept for the process's life; every context
  // requests its own device from it. The object create() returns must outlive its devices
  // (Dawn crashes if it is collected while work is pending), and a second instance torn down
  // beside a live one crashed a test process at exit now and then ("terminate called after
  // throwing std::system_error: Invalid argument", gpu-context.test.ts, two contexts in one
  // file, seen twice in 2026-12-07's full runs).
  const key = flags.join(',');
  let gpu = dawnInstances.get(key);
  if (!gpu) {
    gpu = mod.create(flags);
    dawnInstances.set(key, gpu);
  }
  return { gpu, keepAlive: gpu };
}

const dawnInstances = new Map<string, GPU>();

/** Limits the engine wants, requested up to what the adapter offers. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxBindGroups',
] as const;

const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups' as GPUFeatureName];

export interface PipelineSpec {
  /** Shader file name under shaders/, without `.wgsl`. */
  shader: string;
  entryPoint?: string;
  /** Values for WGSL `override` constants. */
  constants?: Record<string, number>;
  /** Text prepended to the shader source (rarely needed: prefer `override`). */
  prelude?: string;
}

export class GpuContext {
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  readonly info: AdapterDescription;
  readonly hasTimestamps: boolean;
  private keepAlive: unknown;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private lostReason: string | null = null;
  private uncaptured: string[] = [];
  private disposed = false;

  private constructor(gpu: unknown, adapter: GPUAdapter, device: GPUDevice) {
    this.keepAlive = gpu;
    this.adapter = adapter;
    this.device = device;
    this.info = describeAdapter(adapter);
    this.hasTimestamps = device.features.has('timestamp-query');
    device.lost.then((l) => {
      if (!this.disposed) this.lostReason = `GPU device lost (${l.reason}): ${l.message}`;
    });
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      this.uncaptured.push(ev.error.message);
    };
  }

  static async create(opts: GpuContextOptions = {}): Promise<GpuContext> {
    const { gpu, keepAlive } = await getGpu(opts);
    const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
    if (!adapter) throw new NoGpuAdapterError('no WebGPU adapter found');
    const requiredLimits: Record<string, number> = {};
    for (const k of WANTED_LIMITS) {
      const v = (adapter.limits as unknown as Record<string, number>)[k];
      if (typeof v === 'number') requiredLimits[k] = v;
    }
    const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'ptyxanes' });
    return new GpuContext(keepAlive ?? gpu, adapter, device);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Throws if the device was lost or an uncaptured error happened since the last check. */
  checkHealthy(): void {
    if (this.disposed) throw new Error('GPU context used after dispose()');
    if (this.lostReason) throw new Error(this.lostReason);
    if (this.uncaptured.length) {
      const msgs = this.uncaptured.splice(0);
      throw new Error(`GPU error: ${msgs.join('; ')}`);
    }
  }

  /** Compiles (or returns the cached) compute pipeline for a shader; errors name the shader and line. */
  pipeline(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const key = JSON.stringify([spec.shader, spec.entryPoint ?? 'main', spec.constants ?? {}, spec.prelude ?? '']);
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.buildPipeline(spec);
      p.catch(() => this.pipelines.delete(key));
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** Compiles WGSL text directly (tests, generated code); `name` is used in error messages. */
  async pipelineFromSource(name: string, code: string, entryPoint = 'main', constants?: Record<string, number>): Promise<GPUComputePipeline> {
    this.checkHealthy();
    // Scoped so a bad shader is reported here, not later as an uncaptured error.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code, label: name });
    const info = await module.getCompilationInfo();
    const scoped = await this.device.popErrorScope();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length || scoped) {
      if (!errors.length) throw new Error(`WGSL error in shader '${name}': ${scoped!.message}`);
      const lines = errors.map((m) => `${name}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}`);
      throw new Error(`WGSL compile error in shader '${name}':\n  ${lines.join('\n  ')}`);
    }
    this.device.pushErrorScope('validation');
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await this.device.createComputePipelineAsync({
        label: `${name}:${entryPoint}`,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
    } catch (e) {
      await this.device.popErrorScope();
      throw new Error(`pipeline for shader '${name}' (entry '${entryPoint}') failed: ${(e as Error).message}`);
    }
    const err = await this.device.popErrorScope();
    if (err) throw new Error(`pipeline for shader '${name}' (entry '${entryPoint}') failed validation: ${err.message}`);
    return pipeline;
  }

  private async buildPipeline(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const src = (spec.prelude ?? '') + (await loadShader(spec.shader));
    return this.pipelineFromSource(spec.shader, src, spec.entryPoint ?? 'main', spec.constants);
  }

  createBuffer(size: number, usage: GPUBufferUsageFlags, label?: string): GPUBuffer {
    this.checkHealthy();
    const max = this.device.limits.maxBufferSize;
    if (size > max) throw new RangeError(`buffer '${label ?? ''}' of ${size} bytes exceeds the adapter's maxBufferSize ${max}: stream the data in smaller blocks`);
    // WebGPU needs sizes that are multiples of 4 and non-zero.
    return this.device.createBuffer({ size: Math.max(4, Math.ceil(size / 4) * 4), usage, label });
  }

  /** A storage buffer holding `data` (also usable as copy source/destination). */
  storageBuffer(data: ArrayBufferView | number, label?: string, extraUsage = 0): GPUBuffer {
    const size = typeof data === 'number' ? data : data.byteLength;
    const buf = this.createBuffer(size, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage, label);
    if (typeof data !== 'number') this.upload(buf, data);
    return buf;
  }

  /** A uniform buffer of `data` (padded to 16 bytes). */
  uniformBuffer(data: ArrayBufferView, label?: string): GPUBuffer {
    const buf = this.createBuffer(Math.ceil(data.byteLength / 16) * 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label);
    this.upload(buf, data);
    return buf;
  }

  upload(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    // writeBuffer needs a multiple of 4 bytes, and Dawn rejects SharedArrayBuffer-backed data.
    const len = data.byteLength - (data.byteLength % 4);
    if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) {
      const copy = new Uint8Array(len);
      copy.set(new Uint8Array(data.buffer, data.byteOffset, len));
      this.device.queue.writeBuffer(buffer, byteOffset, copy.buffer, 0, len);
      return;
    }
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, len);
  }

  /** Copies `byteLength` bytes of a GPU buffer back to the host. */
  async readback(buffer: GPUBuffer, byteLength = buffer.size, byteOffset = 0): Promise<ArrayBuffer> {
    const staging = this.createBuffer(byteLength, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'readback');
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, byteOffset, staging, 0, Math.ceil(byteLength / 4) * 4);
    this.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
      return staging.getMappedRange().slice(0, byteLength);
    } finally {
      staging.destroy();
      this.checkHealthy();
    }
  }

  async readFloat32(buffer: GPUBuffer, length?: number, elementOffset = 0): Promise<Float32Array> {
    const n = length ?? buffer.size / 4 - elementOffset;
    return new Float32Array(await this.readback(buffer, n * 4, elementOffset * 4));
  }

  /** Bind group for `pipeline` group 0 with buffers bound in order 0..n-1. */
  bindGroup(pipeline: GPUComputePipeline, buffers: (GPUBuffer | GPUBufferBinding)[], group = 0, label?: string): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(group),
      entries: buffers.map((b, i) => ({ binding: i, resource: 'buffer' in b ? b : { buffer: b } })),
    });
  }

  /** Waits for submitted work; surfaces device loss and uncaptured errors. */
  async sync(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    this.checkHealthy();
  }

  /**
   * GPU time of the passes `encode` records, in milliseconds: timestamp queries where the
   * adapter has them, otherwise wall clock from submit to completion.
   */
  async timeMs(encode: (enc: GPUCommandEncoder) => void): Promise<{ ms: number; source: 'timestamp' | 'wall' }> {
    const enc = this.device.createCommandEncoder();
    if (!this.hasTimestamps) {
      encode(enc);
      const t0 = performance.now();
      this.device.queue.submit([enc.finish()]);
      await this.sync();
      return { ms: performance.now() - t0, source: 'wall' };
    }
    const qs = this.device.createQuerySet({ type: 'timestamp', count: 2 });
    enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0 } }).end();
    encode(enc);
    enc.beginComputePass({ timestampWrites: { querySet: qs, endOfPassWriteIndex: 1 } }).end();
    const res = this.createBuffer(16, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, 'timestamps');
    enc.resolveQuerySet(qs, 0, 2, res, 0);
    this.device.queue.submit([enc.finish()]);
    const t = new BigInt64Array(await this.readback(res, 16));
    res.destroy();
    qs.destroy();
    return { ms: Number(t[1] - t[0]) / 1e6, source: 'timestamp' };
  }

  /** Releases the device; after this the Node process can exit. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pipelines.clear();
    this.device.destroy();
    this.keepAlive = null;
  }
}

function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const i = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const vendor = i?.vendor ?? '';
  const architecture = i?.architecture ?? '';
  const device = i?.device ?? '';
  const description = i?.description ?? '';
  const text = `${vendor} ${architecture} ${device} ${description}`.toLowerCase();
  const isSoftware = /llvmpipe|lavapipe|swiftshader|warp|software|cpu/.test(text) || (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { vendor, architecture, device, description, isSoftware };
}

/** "vendor architecture (description)" for logs and BENCHMARKS.md. */
export function adapterLabel(info: AdapterDescription): string {
  const parts = [info.vendor, info.architecture, info.device].filter(Boolean).join(' ');
  return `${parts || 'unknown adapter'}${info.description ? ` (${info.description})` : ''}${info.isSoftware ? ' [software]' : ''}`;
}

export function createGpuContext(opts?: GpuContextOptions): Promise<GpuContext> {
  return GpuContext.create(opts);
}
