import { describe, expect, it } from 'vitest';
import { gpuOrSkip } from './helpers/gpu.ts';
import { disposeSharedGpuContext, resolveBackend, setBackendWarningSink } from '../src/gpu/backend.ts';
import { workgroupGrid } from '../src/gpu/dispatch.ts';
import { loadShader } from '../src/gpu/shaders.ts';
import { hardwareGpuNodes } from '../src/gpu/hardware-nodes.ts';

describe('GPU runtime', () => {
  it('reports the adapter and the limits it got', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    expect(typeof ctx.info.description).toBe('string');
    expect(ctx.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(ctx.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
  });

  it('runs a kernel and reads it back', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const code = `
      @group(0) @binding(0) var<storage, read_write> a: array<f32>;
      @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
        if (g.x < arrayLength(&a)) { a[g.x] = a[g.x] * 2.0 + 1.0; }
      }`;
    const p = await ctx.pipelineFromSource('double', code);
    const input = Float32Array.from({ length: 1000 }, (_, i) => i);
    const buf = ctx.storageBuffer(input);
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(p);
    pass.setBindGroup(0, ctx.bindGroup(p, [buf]));
    pass.dispatchWorkgroups(Math.ceil(1000 / 64));
    pass.end();
    ctx.device.queue.submit([enc.finish()]);
    const out = await ctx.readFloat32(buf);
    expect(out[999]).toBe(999 * 2 + 1);
    buf.destroy();
  });

  it('turns a WGSL compile error into a thrown error naming the shader and line', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const bad = `@compute @workgroup_size(1) fn main() {\n  let x: f32 = undefined_thing;\n}`;
    await expect(ctx.pipelineFromSource('my_broken_kernel', bad)).rejects.toThrow(/my_broken_kernel\.wgsl:2:/);
  });

  it('names a missing shader file', async () => {
    await expect(loadShader('no_such_shader')).rejects.toThrow(/no_such_shader/);
  });

  it('expands #include once', async () => {
    const src = await loadShader('complex');
    expect(src).toContain('fn cmul');
  });

  it('times GPU work', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const r = await ctx.timeMs(() => {});
    expect(r.ms).toBeGreaterThanOrEqual(0);
  });

  it('resolves backends', async () => {
    expect((await resolveBackend('cpu')).kind).toBe('cpu');
    await expect(resolveBackend('tpu' as never)).rejects.toThrow(/backend must be/);
  });

  it("'auto' takes a hardware adapter, and the CPU path over a software rasteriser", async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const lines: string[] = [];
    setBackendWarningSink((l) => lines.push(l));
    const r = await resolveBackend('auto');
    expect(r.kind).toBe(ctx.info.isSoftware ? 'cpu' : 'gpu');
    if (ctx.info.isSoftware) {
      // Without a GPU device node the adapter is not even probed (hardware-nodes.ts).
      const nodes = hardwareGpuNodes();
      expect(lines.join('\n')).toMatch(nodes?.length === 0 ? /no GPU device on this host.*--backend gpu/ : /software GPU adapter.*--backend gpu/);
    }
    expect((await resolveBackend('gpu')).kind).toBe('gpu');
    // Once a context exists 'auto' judges the adapter itself: a software one is still refused.
    if (ctx.info.isSoftware) expect(await resolveBackend('auto')).toMatchObject({ kind: 'cpu', reason: 'software adapter' });
    disposeSharedGpuContext();
  });

  it('finds the GPU device nodes of a Linux host without loading WebGPU', () => {
    const host = (platform: string, dirs: Record<string, string[]>) => ({ platform, list: (d: string) => dirs[d] ?? null });
    expect(hardwareGpuNodes(host('linux', { '/dev': ['null', 'tty0', 'nvidiactl'] }))).toEqual([]);
    expect(hardwareGpuNodes(host('linux', { '/dev': ['nvidia0', 'nvidia1', 'nvidiactl', 'dri'], '/dev/dri': ['card0', 'renderD128'] }))).toEqual(['/dev/dri/renderD128', '/dev/nvidia0', '/dev/nvidia1']);
    expect(hardwareGpuNodes(host('linux', { '/dev': ['dxg'] }))).toEqual(['/dev/dxg']);
    expect(hardwareGpuNodes(host('darwin', {}))).toBeNull();
    expect(hardwareGpuNodes(null)).toBeNull();
  });

  it('spreads large dispatches over a 2D grid', () => {
    expect(workgroupGrid(100)).toEqual([100, 1, 1]);
    const [x, y] = workgroupGrid(200000);
    expect(x * y).toBeGreaterThanOrEqual(200000);
    expect(x).toBeLessThanOrEqual(65535);
  });
});
