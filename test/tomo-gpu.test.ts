import { afterAll, describe, expect, it } from 'vitest';
import { backProject, forwardProject } from '../src/tomo/project.ts';
import { sirt } from '../src/tomo/sirt.ts';
import { halfTurnAngles, sheppLogan3d } from '../src/tomo/synthetic.ts';
import { shutdownTomoWorkers } from '../src/tomo/threads.ts';
import { seededRandom } from '../src/register/synthetic.ts';
import { gpuOrSkip } from './helpers/gpu.ts';

afterAll(shutdownTomoWorkers);

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / scale;
}

describe('tomography on the GPU equals the CPU path', () => {
  const rand = seededRandom(11);
  const nx = 28;
  const cols = 33;
  const angles = Float64Array.from({ length: 19 }, () => rand() * 200 - 10);
  const vol = { data: Float32Array.from({ length: 5 * nx * nx }, rand), shape: [5, nx, nx] };
  const proj = { data: Float32Array.from({ length: 19 * 5 * cols }, rand), shape: [19, 5, cols] };
  const geo = { centreCol: 15.3, nx, ny: nx };

  it('forward projection', async ({ skip }) => {
    const ctx = await gpuOrSkip(skip);
    const c = await forwardProject(vol, angles, { backend: 'cpu', cols, centreCol: 15.3 });
    const g = await forwardProject(vol, angles, { backend: 'gpu', ctx, cols, centreCol: 15.3, slabRows: 2 });
    expect(maxRelDiff(g.data, c.data)).toBeLessThan(1e-4);
  });

  it('back projection', async ({ skip }) => {
    const ctx = await gpuOrSkip(skip);
    const c = await backProject(proj, angles, { backend: 'cpu', ...geo });
    const g = await backProject(proj, angles, { backend: 'gpu', ctx, ...geo, slabRows: 3 });
    expect(maxRelDiff(g.data, c.data)).toBeLessThan(1e-4);
  });

  it('SIRT iterations, residuals and clamping, with and without masks, in slabs', async ({ skip }) => {
    const ctx = await gpuOrSkip(skip);
    const truth = sheppLogan3d(24, 6);
    const a = halfTurnAngles(30);
    const p = await forwardProject(truth, a, { backend: 'cpu' });
    const mask = { data: new Float32Array(truth.data.length), shape: truth.shape };
    for (let i = 0; i < mask.data.length; i++) mask.data[i] = (i % 24) > 2 ? 1 : 0;
    for (const extra of [{}, { volumeMask: mask, min: 0, max: 0.9, relaxation: 0.8 }, { subsets: 7, min: 0 }, { subsets: 4, volumeMask: mask }]) {
      for (const iterations of [1, 12]) {
        const c = await sirt(p, a, { backend: 'cpu', iterations, ...extra });
        const g = await sirt(p, a, { backend: 'gpu', ctx, iterations, slabRows: 4, ...extra });
        expect(maxRelDiff(g.volume.data, c.volume.data)).toBeLessThan(2e-4);
        for (let k = 0; k < iterations; k++) expect(Math.abs(g.residuals[k] - c.residuals[k]) / c.residuals[0]).toBeLessThan(1e-4);
      }
    }
  });

  it('a volume solved in several z slabs equals the one-piece result', async ({ skip }) => {
    const ctx = await gpuOrSkip(skip);
    const truth = sheppLogan3d(24, 9);
    const a = halfTurnAngles(24);
    const p = await forwardProject(truth, a, { backend: 'cpu' });
    const one = await sirt(p, a, { backend: 'gpu', ctx, iterations: 8 });
    const slabs = await sirt(p, a, { backend: 'gpu', ctx, iterations: 8, slabRows: 2 });
    expect(one.slabRows).toBe(9);
    expect(slabs.slabRows).toBe(2);
    expect(maxRelDiff(slabs.volume.data, one.volume.data)).toBeLessThan(1e-6);
  });
});
