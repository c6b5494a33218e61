// Runs in Chromium: the same GPU context and shader loading as Node, through Vite.
import { createGpuContext, adapterLabel } from '../../src/gpu/context.ts';
import { loadShader } from '../../src/gpu/shaders.ts';

declare global {
  interface Window {
    __result?: { ok: boolean; adapter?: string; checks?: Record<string, number>; error?: string };
  }
}

async function run(): Promise<void> {
  const ctx = await createGpuContext();
  const checks: Record<string, number> = {};
  // Shader files load by URL in the bundle, #include expanded.
  const complexSrc = await loadShader('complex');
  const code = `${complexSrc}
    @group(0) @binding(0) var<storage, read_write> a: array<vec2<f32>>;
    @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
      if (g.x < arrayLength(&a)) { a[g.x] = cmul(a[g.x], vec2<f32>(0.0, 1.0)); }
    }`;
  const p = await ctx.pipelineFromSource('browser_cmul', code);
  const n = 256;
  const input = new Float32Array(2 * n).map((_, i) => i);
  const buf = ctx.storageBuffer(input);
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(p);
  pass.setBindGroup(0, ctx.bindGroup(p, [buf]));
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  const out = await ctx.readFloat32(buf);
  // (re, im) * i = (-im, re)
  let err = 0;
  for (let k = 0; k < n; k++) err = Math.max(err, Math.abs(out[2 * k] + input[2 * k + 1]), Math.abs(out[2 * k + 1] - input[2 * k]));
  checks.cmulMaxError = err;

  const extra = await import('./checks.ts').then((m) => m.runChecks(ctx)).catch((e: Error) => ({ checksError: e.message }) as Record<string, unknown>);
  Object.assign(checks, extra);
  window.__result = { ok: true, adapter: adapterLabel(ctx.info), checks };
  ctx.dispose();
}

run().catch((e: Error) => {
  window.__result = { ok: false, error: `${e.name}: ${e.message}` };
}).finally(() => {
  document.getElementById('out')!.textContent = JSON.stringify(window.__result, null, 2);
});
