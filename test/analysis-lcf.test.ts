import { describe, expect, it } from 'vitest';
import { lcfStack, nnlsGram } from '../src/analysis/lcf.ts';
import { gauss, rng } from '../src/analysis/phantom.ts';
import { loadReferenceSpectra, interpolateSpectrum } from '../src/xanes/references.ts';
import { PAPER_2D_ENERGIES_EV } from '../src/xanes/grid.ts';

describe('non-negative least squares', () => {
  it('matches the exhaustive active-set answer and clamps negative weights', () => {
    // A = 3 columns over 6 rows; b built with a negative weight on column 2.
    const A = [[1, 0, 1], [1, 1, 0], [0, 1, 1], [2, 1, 0], [0, 0, 1], [1, 2, 1]];
    const b = A.map((r) => 0.7 * r[0] + 0.4 * r[1] - 0.3 * r[2]);
    const G = [0, 1, 2].map((i) => [0, 1, 2].map((j) => A.reduce((s, r) => s + r[i] * r[j], 0)));
    const c = [0, 1, 2].map((i) => A.reduce((s, r, k) => s + r[i] * b[k], 0));
    const x = nnlsGram(G, c);
    expect(x.every((v) => v >= 0)).toBe(true);
    expect(x[2]).toBe(0);
    // Best over all subsets of columns with non-negative LS solutions.
    const cost = (w: number[]) => A.reduce((s, r, k) => s + (r.reduce((t, a, i) => t + a * w[i], 0) - b[k]) ** 2, 0);
    let best = Infinity;
    for (let a = 0; a <= 200; a++) for (let bb = 0; bb <= 200; bb++) best = Math.min(best, cost([a / 200, bb / 200, 0]));
    expect(cost(x)).toBeLessThanOrEqual(best + 1e-9);
  });
});

describe('linear combination fitting', () => {
  const refs = loadReferenceSpectra();
  const E = PAPER_2D_ENERGIES_EV;

  /** Stack [nE, n] of mixtures with fractions fr[p] of the given references, plus a background and noise (fraction of the jump). */
  function mixtures(ids: string[], fr: number[][], noise: number, seed: number) {
    const n = fr.length;
    const mu = ids.map((id) => interpolateSpectrum(refs[id], E));
    const g = gauss(rng(seed));
    const data = new Float32Array(E.length * n);
    for (let p = 0; p < n; p++) {
      const jump = 0.05 + 0.01 * (p % 3);
      for (let j = 0; j < E.length; j++) {
        let m = 0;
        ids.forEach((_, a) => (m += fr[p][a] * mu[a][j]));
        data[j * n + p] = 0.3 + 0.0001 * (E[j] - 8270) + jump * (m + noise * g());
      }
    }
    return { data, shape: [E.length, n] };
  }

  it('recovers NiO / LiNiO2 fractions within 0.1 at ptychographic noise, with the state', () => {
    const f = Array.from({ length: 11 }, (_, i) => i / 10);
    const stack = mixtures(['nio', 'liNiO2'], f.map((x) => [1 - x, x]), 0.02, 41);
    const r = lcfStack(stack, E, [refs.nio, refs.liNiO2]);
    f.forEach((x, p) => {
      expect(Math.abs(r.fractions[1][p] - x)).toBeLessThan(0.1);
      expect(Math.abs(r.oxidationState[p] - (2 + x))).toBeLessThan(0.1);
      expect(r.oxidationStateStd[p]).toBeGreaterThan(0);
      expect(r.residualRms[p]).toBeLessThan(0.05);
      expect(Math.abs(r.weightSum[p] / (0.05 + 0.01 * (p % 3)) - 1)).toBeLessThan(0.1); // the fitted jump
    });
  });

  it('unmixes three real compounds (Ni metal, NiO, LaNiO3) within 0.1', () => {
    // (NiO and NiFe2O4, both Ni2+ with near-identical edges, are not separable this way at ptychographic noise.)
    const fr = [[0.6, 0.4, 0], [0.2, 0.3, 0.5], [0, 0.7, 0.3], [0.33, 0.33, 0.34], [0, 0, 1]];
    const stack = mixtures(['niFoil', 'nio', 'laNiO3'], fr, 0.02, 42);
    const r = lcfStack(stack, E, [refs.niFoil, refs.nio, refs.laNiO3]);
    fr.forEach((row, p) => row.forEach((x, a) => expect(Math.abs(r.fractions[a][p] - x)).toBeLessThan(0.1)));
  });

  it('leaves masked pixels NaN and refuses an empty reference list', () => {
    const stack = mixtures(['nio'], [[1], [1]], 0, 43);
    for (let j = 0; j < E.length; j++) stack.data[j * 2 + 1] = 0.3; // no edge
    const r = lcfStack(stack, E, [refs.nio, refs.liNiO2]);
    expect(Number.isNaN(r.oxidationState[1])).toBe(true);
    expect(r.oxidationState[0]).toBeCloseTo(2, 2);
    expect(() => lcfStack(stack, E, [])).toThrow(/needs reference spectra/);
  });
});
