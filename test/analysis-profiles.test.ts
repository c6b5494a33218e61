import { describe, expect, it } from 'vitest';
import { segmentCrystals } from '../src/analysis/segment.ts';
import { surfaceProfiles, profilesCsv } from '../src/analysis/profiles.ts';
import { diffusionFraction, fitProfileModels, erfc } from '../src/analysis/diffusion.ts';
import { ballPhantom } from '../src/analysis/phantom.ts';

const PX_NM = 40;
// Six separated discs of 16 px (640 nm) radius, away from the border.
const DISCS = [0, 1, 2, 3, 4, 5].map((k) => ({ c: [22 + 40 * Math.floor(k / 3), 22 + 40 * (k % 3)], r: 16 }));
const SHAPE = [84, 124];

function analyse(state: (depthNm: number) => number, noise: number, seed: number) {
  const ph = ballPhantom(SHAPE, DISCS, (dPx) => state(dPx * PX_NM), noise, seed);
  const seg = segmentCrystals(ph.state, ph.shape, PX_NM * 1e-9, { edgeStep: ph.edgeStep });
  return { ph, seg, prof: surfaceProfiles(seg, ph.state, ph.std) };
}

describe('diffusion models', () => {
  it('are 1 at the surface, continuous where the series switch, and agree with erfc at short times', () => {
    expect(erfc(0)).toBeCloseTo(1, 6);
    expect(erfc(1)).toBeCloseTo(0.157299207, 6);
    for (const g of ['slab', 'sphere'] as const) {
      expect(diffusionFraction(0, 100, g, 500)).toBeCloseTo(1, 5);
      for (const d of [0, 100, 300, 499, 500]) {
        const a = diffusionFraction(d, 0.05 * (1 - 1e-9) * 500 ** 2, g, 500);
        const b = diffusionFraction(d, 0.05 * (1 + 1e-9) * 500 ** 2, g, 500);
        expect(Math.abs(a - b)).toBeLessThan(1e-6);
      }
      // Early on, diffusion has not felt the curvature or the far side: the semi-infinite solution (slab exactly).
      expect(diffusionFraction(40, 400, g, 5000)).toBeCloseTo(erfc(40 / 40), g === 'slab' ? 6 : 2);
      // Long times: everything at the surface value.
      expect(diffusionFraction(500, 10 * 500 ** 2, g, 500)).toBeCloseTo(1, 6);
    }
  });
});

describe('model fits on awkward profiles', () => {
  it('keep the levels plausible on a flat profile, and prefer the uniform model there', () => {
    const depthNm = [20, 60, 100, 140, 180, 220];
    const value = [2.61, 2.59, 2.6, 2.62, 2.58, 2.6];
    const fits = fitProfileModels({ depthNm, value, sigma: depthNm.map(() => 0.02) }, { geometry: 'sphere', sizeNm: 240 });
    for (const v of [fits.diffusion.initialState, fits.diffusion.surfaceState]) expect(Math.abs(v - 2.6)).toBeLessThan(0.2);
    expect(fits.preferredByBic).toBe('uniform');
  });
});

describe('surface-to-core profiles', () => {
  it('recover a known linear gradient from the surface, in nm', () => {
    const { prof } = analyse((d) => 2.3 + 0.002 * d, 0.05, 11);
    expect(prof.crystals).toHaveLength(6);
    expect(prof.meanOf).toHaveLength(6);
    const m = prof.mean;
    // Least-squares slope and intercept of the mean profile.
    const n = m.depthNm.length;
    const mx = m.depthNm.reduce((a, b) => a + b) / n, my = m.mean.reduce((a, b) => a + b) / n;
    let sxy = 0, sxx = 0;
    m.depthNm.forEach((x, i) => { sxy += (x - mx) * (m.mean[i] - my); sxx += (x - mx) ** 2; });
    const slope = sxy / sxx;
    expect(Math.abs(slope / 0.002 - 1)).toBeLessThan(0.1);
    expect(my - slope * mx).toBeCloseTo(2.3, 1);
    expect(Math.max(...m.depthNm)).toBeGreaterThan(560);
    // Uncertainty from the per-pixel errors: σ/√n per crystal bin, /√6 over crystals.
    expect(m.uncertainty[5]).toBeGreaterThan(0.002);
    expect(m.uncertainty[5]).toBeLessThan(0.05);
    expect(profilesCsv(prof).split('\n')[0]).toBe('crystal,depth_nm,mean_state,uncertainty,sem,count,in_mean');
  });

  it('fit a known diffusion coefficient within 20 % and prefer diffusion over a core–shell step', () => {
    const R = 16 * PX_NM, timeS = 3600, dTrue = 1.1e-17; // m²/s → Dt = 39600 nm², diffusion length ≈ 200 nm
    const dtNm2 = dTrue * timeS * 1e18;
    const { prof } = analyse((d) => 2.4 + (3.3 - 2.4) * diffusionFraction(d, dtNm2, 'sphere', R), 0.1, 12);
    const m = prof.mean;
    const fits = fitProfileModels({ depthNm: m.depthNm, value: m.mean, sigma: m.uncertainty }, { geometry: 'sphere', sizeNm: prof.meanRadiusNm, timeS });
    const d = fits.diffusion;
    expect(d.atBound).toBeNull();
    expect(Math.abs(d.diffusionM2PerS / dTrue - 1)).toBeLessThan(0.2);
    expect(d.diffusionErrM2PerS).toBeGreaterThan(0);
    expect(d.diffusionErrM2PerS / d.diffusionM2PerS).toBeLessThan(0.3);
    expect(d.surfaceState).toBeCloseTo(3.3, 1);
    expect(Math.abs(d.initialState - 2.4)).toBeLessThan(0.1);
    expect(fits.preferredByAic).toBe('diffusion');
    expect(fits.diffusion.aic).toBeLessThan(fits.coreShell.aic);
  });

  it('prefer the core–shell model for a sharp shell, and find its thickness', () => {
    const { prof } = analyse((d) => (d < 200 ? 2.2 : 2.9), 0.1, 13);
    const m = prof.mean;
    const fits = fitProfileModels({ depthNm: m.depthNm, value: m.mean, sigma: m.uncertainty }, { geometry: 'sphere', sizeNm: prof.meanRadiusNm });
    expect(fits.preferredByAic).toBe('core-shell');
    expect(Math.abs(fits.coreShell.shellThicknessNm - 200)).toBeLessThan(PX_NM);
    expect(fits.coreShell.shellState).toBeCloseTo(2.2, 1);
    expect(fits.coreShell.coreState).toBeCloseTo(2.9, 1);
    expect(Number.isNaN(fits.diffusion.diffusionM2PerS)).toBe(true); // no time given: Dt only
  });
});
