import { afterAll, describe, expect, it } from 'vitest';
import { fitSinusoid } from '../src/tomo/axis.ts';
import { makeGeometry } from '../src/tomo/geometry.ts';
import { forwardProject } from '../src/tomo/project.ts';
import { reconstructTomoSeries, registerVolumeTo, registrationBinning, seriesOrder } from '../src/tomo/series.ts';
import { binVolume } from '../src/tomo/bin.ts';
import { halfTurnAngles, sheppLogan3d } from '../src/tomo/synthetic.ts';
import { shutdownTomoWorkers } from '../src/tomo/threads.ts';
import { shiftStack } from '../src/register/shift.ts';
import { shiftVolume } from '../src/register/volume-shift.ts';
import { gaussianRandom, seededRandom } from '../src/register/synthetic.ts';

afterAll(shutdownTomoWorkers);

describe('tomography of an energy series', () => {
  it('orders energies outward from the reference', () => {
    expect(seriesOrder(5, 2)).toEqual([
      { index: 2, from: null },
      { index: 3, from: 2 },
      { index: 1, from: 2 },
      { index: 4, from: 3 },
      { index: 0, from: 1 },
    ]);
  });

  it('aligns each energy from its neighbour and registers the volumes onto the reference', async () => {
    const n = 32;
    const nz = 16;
    const nA = 40;
    const angles = halfTurnAngles(nA);
    const g = makeGeometry({ anglesDeg: angles, rows: nz, cols: n });
    const base = sheppLogan3d(n, nz, 0.7);
    const gauss = gaussianRandom(seededRandom(21));
    const truths = [0.8, 1, 1.25].map((k) => ({ data: base.data.map((v, i) => v * (i % n < n / 2 ? k : 1)), shape: base.shape }));
    // scans share most of their misalignment (stage run-out, σ 2 px) and differ a little (σ 0.3 px)
    const common = Float64Array.from({ length: 2 * nA }, () => 2 * gauss());
    const applied: Float64Array[] = [];
    const series = [];
    for (const t of truths) {
      const clean = await forwardProject(t, angles, { backend: 'cpu' });
      const s = common.map((v) => v + 0.3 * gauss());
      applied.push(s);
      series.push({ projections: shiftStack(clean, s, 'fourier', 0), anglesDeg: angles });
    }
    const r = await reconstructTomoSeries(series, { backend: 'cpu', iterations: 40, min: 0 });
    expect(r.referenceIndex).toBe(2);
    const ref = r.energies[2];
    expect(r.energies.map((e) => e.warmStarted)).toEqual([true, true, false]);
    // Undo the reference's gauge (volume translation) and compare every energy with its truth.
    const E = Float64Array.from(applied[2], (v, i) => v + ref.shifts![i]);
    const [, X, Y] = fitSinusoid(g, E, 2, 1);
    let my = 0;
    for (let a = 0; a < nA; a++) my += E[2 * a] / nA;
    const errs = r.energies.map((e, i) => {
      const back = shiftVolume(e.volume, -my, -Y, -X, { method: 'fourier', fill: 0 });
      let s2 = 0;
      for (let j = 0; j < back.data.length; j++) s2 += (back.data[j] - truths[i].data[j]) ** 2;
      return Math.sqrt(s2 / back.data.length);
    });
    console.log(`series: RMSE per energy ${errs.map((x) => x.toFixed(4)).join(', ')}; passes ${r.energies.map((e) => e.alignPasses).join(', ')}; volume shifts ${r.energies.map((e) => e.volumeShift.map((v) => v.toFixed(2)).join('/')).join(', ')}`);
    for (const e of errs) expect(e).toBeLessThan(1.3 * errs[2] + 0.005);

    // measured together: one alignment (the reference's) for every energy
    const shared = await reconstructTomoSeries(series, { backend: 'cpu', iterations: 5, mode: 'shared', registerVolumes: false });
    for (const e of shared.energies) {
      expect(e.shifts).toEqual(shared.energies[2].shifts);
      expect(e.centreCol).toBe(shared.energies[2].centreCol);
    }
    expect(shared.energies.map((e) => e.alignPasses > 0)).toEqual([false, false, true]);
  });

  it('registers volumes too large for one FFT binned, with the shift at full size', async () => {
    // Blobs inside a 24×40×40 volume, moved by a known subpixel shift.
    const [nz, ny, nx] = [24, 40, 40];
    const ref = new Float32Array(nz * ny * nx);
    const blobs = [[9, 14, 15, 3], [14, 25, 22, 4], [11, 18, 28, 2.5]];
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++)
          for (const [bz, by, bx, r] of blobs) ref[(z * ny + y) * nx + x] += Math.exp(-((z - bz) ** 2 + (y - by) ** 2 + (x - bx) ** 2) / (2 * r * r));
    const reference = { data: ref, shape: [nz, ny, nx] };
    const truth = [1.6, -2.4, 3.2];
    const moving = shiftVolume(reference, -truth[0], -truth[1], -truth[2], { method: 'fourier' });
    // Unbinned it pads to 32×64×64 = 131,072 voxels: a cap of 32,768 forces ×2.
    expect(registrationBinning([nz, ny, nx])).toBe(1);
    expect(registrationBinning([nz, ny, nx], 32768)).toBe(2);
    expect(registrationBinning([418, 418, 418])).toBe(2); // the paper's volumes
    const full = await registerVolumeTo(reference, moving);
    const binned = await registerVolumeTo(reference, moving, undefined, 32768);
    expect(full.binning).toBe(1);
    expect(binned.binning).toBe(2);
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(full.shift[k] - truth[k])).toBeLessThan(0.05);
      expect(Math.abs(binned.shift[k] - truth[k])).toBeLessThan(0.15);
    }
    expect(binned.volume.shape).toEqual([nz, ny, nx]);
    // binVolume averages whole blocks and drops the far-end remainder
    const b = binVolume({ data: Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => i), shape: [3, 4, 5] }, 2);
    expect(b.shape).toEqual([1, 2, 2]);
    expect(b.data[0]).toBeCloseTo((0 + 1 + 5 + 6 + 20 + 21 + 25 + 26) / 8, 5);
    expect(() => registrationBinning([8, 8, 8], 1)).toThrow(/binned to fit/);
  });
});
