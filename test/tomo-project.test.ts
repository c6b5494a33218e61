import { afterAll, describe, expect, it } from 'vitest';
import { backProject, forwardProject } from '../src/tomo/project.ts';
import { sirt } from '../src/tomo/sirt.ts';
import { fbp } from '../src/tomo/fbp.ts';
import { halfTurnAngles, sheppLogan3d } from '../src/tomo/synthetic.ts';
import { shutdownTomoWorkers } from '../src/tomo/threads.ts';
import { seededRandom as mulberry32 } from '../src/register/synthetic.ts';

afterAll(shutdownTomoWorkers);

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function rmse(a: Float32Array, b: Float32Array, mask?: (i: number) => boolean): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask && !mask(i)) continue;
    s += (a[i] - b[i]) ** 2;
    n++;
  }
  return Math.sqrt(s / n);
}

describe('tomography projectors (CPU)', () => {
  it('back projection is the adjoint of forward projection within 5 %', async () => {
    const rand = mulberry32(7);
    for (const [nx, cols, nA] of [[24, 24, 17], [20, 31, 9]]) {
      const angles = Float64Array.from({ length: nA }, () => rand() * 360 - 90);
      const x = { data: Float32Array.from({ length: 3 * nx * nx }, rand), shape: [3, nx, nx] };
      const y = { data: Float32Array.from({ length: nA * 3 * cols }, rand), shape: [nA, 3, cols] };
      const Ax = await forwardProject(x, angles, { backend: 'cpu', cols });
      const Aty = await backProject(y, angles, { backend: 'cpu', nx, ny: nx });
      const l = dot(Ax.data, y.data);
      const r = dot(x.data, Aty.data);
      expect(Math.abs(l - r) / Math.abs(l)).toBeLessThan(0.05);
    }
  });

  it('a centred disc projects the same at every angle, as its chord length', async () => {
    const n = 41;
    const R = 14;
    const vol = new Float32Array(2 * n * n);
    // area-weighted disc (4×4 supersampling) so pixelation does not dominate
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        let v = 0;
        for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) v += (x - 20 + (sx - 1.5) / 4) ** 2 + (y - 20 + (sy - 1.5) / 4) ** 2 <= R * R ? 1 / 16 : 0;
        vol[y * n + x] = vol[n * n + y * n + x] = v;
      }
    const angles = [0, 17, 45, 90, 123, 160, 271];
    const p = await forwardProject({ data: vol, shape: [2, n, n] }, angles, { backend: 'cpu' });
    for (let a = 0; a < angles.length; a++) {
      for (const z of [0, 1]) {
        const row = p.data.subarray((a * 2 + z) * n, (a * 2 + z) * n + n);
        for (let u = 0; u < n; u++) {
          const t = u - 20;
          const chord = Math.abs(t) < R ? 2 * Math.sqrt(R * R - t * t) : 0;
          // within half a voxel length away from the rim, where the chord's slope is steep
          if (Math.abs(Math.abs(t) - R) >= 2) expect(Math.abs(row[u] - chord)).toBeLessThan(0.5);
          // and the same at every angle, rim included
          expect(Math.abs(row[u] - p.data[z * n + u])).toBeLessThan(0.8);
        }
      }
    }
  });
});

describe('batched CPU projectors', () => {
  it('give every slice of a batch exactly what it gets alone', async () => {
    const { makeGeometry } = await import('../src/tomo/geometry.ts');
    const { forwardBatch, backBatch } = await import('../src/tomo/project.cpu.ts');
    const rand = mulberry32(4);
    const g = makeGeometry({ anglesDeg: [0, 33, 71, 90, 140], rows: 3, cols: 21, nx: 17, ny: 15, centreCol: 9.6 });
    const B = 3;
    const vb = Float32Array.from({ length: 17 * 15 * B }, rand);
    const pb = Float32Array.from({ length: 5 * 21 * B }, rand);
    const fb = new Float32Array(5 * 21 * B);
    const bb = new Float32Array(17 * 15 * B);
    forwardBatch(g, vb, fb, B);
    backBatch(g, pb, bb, B);
    for (let b = 0; b < B; b++) {
      const v1 = vb.filter((_, i) => i % B === b);
      const p1 = pb.filter((_, i) => i % B === b);
      const f1 = new Float32Array(5 * 21);
      const b1 = new Float32Array(17 * 15);
      forwardBatch(g, v1, f1, 1);
      backBatch(g, p1, b1, 1);
      expect(fb.filter((_, i) => i % B === b)).toEqual(f1);
      expect(bb.filter((_, i) => i % B === b)).toEqual(b1);
    }
  });
});

describe('SIRT and FBP (CPU)', () => {
  it('SIRT after 200 iterations beats FBP, with a non-increasing residual and no negative voxels at min 0', async () => {
    const n = 48;
    const truth = sheppLogan3d(n, 8);
    const angles = halfTurnAngles(60);
    const proj = await forwardProject(truth, angles, { backend: 'cpu' });
    const rand = mulberry32(3);
    for (let i = 0; i < proj.data.length; i++) proj.data[i] += 0.2 * (rand() - 0.5);
    const s = await sirt(proj, angles, { backend: 'cpu', iterations: 200, min: 0 });
    const f = await fbp(proj, angles, { backend: 'cpu' });
    const inside = (i: number) => {
      const x = (i % n) - (n - 1) / 2;
      const y = (Math.floor(i / n) % n) - (n - 1) / 2;
      return x * x + y * y < (0.45 * n) ** 2;
    };
    const eS = rmse(s.volume.data, truth.data, inside);
    const eF = rmse(f.volume.data, truth.data, inside);
    expect(eS).toBeLessThan(eF);
    for (let k = 1; k < s.residuals.length; k++) expect(s.residuals[k]).toBeLessThanOrEqual(s.residuals[k - 1] * (1 + 1e-6));
    expect(Math.min(...s.volume.data)).toBeGreaterThanOrEqual(0);
    // FBP has the right scale: the big ellipsoid's shell reads ≈ its value
    expect(eF).toBeLessThan(0.25);
  });

  it('ordered subsets: S = 1 is SIRT, more subsets converge in fewer iterations', async () => {
    const n = 40;
    const truth = sheppLogan3d(n, 4);
    const angles = halfTurnAngles(48);
    const proj = await forwardProject(truth, angles, { backend: 'cpu' });
    const one = await sirt(proj, angles, { backend: 'cpu', iterations: 6, subsets: 1 });
    const plain = await sirt(proj, angles, { backend: 'cpu', iterations: 6 });
    expect(one.volume.data).toEqual(plain.volume.data);
    const errs = [];
    for (const subsets of [1, 6, 48]) errs.push(rmse((await sirt(proj, angles, { backend: 'cpu', iterations: 6, subsets, min: 0 })).volume.data, truth.data));
    expect(errs[1]).toBeLessThan(0.8 * errs[0]);
    expect(errs[2]).toBeLessThan(0.8 * errs[1]);
    await expect(sirt(proj, angles, { backend: 'cpu', subsets: 49 })).rejects.toThrow(/subsets: .*expected 1 … 48/);
  });

  it('gives the same volume on 1 and 2 threads', async () => {
    const truth = sheppLogan3d(40, 12);
    const angles = halfTurnAngles(45);
    const proj = await forwardProject(truth, angles, { backend: 'cpu' });
    for (const subsets of [1, 5]) {
      const a = await sirt(proj, angles, { backend: 'cpu', iterations: 30, threads: 1, subsets });
      const b = await sirt(proj, angles, { backend: 'cpu', iterations: 30, threads: 2, subsets });
      expect(b.volume.data).toEqual(a.volume.data);
    }
  });
});
