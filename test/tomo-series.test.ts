import { afterAll, describe, expect, it } from 'vitest';
import { fitSinusoid } from '../src/tomo/axis.ts';
import { makeGeometry } from '../src/tomo/geometry.ts';
import { forwardProject } from '../src/tomo/project.ts';
import { reconstructTomoSeries, seriesOrder } from '../src/tomo/series.ts';
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
});
