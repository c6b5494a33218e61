import { describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import { fitXanes } from '../src/xanes/fit.ts';
import { PAPER_2D_ENERGIES_EV, resolveGrid } from '../src/xanes/grid.ts';
import { GaussEdgeFitter } from '../src/xanes/lm.ts';
import { normWeights, normalizeSpectrum, normalizeStack } from '../src/xanes/normalize.ts';
import { XanesStatus } from '../src/xanes/status.ts';
import { analyticMu, gaussianRng, referenceMu, stackOf } from './xanes-synth.ts';

const E = PAPER_2D_ENERGIES_EV;

describe('paper energy grid', () => {
  it('has the 51 energies of the 2D scans', () => {
    expect(E.length).toBe(51);
    expect(E.slice(0, 4)).toEqual([8270, 8285, 8300, 8325]);
    expect(E.slice(-3)).toEqual([8370, 8400, 8420]);
    const g = resolveGrid(E);
    expect(g.preIdx).toEqual([0, 1, 2]);
    expect(g.postIdx).toEqual([49, 50]);
    expect(g.fitRangeEv).toEqual([8325, 8370]);
  });
});

describe('normalisation', () => {
  it('maps pre-edge to 0 and the post-edge level to 1 and reports the edge jump', () => {
    const spectra = [0.5, 1, 2].map((scale) => E.map((e) => analyticMu(e, 8341, scale)));
    const r = normalizeStack(stackOf(spectra), E, { minEdgeStep: 0 });
    const nPix = 3;
    for (let p = 0; p < nPix; p++) {
      for (const j of [0, 1, 2]) expect(Math.abs(r.normalized.data[j * nPix + p])).toBeLessThan(2e-3);
      const post = (r.normalized.data[49 * nPix + p] + r.normalized.data[50 * nPix + p]) / 2;
      expect(post).toBeCloseTo(1, 5);
      expect(r.status[p]).toBe(XanesStatus.OK);
    }
    // Edge step = jump between the mean post-edge and mean pre-edge absorption.
    spectra.forEach((sp, p) => expect(r.edgeStep[p]).toBeCloseTo((sp[49] + sp[50]) / 2 - (sp[0] + sp[1] + sp[2]) / 3, 5));
    // Normalised spectra are scale-free: the three pixels agree.
    for (let j = 0; j < E.length; j++) expect(r.normalized.data[j * 3 + 2]).toBeCloseTo(r.normalized.data[j * 3], 4);
  });

  it('masks thin/empty pixels as NaN with a status (default threshold: 10 % of the 99th percentile step)', () => {
    const spectra = [E.map((e) => analyticMu(e, 8341, 1)), E.map((e) => analyticMu(e, 8341, 0.02)), E.map(() => 0)];
    const r = normalizeStack(stackOf(spectra), E);
    expect(Array.from(r.status)).toEqual([XanesStatus.OK, XanesStatus.MASKED, XanesStatus.MASKED]);
    expect(Number.isNaN(r.normalized.data[20 * 3 + 1])).toBe(true);
    expect(r.minEdgeStep).toBeGreaterThan(0.02 * 0.9);
  });
});

/** Edge of each spectrum through fitXanes (CPU). */
async function edges(spectra: ArrayLike<number>[]): Promise<{ e: Float32Array; sd: Float32Array; st: Uint8Array; e0: Float32Array; dm: Float32Array }> {
  const r = await fitXanes(stackOf(spectra), E, { backend: 'cpu', minEdgeStep: 0 });
  return { e: r.edgeEnergyEv, sd: r.edgeEnergyStdEv, st: r.status, e0: r.e0HalfStepEv, dm: r.derivMaxEv };
}

describe('3-Gaussian edge fit on synthetic spectra (CPU)', () => {
  const shifts = [-3, -2.2, -1.5, -0.7, -0.3, 0, 0.4, 1.1, 1.6, 2.3, 3];

  it('recovers a known edge shift to < 0.05 eV without noise', async () => {
    const r = await edges(shifts.map((d) => E.map((e) => analyticMu(e, 8341 + d))));
    const base = r.e[shifts.indexOf(0)];
    shifts.forEach((d, i) => {
      expect(r.st[i]).toBe(XanesStatus.OK);
      expect(Math.abs(r.e[i] - base - d)).toBeLessThan(0.05);
    });
    // The alternative metrics follow the same shift.
    const b0 = r.e0[shifts.indexOf(0)];
    const bd = r.dm[shifts.indexOf(0)];
    shifts.forEach((d, i) => {
      expect(Math.abs(r.e0[i] - b0 - d)).toBeLessThan(0.1);
      expect(Math.abs(r.dm[i] - bd - d)).toBeLessThan(0.15);
    });
  });

  // Realistic noise: σ = 1 % of the edge step per energy, i.e. ~0.01 in −ln|O| for a 1-unit
  // edge step (ptychographic attenuation maps of a few-µm crystal, cf. the paper's Fig. 5).
  it('recovers the shift to < 0.3 eV at 1 % noise per energy point', async () => {
    const rng = gaussianRng(11);
    const sigma = 0.01 * 0.8; // scale 0.8 = edge step of analyticMu
    const spectra = shifts.flatMap((d) => [0, 1, 2].map(() => E.map((e) => analyticMu(e, 8341 + d) + sigma * rng())));
    const clean = await edges([E.map((e) => analyticMu(e, 8341))]);
    const r = await edges(spectra);
    shifts.forEach((d, k) => {
      for (let m = 0; m < 3; m++) {
        const i = 3 * k + m;
        expect(r.st[i]).toBe(XanesStatus.OK);
        expect(Math.abs(r.e[i] - clean.e[0] - d)).toBeLessThan(0.3);
      }
    });
  });

  it('reports an edge uncertainty consistent with the scatter over noise draws', async () => {
    const rng = gaussianRng(5);
    const base = referenceMu('liNiO2');
    const sigma = 0.01 * 0.6;
    const n = 24;
    const r = await edges(Array.from({ length: n }, () => base.map((v) => v + sigma * rng())));
    const mean = r.e.reduce((a, b) => a + b, 0) / n;
    const scatter = Math.sqrt(r.e.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    const reported = r.sd.reduce((a, b) => a + b, 0) / n;
    // Same spectrum, two noise draws: the difference lies within the combined reported error.
    let within = 0;
    for (let i = 0; i + 1 < n; i += 2) if (Math.abs(r.e[i] - r.e[i + 1]) < 2 * Math.hypot(r.sd[i], r.sd[i + 1])) within++;
    expect(within).toBeGreaterThanOrEqual(n / 2 - 1);
    // Neither wildly optimistic nor useless (the residual also holds the model misfit).
    expect(reported).toBeGreaterThan(0.7 * scatter);
    expect(reported).toBeLessThan(6 * scatter + 0.05);
  });

  it('the half maximum of the fitted sum is steadier than the single-Gaussian edge (the documented choice)', () => {
    const grid = resolveGrid(E);
    const w = normWeights(grid);
    const fitter = new GaussEdgeFitter(grid.energyEv.subarray(grid.fitLo, grid.fitHi));
    const work = new Float64Array(E.length);
    const rng = gaussianRng(3);
    const sum: number[] = [];
    const single: number[] = [];
    for (const id of ['nio', 'liNiO2']) {
      for (let k = 0; k < 12; k++) {
        normalizeSpectrum(w, referenceMu(id, 0.1 * k).map((v) => v + 0.005 * rng()), 0, 1, work);
        const o = fitter.fit(work, grid.fitLo);
        sum.push(o.edgeEv - 0.1 * k);
        single.push(o.gaussEdgeEv - 0.1 * k);
      }
    }
    const sd = (a: number[]) => {
      const half = a.length / 2;
      const part = (b: number[]) => {
        const m = b.reduce((x, y) => x + y, 0) / b.length;
        return b.reduce((x, y) => x + (y - m) ** 2, 0) / b.length;
      };
      return Math.sqrt((part(a.slice(0, half)) + part(a.slice(half))) / 2);
    };
    expect(sd(sum)).toBeLessThan(sd(single));
  });
});

describe('bad input: clear errors, or NaN with a status per pixel', () => {
  const good = E.map((e) => analyticMu(e, 8341));

  it('rejects unsorted, duplicate, non-finite or keV energies', async () => {
    const s = stackOf([good]);
    const swapped = [...E];
    [swapped[10], swapped[11]] = [swapped[11], swapped[10]];
    await expect(fitXanes(s, swapped, { backend: 'cpu' })).rejects.toThrow(/energies\[11\].*increasing order/);
    const dup = [...E];
    dup[11] = dup[10];
    await expect(fitXanes(s, dup, { backend: 'cpu' })).rejects.toThrow(/duplicate energy/);
    const nan = [...E];
    nan[5] = NaN;
    await expect(fitXanes(s, nan, { backend: 'cpu' })).rejects.toThrow(PtyxanesError);
    await expect(fitXanes(s, E.map((e) => e / 1000), { backend: 'cpu' })).rejects.toThrow(/in eV/);
  });

  it('rejects fewer than 2 pre-edge or post-edge energies', async () => {
    const s = stackOf([good]);
    await expect(fitXanes(s, E, { backend: 'cpu', preEdgeEv: [8270, 8275] })).rejects.toThrow(/fewer than 2 energies in the pre-edge range/);
    await expect(fitXanes(s, E, { backend: 'cpu', postEdgeEv: [8410, 8425] })).rejects.toThrow(/fewer than 2 energies in the post-edge range/);
    await expect(fitXanes(s, E, { backend: 'cpu', postEdgeDegree: 2 })).rejects.toThrow(/fewer than 3 energies/);
  });

  it('rejects a stack whose depth differs from the number of energies', async () => {
    await expect(fitXanes(stackOf([good]), E.slice(0, 50), { backend: 'cpu' })).rejects.toThrow(/stack\.shape\[0\].*expected 50, found 51/);
    await expect(fitXanes({ data: new Float32Array(10), shape: [51, 2] }, E, { backend: 'cpu' })).rejects.toThrow(/data length/);
  });

  it('flags all-NaN, partly-NaN, zero and flat pixels instead of inventing numbers', async () => {
    const partly = [...good];
    partly[20] = NaN;
    const r = await fitXanes(stackOf([good, E.map(() => NaN), partly, E.map(() => 0), E.map(() => 1)]), E, { backend: 'cpu' });
    expect(Array.from(r.status)).toEqual([XanesStatus.OK, XanesStatus.NON_FINITE, XanesStatus.NON_FINITE, XanesStatus.MASKED, XanesStatus.MASKED]);
    for (let p = 1; p < 5; p++) {
      expect(Number.isNaN(r.oxidationState[p])).toBe(true);
      expect(Number.isNaN(r.edgeEnergyEv[p])).toBe(true);
      expect(Number.isNaN(r.oxidationStateStd[p])).toBe(true);
    }
    expect(Number.isFinite(r.oxidationState[0])).toBe(true);
    expect(r.summary.nFitted).toBe(1);
    expect(r.summary.statusCounts['non-finite input']).toBe(2);
  });

  it('flags a spectrum with no edge in the fit window', async () => {
    // Edge far above the window: the fitted sum only rises across it.
    const r = await fitXanes(stackOf([E.map((e) => analyticMu(e, 8395))]), E, { backend: 'cpu', minEdgeStep: 0 });
    expect(r.status[0]).toBe(XanesStatus.EDGE_NOT_FOUND);
    expect(Number.isNaN(r.oxidationState[0])).toBe(true);
  });

  it('honours an AbortSignal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(fitXanes(stackOf([good]), E, { backend: 'cpu', signal: ac.signal })).rejects.toThrow(/abort/i);
  });
});
