import { describe, expect, it } from 'vitest';
import { gpuOrSkip } from './helpers/gpu.ts';
import { fitXanes, type XanesResult } from '../src/xanes/fit.ts';
import { PAPER_2D_ENERGIES_EV, PAPER_3D_ENERGIES_EV } from '../src/xanes/grid.ts';
import { XanesStatus } from '../src/xanes/status.ts';
import { analyticMu, gaussianRng, referenceMu, stackOf } from './xanes-synth.ts';

const E = PAPER_2D_ENERGIES_EV;

/** Mixed test scene: real NiO / LiNiO2 shapes at random shifts and scales, noise, and bad pixels. */
function scene(n: number, energies: readonly number[] = E, seed = 7): ArrayLike<number>[] {
  const rng = gaussianRng(seed);
  const out: ArrayLike<number>[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 50 === 7) out.push(energies.map(() => 0)); // empty
    else if (i % 50 === 13) out.push(energies.map((_, j) => (j === 9 ? NaN : 1))); // NaN
    else {
      const id = i % 3 === 0 ? 'nio' : i % 3 === 1 ? 'liNiO2' : 'laNiO3';
      const s = referenceMu(id, 1.5 * rng(), energies, 0.4 + 0.3 * Math.abs(rng()));
      out.push(s.map((v) => v + 0.004 * rng()));
    }
  }
  return out;
}

function compare(g: XanesResult, c: XanesResult) {
  const n = c.status.length;
  let same = 0;
  const diffs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (g.status[i] === c.status[i]) same++;
    if (Number.isFinite(c.edgeEnergyEv[i]) && Number.isFinite(g.edgeEnergyEv[i])) diffs.push(Math.abs(g.edgeEnergyEv[i] - c.edgeEnergyEv[i]));
    if (!Number.isFinite(c.edgeEnergyEv[i])) expect(Number.isNaN(g.edgeEnergyEv[i])).toBe(true);
  }
  diffs.sort((a, b) => a - b);
  return { sameStatus: same / n, median: diffs[diffs.length >> 1], p95: diffs[Math.floor(0.95 * (diffs.length - 1))], nCompared: diffs.length };
}

describe('XANES fit on the GPU (WGSL kernel) against its CPU twin and ground truth', () => {
  it.for(['shared', 'free'] as const)('agrees with the CPU path pixel by pixel (float32 vs float64), %s edge model', async (edgeModel, t) => {
    const ctx = await gpuOrSkip(t.skip);
    const s = stackOf(scene(400));
    const c = await fitXanes(s, E, { backend: 'cpu', edgeModel });
    const g = await fitXanes(s, E, { backend: 'gpu', ctx, edgeModel });
    expect(g.backend).toBe('gpu');
    expect(g.edgeModel).toBe(edgeModel);
    const cmp = compare(g, c);
    expect(cmp.sameStatus).toBeGreaterThan(0.98);
    expect(cmp.nCompared).toBeGreaterThan(350);
    expect(cmp.median).toBeLessThan(0.005);
    expect(cmp.p95).toBeLessThan(0.03);
    expect(Array.from(g.status.subarray(0, 50)).filter((v) => v === XanesStatus.MASKED).length).toBe(1);
    expect(g.status[13]).toBe(XanesStatus.NON_FINITE);
    // Uncertainties and alternative metrics too.
    let sdRel = 0, k = 0;
    for (let i = 0; i < 400; i++) {
      if (g.status[i] === 0 && c.status[i] === 0 && Math.abs(g.edgeEnergyEv[i] - c.edgeEnergyEv[i]) < 0.01) {
        sdRel += Math.abs(g.edgeEnergyStdEv[i] / c.edgeEnergyStdEv[i] - 1);
        expect(Math.abs(g.e0HalfStepEv[i] - c.e0HalfStepEv[i])).toBeLessThan(0.02);
        expect(Math.abs(g.derivMaxEv[i] - c.derivMaxEv[i])).toBeLessThan(0.1);
        k++;
      }
    }
    expect(sdRel / k).toBeLessThan(0.02);
  });

  it('streams in blocks with the same answer, with a background term, and on the 3D grid', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const s = stackOf(scene(150, E, 3));
    const one = await fitXanes(s, E, { backend: 'gpu', ctx });
    const blocks: number[] = [];
    const many = await fitXanes(s, E, { backend: 'gpu', ctx, blockPixels: 64, onProgress: (e) => blocks.push(e.done) });
    expect(blocks).toEqual([64, 128, 150]);
    expect(Array.from(many.edgeEnergyEv)).toEqual(Array.from(one.edgeEnergyEv));
    const bgG = await fitXanes(s, E, { backend: 'gpu', ctx, background: true });
    const bgC = await fitXanes(s, E, { backend: 'cpu', background: true });
    const cmp = compare(bgG, bgC);
    expect(cmp.sameStatus).toBeGreaterThan(0.95);
    expect(cmp.median).toBeLessThan(0.01);
    const E3 = PAPER_3D_ENERGIES_EV;
    const s3 = stackOf(scene(100, E3, 5), E3);
    const cmp3 = compare(await fitXanes(s3, E3, { backend: 'gpu', ctx }), await fitXanes(s3, E3, { backend: 'cpu' }));
    expect(cmp3.sameStatus).toBeGreaterThan(0.97);
    expect(cmp3.median).toBeLessThan(0.005);
  });

  it('recovers a known edge shift to < 0.05 eV (noise-free) on the GPU', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const shifts = [-3, -1.7, -0.6, 0, 0.45, 1.2, 2.1, 3];
    const g = await fitXanes(stackOf(shifts.map((d) => E.map((e) => analyticMu(e, 8341 + d)))), E, { backend: 'gpu', ctx, minEdgeStep: 0 });
    const base = g.edgeEnergyEv[shifts.indexOf(0)];
    shifts.forEach((d, i) => {
      expect(g.status[i]).toBe(XanesStatus.OK);
      expect(Math.abs(g.edgeEnergyEv[i] - base - d)).toBeLessThan(0.05);
    });
  });
});
