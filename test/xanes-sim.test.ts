import { describe, expect, it } from 'vitest';
import { attenuationSpectra, planExperiment, presetConfig, renderAngle, truthMaps } from '../src/sim/index.ts';
import { fitXanes } from '../src/xanes/fit.ts';
import { XanesStatus } from '../src/xanes/status.ts';

describe('XANES fit on the simulator’s ground-truth spectra (no ptychography)', () => {
  it('2d-small: oxidation states within 0.1 valence RMS of the truth', async () => {
    const plan = planExperiment(presetConfig('2d-small'));
    const truth = truthMaps(plan, renderAngle(plan, 0));
    const energies = plan.energiesEv;
    const stack = attenuationSpectra(truth.stateMap, truth.thicknessM, energies);
    const r = await fitXanes(stack, energies, { backend: 'cpu' });
    let se = 0;
    let n = 0;
    let withTruth = 0;
    for (let p = 0; p < r.status.length; p++) {
      const v = truth.stateMap.data[p];
      if (Number.isFinite(v)) withTruth++;
      // Empty pixels must not receive a state.
      if (!(truth.thicknessM.data[p] > 0)) expect(Number.isNaN(r.oxidationState[p])).toBe(true);
      if (!Number.isFinite(v) || r.status[p] !== XanesStatus.OK) continue;
      se += (r.oxidationState[p] - v) ** 2;
      n++;
    }
    const rms = Math.sqrt(se / n);
    expect(n).toBeGreaterThan(0.6 * withTruth); // the mask keeps the crystals, drops their thinnest rims
    expect(rms).toBeLessThan(0.1);
  });
});
