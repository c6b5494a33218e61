import { describe, expect, it } from 'vitest';
import { presetConfig, simulateInMemory } from '../src/sim/index.ts';
import { normalizedRmsError, reconstructEpie } from '../src/ptycho/index.ts';
import { resampleObject } from '../src/ptycho/resample.ts';

describe("ePIE on the simulator's 2d-small data", () => {
  it('recovers one noise-free energy to NRMS < 0.1 from the zone-plate probe model', async () => {
    // One energy of the preset (the full series is the pipeline's test).
    const exp = await simulateInMemory({ ...presetConfig('2d-small'), energiesEv: [8300] }, { noiseFree: true });
    const e = exp.entries[0];
    const r = await reconstructEpie(e.source, { backend: 'cpu', mode: 'sequential', iterations: 6, probeInit: { zonePlate: e.probe } });
    expect(r.errors.at(-1)!).toBeLessThan(r.errors[0]);
    const [H, W] = r.object.shape;
    const truth = resampleObject(e.object.data, e.object.shape[0], e.object.shape[1], e.grid.originM, e.grid.pixelM, H, W, r.originM, r.pixelSizeM);
    expect(normalizedRmsError(r.object.data, truth, H, W, r.illuminatedMask)).toBeLessThan(0.1);
    expect(r.pixelSizeM).toBeCloseTo(e.grid.pixelM, 12);
  });
});
