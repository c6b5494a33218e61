import { describe, expect, it } from 'vitest';
import { defocusedPupilProbe, makeSyntheticPtycho, normalizedRmsError, reconstructEpie } from '../src/ptycho/index.ts';
import { resampleObject } from '../src/ptycho/resample.ts';
import type { EpieOptions, EpieResult } from '../src/ptycho/index.ts';

const n = 32;
// A foreign forward model: a flat circular aperture (a pinhole just upstream of the sample: a
// weak curvature), unlike the zone-plate and defocused-pupil models the code knows.
function apertureProbe(D: number): Float32Array {
  const p = new Float32Array(2 * n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const r2 = (x - n / 2) ** 2 + (y - n / 2) ** 2;
      const a = Math.min(1, Math.max(0, D / 2 + 0.5 - Math.sqrt(r2)));
      const ph = (2.5 * r2) / ((D * D) / 4);
      p[2 * (y * n + x)] = a * Math.cos(ph);
      p[2 * (y * n + x) + 1] = a * Math.sin(ph);
    }
  }
  return p;
}
const D = 0.36 * n;
const data = makeSyntheticPtycho({ n, scanX: 8, scanY: 8, probe: apertureProbe(D), probeDiameterPx: D, photons: 1e6, seed: 11 });

function nrmse(r: EpieResult): number {
  const [H, W] = r.object.shape;
  return normalizedRmsError(r.object.data, data.object.data, H, W, r.illuminatedMask);
}

const run = (o: EpieOptions) => reconstructEpie(data.source, { backend: 'cpu', iterations: 50, threads: 1, ...o });

describe('ePIE update rules from a generic probe guess (foreign aperture probe, Poisson data)', () => {
  it('mPIE (the default) reaches object NRMSE ≤ 0.17 at 50 iterations, below plain ePIE', async () => {
    const mpie = await run({});
    const epie = await run({ engine: 'epie' });
    expect(mpie.timings.mode).toBe('sequential'); // the CPU default
    expect(nrmse(mpie)).toBeLessThan(0.17);
    expect(nrmse(mpie)).toBeLessThan(0.7 * nrmse(epie));
    // ... and fits the data better.
    expect(mpie.errors.at(-1)!).toBeLessThan(epie.errors.at(-1)!);
  });

  it('starts from an aperture or a Gaussian of a given size with the data’s power', async () => {
    const px = data.pixelSizeM;
    for (const probeInit of [{ aperture: { diameterM: 1.4 * D * px } }, { gaussian: { fwhmM: 0.7 * D * px } }]) {
      const r = await run({ probeInit, iterations: 30 });
      expect(nrmse(r), JSON.stringify(probeInit)).toBeLessThan(0.17);
    }
    await expect(run({ probeInit: { aperture: { diameterM: -1 } }, iterations: 1 })).rejects.toThrow(/probeInit.aperture.diameterM/);
    await expect(run({ engine: 'fast' as never, iterations: 1 })).rejects.toThrow(/engine/);
  });
});

describe('position refinement (2-pixel random position errors)', () => {
  const m = 32;
  const d = makeSyntheticPtycho({ n: m, scanX: 8, scanY: 8, photons: 1e6, seed: 31, positionErrorPx: 2 });
  const probeInit = { data: defocusedPupilProbe(m, (m / 3) * 0.8), shape: [m, m] };
  /** Largest position error in pixels, after removing the mean (a common shift is a shift of the object). */
  function maxError(p: Float64Array): number {
    const c = p.length / 2;
    let mx = 0;
    let my = 0;
    for (let j = 0; j < c; j++) {
      mx += (p[2 * j] - d.positionsM[2 * j]) / c;
      my += (p[2 * j + 1] - d.positionsM[2 * j + 1]) / c;
    }
    let e = 0;
    for (let j = 0; j < c; j++) e = Math.max(e, Math.hypot(p[2 * j] - d.positionsM[2 * j] - mx, p[2 * j + 1] - d.positionsM[2 * j + 1] - my) / d.pixelSizeM);
    return e;
  }
  function objectError(r: EpieResult): number {
    const [H, W] = r.object.shape;
    const truth = resampleObject(d.object.data, d.object.shape[0], d.object.shape[1], d.scan.originM, d.pixelSizeM, H, W, r.originM, r.pixelSizeM);
    return normalizedRmsError(r.object.data, truth, H, W, r.illuminatedMask);
  }

  it('moves every position to within 0.5 px of the truth and lowers the object error (sequential; parallel improves)', async () => {
    const base = { backend: 'cpu' as const, mode: 'sequential' as const, iterations: 50, threads: 1, probeInit };
    expect(maxError(d.source.geometry.positionsM)).toBeGreaterThan(2);
    const plain = await reconstructEpie(d.source, base);
    const refined = await reconstructEpie(d.source, { ...base, refinePositions: true });
    expect(maxError(refined.positionsM)).toBeLessThan(0.5);
    expect(objectError(refined)).toBeLessThan(0.5 * objectError(plain));
    // Reported shifts are refined minus given positions.
    expect(refined.positionsM[3]).toBeCloseTo(d.source.geometry.positionsM[3] + refined.positionShiftsM[3], 15);
    expect(Array.from(plain.positionShiftsM).every((v) => v === 0)).toBe(true);
    const par = await reconstructEpie(d.source, { ...base, mode: 'parallel', refinePositions: true });
    // Mini-batches move positions more slowly (one step per iteration from averaged objects).
    expect(maxError(par.positionsM)).toBeLessThan(0.5 * maxError(d.source.geometry.positionsM));
    await expect(reconstructEpie(d.source, { ...base, iterations: 1, refinePositions: { maxStepPx: 0 } })).rejects.toThrow(/refinePositions.maxStepPx/);
    // A start object on the plain grid (a warm start's) goes into the refined scan's wider grid.
    const warm = await reconstructEpie(d.source, { ...base, iterations: 1, refinePositions: true, objectInit: plain.object });
    expect(warm.object.shape).toEqual(refined.object.shape);
  });
});
