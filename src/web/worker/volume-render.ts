/**
 * Volume rendering of a [z, y, x] map (shaders/volume_raymarch.wgsl) into the page's
 * OffscreenCanvas, with the Worker's one GPU device: the volume is uploaded once and each
 * redraw (rotation, threshold, cut) is one full-screen draw, no readback.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { loadShader } from '../../gpu/shaders.ts';
import { colormapLut } from '../../io/colormaps.ts';

export interface VolumeViewParams {
  yawDeg: number;
  pitchDeg: number;
  threshold: number;
  cut: boolean;
}

/** Values without a number (NaN outside the mask) become this sentinel: WGSL compilers may fold NaN tests away. */
const EMPTY = -1e30;

export class VolumeRenderer {
  private pipeline?: GPURenderPipeline;
  private bind?: GPUBindGroup;
  private readonly uniform: GPUBuffer;
  private volume?: GPUBuffer;
  private readonly lut: GPUBuffer;
  private readonly gpu: GPUCanvasContext;
  private readonly format: GPUTextureFormat;
  private dims: [number, number, number] = [1, 1, 1];
  private range: [number, number] = [0, 1];

  constructor(
    private readonly ctx: GpuContext,
    canvas: OffscreenCanvas,
  ) {
    const gpu = canvas.getContext('webgpu');
    if (!gpu) throw new Error('this canvas has no WebGPU context');
    this.gpu = gpu;
    this.format = navigator.gpu.getPreferredCanvasFormat();
    this.gpu.configure({ device: ctx.device, format: this.format, alphaMode: 'opaque' });
    this.uniform = ctx.createBuffer(96, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'volume view');
    const rgb = colormapLut('valence');
    const packed = new Uint32Array(256);
    for (let i = 0; i < 256; i++) packed[i] = rgb[3 * i] | (rgb[3 * i + 1] << 8) | (rgb[3 * i + 2] << 16);
    this.lut = ctx.storageBuffer(packed, 'volume colour map');
  }

  async setVolume(data: Float32Array, shape: [number, number, number], range: [number, number]): Promise<void> {
    const clean = Float32Array.from(data, (v) => (Number.isFinite(v) ? v : EMPTY));
    this.volume?.destroy();
    this.volume = this.ctx.storageBuffer(clean, 'volume');
    this.dims = [shape[2], shape[1], shape[0]];
    this.range = range;
    if (!this.pipeline) {
      const module = this.ctx.device.createShaderModule({ code: await loadShader('volume_raymarch'), label: 'volume_raymarch' });
      this.pipeline = await this.ctx.device.createRenderPipelineAsync({
        label: 'volume_raymarch',
        layout: 'auto',
        vertex: { module, entryPoint: 'vs' },
        fragment: { module, entryPoint: 'fs', targets: [{ format: this.format }] },
        primitive: { topology: 'triangle-list' },
      });
    }
    this.bind = this.ctx.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.uniform } },
        { binding: 1, resource: { buffer: this.volume } },
        { binding: 2, resource: { buffer: this.lut } },
      ],
    });
  }

  draw(p: VolumeViewParams): void {
    if (!this.pipeline || !this.bind) return;
    const yaw = (p.yawDeg * Math.PI) / 180;
    const pitch = (p.pitchDeg * Math.PI) / 180;
    // Camera basis in box coordinates: yaw about y, then pitch about the camera's right axis.
    const right = [Math.cos(yaw), 0, -Math.sin(yaw)];
    const fwd0 = [Math.sin(yaw), 0, Math.cos(yaw)];
    const forward = [fwd0[0] * Math.cos(pitch), -Math.sin(pitch), fwd0[2] * Math.cos(pitch)];
    const up = [right[1] * forward[2] - right[2] * forward[1], right[2] * forward[0] - right[0] * forward[2], right[0] * forward[1] - right[1] * forward[0]];
    // y of the box is the volume's row axis, drawn downwards: flip so row 0 is at the top.
    const [nx, ny, nz] = this.dims;
    const m = Math.max(nx, ny, nz);
    const u = new ArrayBuffer(96);
    const f = new Float32Array(u);
    const d = new Uint32Array(u);
    f.set([...right, 0, ...up.map((x) => -x), 0, ...forward, 0], 0);
    d.set([nx, ny, nz, 0], 12);
    f.set([(0.5 * nx) / m, (0.5 * ny) / m, (0.5 * nz) / m, 0], 16);
    f.set([this.range[0], this.range[1], p.threshold, p.cut ? 1 : 0], 20);
    this.ctx.device.queue.writeBuffer(this.uniform, 0, u);
    const enc = this.ctx.device.createCommandEncoder();
    const pass = enc.beginRenderPass({ colorAttachments: [{ view: this.gpu.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 1, g: 1, b: 1, a: 1 } }] });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bind);
    pass.draw(3);
    pass.end();
    this.ctx.device.queue.submit([enc.finish()]);
  }

  dispose(): void {
    this.volume?.destroy();
    this.uniform.destroy();
    this.lut.destroy();
  }
}
