import { describe, expect, it } from 'vitest';
import { gpuOrSkip } from './helpers/gpu.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { fft2d, fft2dCpu, fftshift2d, ifftshift2d, GpuFft2d, GpuFftShift, type FftDirection, type GpuFftOptions } from '../src/fft/index.ts';
import { delta, deltaSpectrum, energy, maxAbsDiff, naiveDft2d, planeWave, randomComplex, relL2 } from './helpers/fft.ts';

/** GPU transform of a copy of `x` with a fresh plan. */
async function gpuFft(ctx: GpuContext, x: Float32Array, shape: [number, number, number], direction: FftDirection, opts?: GpuFftOptions): Promise<Float32Array> {
  const plan = await GpuFft2d.create(ctx, shape[1], shape[2], opts);
  try {
    return await plan.transform(x.slice(), shape[0], direction);
  } finally {
    plan.dispose();
  }
}

function cpuFft(x: Float32Array, [b, h, w]: [number, number, number], direction: FftDirection): Float32Array {
  const y = x.slice();
  fft2dCpu(y, b, h, w, direction);
  return y;
}

describe('GPU FFT accuracy', () => {
  it('matches fft.js at 256×256 (rel. L2 < 1e-5), forward and inverse', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const shape: [number, number, number] = [2, 256, 256];
    const x = randomComplex(2 * 2 * 256 * 256, 21);
    for (const dir of ['forward', 'inverse'] as const) {
      expect(relL2(await gpuFft(ctx, x, shape, dir), cpuFft(x, shape, dir))).toBeLessThan(1e-5);
    }
  });

  it('matches fft.js at 1024×1024 (rel. L2 < 5e-5)', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const shape: [number, number, number] = [1, 1024, 1024];
    const x = randomComplex(2 * 1024 * 1024, 22);
    expect(relL2(await gpuFft(ctx, x, shape, 'forward'), cpuFft(x, shape, 'forward'))).toBeLessThan(5e-5);
  });

  it('matches a naive DFT on non-square frames (32×16 and 16×64), both directions', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    for (const shape of [[3, 32, 16], [1, 16, 64]] as [number, number, number][]) {
      const x = randomComplex(2 * shape[0] * shape[1] * shape[2], 23);
      for (const dir of ['forward', 'inverse'] as const) {
        expect(relL2(await gpuFft(ctx, x, shape, dir), naiveDft2d(x, ...shape, dir === 'inverse'))).toBeLessThan(1e-5);
      }
    }
  });

  it('round-trips and satisfies Parseval at 64×256', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const [b, h, w] = [3, 64, 256];
    const x = randomComplex(2 * b * h * w, 24);
    const plan = await GpuFft2d.create(ctx, h, w);
    const buf = ctx.storageBuffer(x);
    let enc = ctx.device.createCommandEncoder();
    plan.encode(enc, buf, b, 'forward');
    ctx.device.queue.submit([enc.finish()]);
    const spec = await ctx.readFloat32(buf);
    expect(energy(spec) / (h * w * energy(x))).toBeCloseTo(1, 5);
    enc = ctx.device.createCommandEncoder();
    plan.encode(enc, buf, b, 'inverse');
    ctx.device.queue.submit([enc.finish()]);
    expect(relL2(await ctx.readFloat32(buf), x)).toBeLessThan(1e-6);
    buf.destroy();
    plan.dispose();
  });

  it('puts a delta and a plane wave where the convention says', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const [h, w] = [64, 32];
    const plan = await GpuFft2d.create(ctx, h, w);
    const d = await plan.transform(delta(h, w, 9, 4), 1, 'forward');
    expect(maxAbsDiff(d, deltaSpectrum(h, w, 9, 4))).toBeLessThan(1e-5);
    const p = await plan.transform(planeWave(h, w, 40, 3), 1, 'forward');
    expect(maxAbsDiff(p, delta(h, w, 40, 3).map((v) => v * h * w)) / (h * w)).toBeLessThan(1e-5);
    const q = await plan.transform(delta(h, w, 40, 3), 1, 'inverse');
    expect(maxAbsDiff(q, planeWave(h, w, 40, 3).map((v) => v / (h * w)))).toBeLessThan(1e-7);
    plan.dispose();
  });
});

describe('GPU FFT dispatch paths', () => {
  it('spreads more workgroups than one grid dimension allows over a 2D grid', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const shape: [number, number, number] = [50, 16, 16];
    const x = randomComplex(2 * 50 * 16 * 16, 25);
    // 50 frames × 16 rows / 256 lines per workgroup = 4 workgroups (the last one partly
    // filled) on a grid at most 3 wide: 2×2.
    const opts = { maxWorkgroupsPerDim: 3 };
    const plan = await GpuFft2d.create(ctx, 16, 16, opts);
    expect(plan.layout.rows).toBe('line(N=16, 256 lines/workgroup)');
    plan.dispose();
    expect(relL2(await gpuFft(ctx, x, shape, 'forward', opts), cpuFft(x, shape, 'forward'))).toBeLessThan(1e-6);
  });

  it('runs lines too long for workgroup memory as global passes (even and odd pass counts)', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const shape: [number, number, number] = [2, 64, 512];
    const x = randomComplex(2 * 2 * 64 * 512, 26);
    const plan = await GpuFft2d.create(ctx, 64, 512, { maxSharedLine: 16 });
    expect(plan.layout).toEqual({ rows: 'pass(N=512, 3 passes)', cols: 'pass(N=64, 2 passes)' });
    plan.dispose();
    for (const dir of ['forward', 'inverse'] as const) {
      expect(relL2(await gpuFft(ctx, x, shape, dir, { maxSharedLine: 16 }), cpuFft(x, shape, dir))).toBeLessThan(1e-5);
    }
  });

  it('splits batches larger than one storage binding into chunks', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const shape: [number, number, number] = [5, 32, 32];
    const x = randomComplex(2 * 5 * 32 * 32, 27);
    const opts = { maxBindingBytes: 2 * 32 * 32 * 8 };
    expect(relL2(await gpuFft(ctx, x, shape, 'forward', opts), cpuFft(x, shape, 'forward'))).toBeLessThan(1e-6);
  });

  it('keeps encodes with different batches and directions independent within one submit', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const [h, w] = [32, 32];
    const plan = await GpuFft2d.create(ctx, h, w);
    const a = randomComplex(2 * 3 * h * w, 28);
    const b = randomComplex(2 * 5 * h * w, 29);
    const bufA = ctx.storageBuffer(a);
    const bufB = ctx.storageBuffer(b);
    for (let rep = 0; rep < 2; rep++) {
      // Second round reuses the cached uniforms and bind groups.
      ctx.upload(bufA, a);
      ctx.upload(bufB, b);
      const enc = ctx.device.createCommandEncoder();
      plan.encode(enc, bufA, 3, 'forward');
      plan.encode(enc, bufB, 5, 'inverse');
      plan.encode(enc, bufA, 2, 'inverse'); // only the first two frames come back
      ctx.device.queue.submit([enc.finish()]);
      const outA = await ctx.readFloat32(bufA);
      expect(relL2(outA.subarray(0, 4 * h * w), a.subarray(0, 4 * h * w))).toBeLessThan(1e-6);
      expect(relL2(outA.subarray(4 * h * w), cpuFft(a, [3, h, w], 'forward').subarray(4 * h * w))).toBeLessThan(1e-6);
      expect(relL2(await ctx.readFloat32(bufB), cpuFft(b, [5, h, w], 'inverse'))).toBeLessThan(1e-6);
    }
    bufA.destroy();
    bufB.destroy();
    plan.dispose();
  });

  it('fft2d with backend gpu matches the CPU backend, also on shared memory', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const shape: [number, number, number] = [4, 64, 32];
    const x = randomComplex(2 * 4 * 64 * 32, 30);
    const g = await fft2d(x.slice(), shape, { direction: 'forward', backend: 'gpu', ctx });
    const c = await fft2d(x.slice(), shape, { direction: 'forward', backend: 'cpu' });
    expect(relL2(g, c)).toBeLessThan(1e-6);
    const shared = new Float32Array(new SharedArrayBuffer(4 * x.length));
    shared.set(x);
    await fft2d(shared, shape, { direction: 'forward', backend: 'gpu', ctx });
    expect(maxAbsDiff(shared, g)).toBe(0);
  });

  it('rejects a buffer too small for the batch', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const plan = await GpuFft2d.create(ctx, 16, 16);
    const buf = ctx.storageBuffer(16 * 16 * 8 * 2);
    const enc = ctx.device.createCommandEncoder();
    expect(() => plan.encode(enc, buf, 3, 'forward')).toThrow(/buffer.*too small.*expected >= 6144 bytes.*found 4096 bytes/);
    buf.destroy();
    plan.dispose();
    await expect(GpuFft2d.create(ctx, 48, 64)).rejects.toThrow(/height.*power of two/);
  });
});

describe('GPU fftshift', () => {
  it('matches fftshift2d / ifftshift2d (odd and even sizes) and round-trips', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    for (const [h, w] of [[5, 6], [16, 32]]) {
      const b = 3;
      const x = randomComplex(2 * b * h * w, 31);
      const shift = await GpuFftShift.create(ctx, h, w);
      const src = ctx.storageBuffer(x);
      const mid = ctx.storageBuffer(x.byteLength);
      const back = ctx.storageBuffer(x.byteLength);
      const enc = ctx.device.createCommandEncoder();
      shift.encode(enc, src, mid, b, 'fftshift');
      shift.encode(enc, mid, back, b, 'ifftshift');
      ctx.device.queue.submit([enc.finish()]);
      const s = await ctx.readFloat32(mid);
      expect(maxAbsDiff(s, fftshift2d(x, b, h, w))).toBe(0);
      expect(maxAbsDiff(ifftshift2d(s, b, h, w), x)).toBe(0);
      expect(maxAbsDiff(await ctx.readFloat32(back), x)).toBe(0);
      for (const buf of [src, mid, back]) buf.destroy();
      shift.dispose();
    }
  });
});
