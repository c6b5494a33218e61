import { describe, expect, it } from 'vitest';
import { complexArray, realArray } from '../src/core/arrays.ts';
import { wavelengthM } from '../src/core/frames.ts';
import { findEdgeFeatures } from '../src/xanes/dense-spectrum.ts';
import {
  airyFocusFwhmM,
  attenuationSpectra,
  detectorMask,
  edgeModel,
  flightOffsetsM,
  geometricSpotDiameterM,
  hilbertFft,
  kramersKronigDelta,
  objectTransmission,
  planExperiment,
  planProbe,
  presetConfig,
  ProbeBank,
  probeDiameterM,
  probeFwhmM,
  refractiveIndex,
  Rng,
  scanFrames,
  tabulatedIndex,
  NMC811,
  zonePlateFocalLengthM,
  zonePlateProbe,
} from '../src/sim/index.ts';
import type { Grid2d } from '../src/sim/index.ts';
import { simulateInMemory } from '../src/sim/index.ts';
import { gpuOrSkip } from './helpers/gpu.ts';

const ZP = { diameterM: 400e-6, outerZoneM: 200e-9, centralStopDiameterM: 0, defocusM: 2.7e-3 };

describe('random numbers', () => {
  it('Poisson draws have the right mean and variance, small and large λ', () => {
    const rng = new Rng(7);
    for (const lambda of [0.02, 0.7, 4, 35, 900]) {
      const n = 40000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const k = rng.poisson(lambda);
        s += k;
        s2 += k * k;
      }
      const mean = s / n;
      const variance = s2 / n - mean * mean;
      const se = Math.sqrt(lambda / n);
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * se + 1e-9);
      expect(variance / lambda).toBeGreaterThan(0.95);
      expect(variance / lambda).toBeLessThan(1.05);
    }
  });

  it('streams are reproducible and independent of each other', () => {
    const a = Rng.stream(1, 'poisson', 3, 0);
    const b = Rng.stream(1, 'poisson', 3, 0);
    const c = Rng.stream(1, 'poisson', 4, 0);
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xa);
  });
});

describe('zone-plate probe', () => {
  it('focus FWHM matches the zone-plate (Airy) prediction 1.029·Δr within 20 %', () => {
    const e = 8350;
    const predicted = airyFocusFwhmM(ZP, e);
    expect(predicted).toBeCloseTo(1.029 * ZP.outerZoneM, 12); // λf/D = Δr
    const focus = zonePlateProbe(ZP, { energyEv: e, n: 256, pixelM: 15e-9, defocusM: 0 });
    const fwhm = probeFwhmM(focus, 15e-9);
    expect(Math.abs(fwhm / predicted - 1)).toBeLessThan(0.2);
  });

  it('defocused spot is ~2 µm, ring-shaped with a central stop, and normalised', () => {
    const e = 8350;
    expect(zonePlateFocalLengthM(ZP, e)).toBeCloseTo((400e-6 * 200e-9) / wavelengthM(e), 10);
    const zp = { ...ZP, centralStopDiameterM: 160e-6 };
    const pixel = 40e-9;
    const p = zonePlateProbe(zp, { energyEv: e, n: 256, pixelM: pixel, totalIntensity: 3 });
    let sum = 0;
    for (const v of p.data) sum += v * v;
    expect(sum).toBeCloseTo(3, 4);
    const geo = geometricSpotDiameterM(zp, e);
    expect(geo).toBeGreaterThan(1.8e-6);
    expect(geo).toBeLessThan(2.2e-6);
    expect(Math.abs(probeDiameterM(p, pixel) / geo - 1)).toBeLessThan(0.2);
    // Not a Gaussian blob: the intensity peaks on a ring, well away from the centre.
    const n = 256;
    const radial = new Float64Array(n / 2);
    const counts = new Float64Array(n / 2);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) {
        const rr = Math.round(Math.hypot(r - n / 2, c - n / 2));
        if (rr >= n / 2) continue;
        const i = r * n + c;
        radial[rr] += p.data[2 * i] ** 2 + p.data[2 * i + 1] ** 2;
        counts[rr]++;
      }
    const prof = radial.map((v, i) => v / counts[i]);
    const peak = prof.indexOf(Math.max(...prof.slice(3)));
    expect(peak * pixel).toBeGreaterThan(0.3 * (geo / 2));
    expect(prof[peak]).toBeGreaterThan(2 * Math.min(...prof.slice(3, peak)));
  });
});

describe('optical constants across the Ni K-edge', () => {
  it('FFT Hilbert transform matches the analytic transform of a Lorentzian', () => {
    const g = Float64Array.from({ length: 4001 }, (_, i) => 1 / (1 + ((i - 2000) * 0.05) ** 2));
    const h = hilbertFft(g, 4);
    for (const i of [1900, 1980, 2020, 2100, 2600]) {
      const x = (i - 2000) * 0.05;
      expect(h[i]).toBeCloseTo(x / (1 + x * x), 3);
    }
  });

  it('Kramers–Kronig of a confined edge matches direct principal-value quadrature', () => {
    // Δf2: a smooth edge with a white line, tapered to zero at both ends of the grid.
    const e0 = 7900;
    const step = 0.25;
    const n = 4401;
    const taper = (e: number) => Math.min(1, Math.max(0, (e - 8000) / 100)) * Math.min(1, Math.max(0, (8900 - e) / 100));
    const d2 = Float64Array.from({ length: n }, (_, i) => {
      const e = e0 + i * step;
      return taper(e) * (3 / (1 + Math.exp(-(e - 8345) / 2)) + 2 * Math.exp(-(((e - 8350) / 3) ** 2)) - 3 * (e > 8333 ? 1 : 0));
    });
    const d1 = kramersKronigDelta(d2, e0, step);
    // Maclaurin: principal value on the odd/even sub-lattice (skips the pole).
    for (const e of [8270, 8333.5, 8345.5, 8400.5]) {
      const i = Math.round((e - e0) / step);
      let s = 0;
      for (let j = (i + 1) % 2; j < n; j += 2) {
        const ep = e0 + j * step;
        s += (ep * d2[j]) / (e * e - ep * ep);
      }
      const direct = ((2 / Math.PI) * 2 * step * s);
      expect(Math.abs(d1[i] - direct)).toBeLessThan(0.02);
    }
  });

  it('δ from KK dips at the edge while β steps up by the tabulated Ni jump', () => {
    const energies = Array.from({ length: 161 }, (_, i) => 8260 + i);
    for (const v of [2, 3]) {
      const d = energies.map((e) => refractiveIndex(e, v).delta);
      const b = energies.map((e) => refractiveIndex(e, v).beta);
      const iMin = d.indexOf(Math.min(...d));
      expect(energies[iMin]).toBeGreaterThan(8335);
      expect(energies[iMin]).toBeLessThan(8356);
      expect(d[iMin]).toBeLessThan(0.95 * d[energies.indexOf(8270)]);
      expect(d[iMin]).toBeLessThan(0.95 * d[energies.indexOf(8420)]);
      // Far from the edge, β and δ agree with the tabulated (isolated-atom) values.
      for (const e of [8270, 8420]) {
        const tab = tabulatedIndex(NMC811, e);
        const i = energies.indexOf(e);
        expect(Math.abs(b[i] / tab.beta - 1)).toBeLessThan(0.1);
        expect(Math.abs(d[i] / tab.delta - 1)).toBeLessThan(0.02);
      }
      // Edge jump of β from pre- to post-edge: ≈ 3× (Ni is 0.8 of the formula unit).
      expect(b[energies.indexOf(8420)] / b[energies.indexOf(8270)]).toBeGreaterThan(2.5);
    }
  });

  it('the half-white-line edge of m(E, v) moves linearly with v at the NiO→LiNiO2 rate', () => {
    const m = edgeModel();
    expect(m.shiftPerValenceEv).toBeGreaterThan(1.5);
    expect(m.shiftPerValenceEv).toBeLessThan(2.5);
    const e = Float64Array.from({ length: 1200 }, (_, i) => 8300 + 0.1 * i);
    let last = -Infinity;
    for (const v of [2, 2.2, 2.5, 2.8, 3, 3.3, 3.5]) {
      const edge = findEdgeFeatures({ energyEv: e, mu: m.normalisedMu(e, v) }).halfWhiteLineEv;
      expect(edge).toBeGreaterThan(last);
      last = edge;
      const vEst = 2 + (edge - m.edgeNi2Ev) / m.shiftPerValenceEv;
      expect(Math.abs(vEst - v)).toBeLessThan(0.03);
    }
  });

  it('attenuationSpectra gives −ln|O| = k·β·t of the object transmission', () => {
    const state = realArray([1, 3], Float32Array.from([2.3, 3.0, 2.6]));
    const t = realArray([1, 3], Float32Array.from([1e-6, 2e-6, 0]));
    const att = attenuationSpectra(state, t, [8270, 8350]);
    expect(att.shape).toEqual([2, 1, 3]);
    for (const [ie, e] of [8270, 8350].entries()) {
      for (let p = 0; p < 3; p++) {
        const { delta, beta } = refractiveIndex(e, state.data[p]);
        const o = objectTransmission(Float32Array.of(delta * t.data[p]), Float32Array.of(beta * t.data[p]), e, [1, 1]);
        expect(att.data[ie * 3 + p]).toBeCloseTo(-Math.log(Math.hypot(o.data[0], o.data[1])), 6);
      }
    }
    expect(att.data[3 + 1]).toBeGreaterThan(2 * att.data[1]); // above the edge vs below
  });
});

describe('detector', () => {
  it('mean counts match the set flux within 2 % (empty beam)', async () => {
    const config = presetConfig('2d-small');
    config.energiesEv = [8300];
    const plan = planExperiment(config);
    const n = config.detector.crop;
    const probe = planProbe(plan, 0);
    const grid: Grid2d = { nx: 2 * n, ny: 2 * n, pixelM: plan.grids[0].pixelM, originM: [-n * plan.grids[0].pixelM, -n * plan.grids[0].pixelM] };
    const object = complexArray([2 * n, 2 * n]);
    for (let i = 0; i < object.data.length; i += 2) object.data[i] = 1;
    const positionsM = Float64Array.from({ length: 40 }, (_, i) => ((i % 7) - 3) * 0.13e-6);
    const allValid = new Uint8Array(n * n).fill(1);
    const job = { object, grid, bank: new ProbeBank(probe), positionsM, flightOffsetsM: [0], mask: allValid, saturationCounts: 1e9, rng: new Rng(3) };
    const photons = config.beam.fluxPhotonsPerS * config.beam.exposureS;
    let expected = 0;
    for await (const b of scanFrames({ ...job, noiseFree: true })) expected += b.total;
    expect(expected / 20 / photons).toBeCloseTo(1, 4); // Parseval: |FFT|² sums to the photons
    let counted = 0;
    for await (const b of scanFrames(job)) counted += b.total;
    expect(Math.abs(counted / 20 / photons - 1)).toBeLessThan(0.02);
    // Real mask: gaps and dead pixels read 0 and are excluded; saturation clips.
    const mask = detectorMask(config.detector, 1);
    const bad = mask.reduce((s, m) => s + (m ? 0 : 1), 0);
    expect(bad).toBeGreaterThan(2 * n); // two chip-boundary lines cross the 64² crop
    const sat = 400;
    for await (const b of scanFrames({ ...job, mask, saturationCounts: sat })) {
      for (let i = 0; i < b.frames.length; i++) {
        if (!mask[i % (n * n)]) expect(b.frames[i]).toBe(0);
        expect(b.frames[i]).toBeLessThanOrEqual(sat);
      }
      expect(b.saturated).toBeGreaterThan(0);
    }
  });

  it('flight-scan blur is the incoherent mean over sub-positions', async () => {
    const n = 64;
    const pixel = 155e-9;
    const probe = zonePlateProbe({ ...ZP, centralStopDiameterM: 120e-6 }, { energyEv: 8350, n, pixelM: pixel, totalIntensity: 1e5 / (n * n) });
    const grid: Grid2d = { nx: 128, ny: 128, pixelM: pixel, originM: [-64 * pixel, -64 * pixel] };
    const object = complexArray([128, 128]);
    const r = new Rng(5);
    for (let i = 0; i < object.data.length; i += 2) {
      const ph = r.range(-1, 1);
      object.data[i] = Math.cos(ph);
      object.data[i + 1] = Math.sin(ph);
    }
    const mask = new Uint8Array(n * n).fill(1);
    const bank = new ProbeBank(probe);
    const scan = { stepM: [0.4e-6, 0.4e-6] as [number, number], grid: [1, 1] as [number, number], flight: { subSteps: 4 } };
    const offs = flightOffsetsM(scan);
    expect(offs).toHaveLength(4);
    const base = { object, grid, bank, mask, saturationCounts: 1e9, rng: new Rng(1), noiseFree: true };
    const blurred = (await scanFrames({ ...base, positionsM: Float64Array.of(0, 0), flightOffsetsM: offs }).next()).value!.frames as Float32Array;
    const mean = new Float32Array(n * n);
    for (const o of offs) {
      const f = (await scanFrames({ ...base, positionsM: Float64Array.of(o, 0), flightOffsetsM: [0] }).next()).value!.frames as Float32Array;
      for (let i = 0; i < mean.length; i++) mean[i] += f[i] / offs.length;
    }
    let err = 0;
    let ref = 0;
    for (let i = 0; i < mean.length; i++) {
      err = Math.max(err, Math.abs(blurred[i] - mean[i]));
      ref = Math.max(ref, mean[i]);
    }
    expect(err / ref).toBeLessThan(1e-4);
  });
});

describe('far field on the GPU', () => {
  it('GPU FFT frames match the CPU frames (noise-free)', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const c = presetConfig('2d-small');
    c.energiesEv = [8345];
    c.scan.grid = [2, 2];
    const cpu = await simulateInMemory(c, { noiseFree: true, backend: 'cpu' });
    const gpu = await simulateInMemory(c, { noiseFree: true, backend: 'gpu', ctx });
    const a = await cpu.entries[0].source.readFrames(0, 4);
    const b = await gpu.entries[0].source.readFrames(0, 4);
    let err = 0;
    let ref = 0;
    for (let i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs(a[i] - b[i]));
      ref = Math.max(ref, a[i]);
    }
    expect(err / ref).toBeLessThan(1e-4);
  });
});
