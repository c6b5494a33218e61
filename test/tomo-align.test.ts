import { afterAll, describe, expect, it } from 'vitest';
import { alignProjections } from '../src/tomo/align.ts';
import { fitSinusoid } from '../src/tomo/axis.ts';
import { makeGeometry } from '../src/tomo/geometry.ts';
import { forwardProject } from '../src/tomo/project.ts';
import { sirt } from '../src/tomo/sirt.ts';
import { halfTurnAngles, sheppLogan3d } from '../src/tomo/synthetic.ts';
import { shutdownTomoWorkers } from '../src/tomo/threads.ts';
import { shiftStack } from '../src/register/shift.ts';
import { gaussianRandom, seededRandom } from '../src/register/synthetic.ts';

afterAll(shutdownTomoWorkers);

function rmse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

describe('alignment by reprojection', () => {
  it('aligns random shifts (σ = 3 px) and a 2 px axis offset', async () => {
    const n = 48;
    const nz = 24;
    const nA = 60;
    const truth = sheppLogan3d(n, nz, 0.75);
    const angles = halfTurnAngles(nA);
    // true axis 2 px right of the detector centre
    const axisTrue = (n - 1) / 2 + 2;
    const clean = await forwardProject(truth, angles, { backend: 'cpu', centreCol: axisTrue });
    const gauss = gaussianRandom(seededRandom(5));
    const trueShift = new Float64Array(2 * nA);
    for (let i = 0; i < 2 * nA; i++) trueShift[i] = 3 * gauss();
    // measured = clean moved by trueShift; aligning means applying −trueShift
    const measured = shiftStack(clean, trueShift, 'fourier', 0);
    const r = await alignProjections(measured, angles, { backend: 'cpu', min: 0 });
    // Compare in the gauge the result uses: E = true + found should be k + X cos + Y sin
    // horizontally (axis moved by k, volume by (X, Y)) and a constant vertically.
    const g = makeGeometry({ anglesDeg: angles, rows: nz, cols: n, centreCol: axisTrue });
    const E = new Float64Array(2 * nA);
    for (let i = 0; i < 2 * nA; i++) E[i] = trueShift[i] + r.shifts[i];
    const [k, X, Y] = fitSinusoid(g, E, 2, 1);
    let my = 0;
    for (let a = 0; a < nA; a++) my += E[2 * a] / nA;
    let e2 = 0;
    let ey = 0;
    for (let a = 0; a < nA; a++) {
      ey += (E[2 * a] - my) ** 2;
      e2 += (E[2 * a] - my) ** 2 + (E[2 * a + 1] - k - X * g.table[4 * a] - Y * g.table[4 * a + 1]) ** 2;
    }
    const rms = Math.sqrt(e2 / nA);
    console.log(`alignment: shift RMS error ${rms.toFixed(3)} px (vertical ${Math.sqrt(ey / nA).toFixed(3)}), axis ${r.centreCol.toFixed(3)} vs ${(axisTrue + k).toFixed(3)}, ${r.passes.length} passes, ${r.seconds.toFixed(1)} s`);
    expect(rms).toBeLessThan(0.3);
    expect(Math.abs(r.centreCol - (axisTrue + k))).toBeLessThan(0.5);
    // reconstruction within 10 % of the RMSE from the unshifted data with the true axis
    const ref = await sirt(clean, angles, { backend: 'cpu', iterations: 30, centreCol: axisTrue, min: 0 });
    const got = await sirt(r.aligned, angles, { backend: 'cpu', iterations: 30, centreCol: r.centreCol, min: 0 });
    // move the found volume back by the gauge: (X, Y) in each slice, my along z
    const slices = shiftStack({ data: got.volume.data, shape: [nz, n, n] }, Float64Array.from({ length: 2 * nz }, (_, i) => (i % 2 ? -X : -Y)), 'fourier', 0);
    const back = shiftStack({ data: slices.data, shape: [1, nz, n * n] }, [-my, 0], 'fourier', 0);
    const eRef = rmse(ref.volume.data, truth.data);
    const eGot = rmse(back.data, truth.data);
    console.log(`alignment: volume RMSE ${eGot.toFixed(4)} vs ${eRef.toFixed(4)} from unshifted data`);
    expect(eGot).toBeLessThan(1.1 * eRef);
  });
});
