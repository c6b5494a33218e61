/**
 * The 3D XANES stage in z slabs (src/pipeline/xanes-slabs.ts) against the in-memory chain
 * (smoothVolumes → denoiseSpectra → fitXanes → writeXanesOutputs) on a synthetic volume
 * stack: the same maps to float tolerance, the same mask, template and threshold, while the
 * slabs are a few planes each. Plus the exact streaming percentile it relies on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTiff, writeTiff } from '../src/io/tiff.ts';
import { smoothVolumes } from '../src/pipeline/smooth.ts';
import { denoiseSpectra } from '../src/pipeline/spectral-denoise.ts';
import { StreamQuantile } from '../src/pipeline/stream-quantile.ts';
import { fitVolumesInSlabs, planXanesSlabs } from '../src/pipeline/xanes-slabs.ts';
import { fitXanes, XanesSummaryAccumulator } from '../src/xanes/fit.ts';
import { PAPER_3D_ENERGIES_EV } from '../src/xanes/grid.ts';
import { writeXanesOutputs, XANES_MAP_FILES } from '../src/xanes/outputs.ts';
import { analyticMu, gaussianRng } from './xanes-synth.ts';

const E = [...PAPER_3D_ENERGIES_EV];
const [NZ, NY, NX] = [11, 13, 12];
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** [energy, z, y, x]: two crystals with different edges (one with an edge gradient) in a weak, noisy surround. */
function syntheticStack(): Float32Array {
  const rng = gaussianRng(5);
  const vox = NZ * NY * NX;
  const d = new Float32Array(E.length * vox);
  for (let z = 0; z < NZ; z++) {
    for (let y = 0; y < NY; y++) {
      for (let x = 0; x < NX; x++) {
        const v = (z * NY + y) * NX + x;
        const inA = (z - 4) ** 2 + (y - 5) ** 2 + (x - 4) ** 2 < 3.2 ** 2;
        const inB = (z - 7) ** 2 + (y - 8) ** 2 + (x - 8) ** 2 < 2.8 ** 2;
        const [e0, scale, offset, noise] = inA ? [8342 + 0.3 * x, 0.8, 0.4, 0.03] : inB ? [8346, 0.6, 0.3, 0.03] : [8344, 0.02, 0.01, 0.01];
        E.forEach((e, k) => (d[k * vox + v] = analyticMu(e, e0, scale, offset) + noise * rng()));
      }
    }
  }
  return d;
}

describe('XANES of a volume stack in z slabs', () => {
  it('StreamQuantile: the exact sorted-order value, in any chunking, with negatives, zeros and NaN', () => {
    const rng = gaussianRng(9);
    const v = Float32Array.from({ length: 5000 }, (_, i) => (i % 97 === 0 ? NaN : i % 53 === 0 ? -0 : i % 41 === 0 ? 0 : rng() * (i % 3 ? 1 : 1e-3)));
    const sorted = Float32Array.from(v).sort();
    for (const q of [0, 0.01, 0.5, 0.99, 1]) {
      const rank = (n: number) => Math.floor(q * (n - 1));
      const s = new StreamQuantile(rank);
      for (let i = 0; i < v.length; i += 777) s.count(v.subarray(i, i + 777));
      for (let i = 0; i < v.length; i += 1000) s.collect(v.subarray(i, i + 1000));
      expect(Object.is(s.value(), sorted[rank(v.length)])).toBe(true);
    }
  });

  it('the fit summary of a volume above 10⁶ voxels (strided quantiles) is the same added in uneven chunks', () => {
    const n = 2_500_003;
    const rng = gaussianRng(3);
    const status = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 2 : 0));
    const edge = Float32Array.from({ length: n }, () => 8345 + rng());
    const edgeStd = Float32Array.from({ length: n }, () => Math.abs(0.2 * rng()));
    const ox = Float32Array.from(edge, (e, i) => (status[i] ? NaN : 2 + (e - 8340) / 4));
    const oxStd = Float32Array.from(edgeStd, (e, i) => (status[i] ? NaN : e / 4));
    const whole = new XanesSummaryAccumulator(n);
    whole.add({ status, edgeEnergyEv: edge, edgeEnergyStdEv: edgeStd }, ox, oxStd);
    const chunked = new XanesSummaryAccumulator(n);
    for (const [a, b] of [[0, 1], [1, 777_777], [777_777, 1_500_000], [1_500_000, n]]) {
      chunked.add({ status: status.subarray(a, b), edgeEnergyEv: edge.subarray(a, b), edgeEnergyStdEv: edgeStd.subarray(a, b) }, ox.subarray(a, b), oxStd.subarray(a, b));
    }
    const [w, c] = [whole.finish(1), chunked.finish(1)];
    expect(c).toEqual(w);
    expect(w.nFitted).toBe(n - Math.ceil(n / 7));
  });

  it('sizes slabs from the memory budget: the paper’s 25 × 418³ stack (6.8 GiB) in 1 GiB slabs that cover the volume', () => {
    const p = planXanesSlabs(25, [418, 418, 418], 0.9);
    expect(p.halo).toBe(3);
    expect(p.slabBytes).toBeLessThanOrEqual(1024 * 2 ** 20);
    expect(p.planes * p.slabs).toBeGreaterThanOrEqual(418);
    expect((p.planes * (p.slabs - 1))).toBeLessThan(418);
    expect(planXanesSlabs(25, [418, 418, 418], 0.9, 2048).planes).toBeGreaterThan(2 * p.planes);
    // However small the budget, a slab is at least one plane.
    expect(planXanesSlabs(25, [418, 418, 418], 0.9, 1).planes).toBe(1);
    expect(planXanesSlabs(25, [418, 418, 418], 0).halo).toBe(0);
  });

  it('gives the in-memory chain’s maps, mask, template and summary, four slabs of three planes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ptyxanes-slabs-'));
    dirs.push(dir);
    const data = syntheticStack();
    const vox = NZ * NY * NX;
    const paths: string[] = [];
    for (const [k, e] of E.entries()) {
      paths.push(join(dir, `E${e}.tif`));
      await writeTiff(paths[k], { data: data.slice(k * vox, (k + 1) * vox), shape: [NZ, NY, NX] });
    }
    const sigma = 0.9;
    const budgetMb = 0.165;
    const plan = planXanesSlabs(E.length, [NZ, NY, NX], sigma, budgetMb);
    expect(plan).toMatchObject({ planes: 3, halo: 3, slabs: 4 });

    const smoothed = smoothVolumes({ data, shape: [E.length, NZ, NY, NX] }, sigma);
    const whole = await fitXanes(denoiseSpectra(smoothed, 4, undefined, true), E, { backend: 'cpu' });
    await writeXanesOutputs(whole, join(dir, 'whole'), { pixelSizeM: 40e-9 });
    const slabs = await fitVolumesInSlabs(paths, E, join(dir, 'slabs'), { backend: 'cpu', smoothSigmaVoxels: sigma, spectralComponents: 4, memoryBudgetMb: budgetMb, pixelSizeM: 40e-9 });

    expect(whole.summary.nFitted).toBeGreaterThan(100);
    expect(slabs.edgeModel).toBe('shared');
    expect(slabs.minEdgeStep).toBeCloseTo(whole.minEdgeStep, 5);
    expect(slabs.template!.pixels).toBe(whole.template!.pixels);
    expect(slabs.template!.edgeEv).toBeCloseTo(whole.template!.edgeEv, 4);
    expect(slabs.calibration.valencePerEv).toBeCloseTo(whole.calibration.valencePerEv, 6);
    expect(slabs.summary.statusCounts).toEqual(whole.summary.statusCounts);
    expect(slabs.summary.oxidationMedian).toBeCloseTo(whole.summary.oxidationMedian, 4);
    expect(Array.from(slabs.status)).toEqual(Array.from(whole.status));
    for (const [name, field] of XANES_MAP_FILES) {
      const a = (await readTiff(join(dir, 'whole', name))).data;
      const b = (await readTiff(join(dir, 'slabs', name))).data;
      expect(b.length).toBe(vox);
      let worst = 0;
      for (let i = 0; i < vox; i++) {
        expect(Number.isNaN(b[i])).toBe(Number.isNaN(a[i]));
        if (!Number.isNaN(a[i])) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
      }
      // The covariance is merged slab by slab: rounding, not a different answer.
      expect(worst, `${name} (${field})`).toBeLessThan(field === 'edgeEnergyStdEv' || field === 'oxidationStateStd' ? 1e-3 : 1e-4);
    }
    const ox = Float32Array.from(whole.oxidationState);
    for (let i = 0; i < vox; i++) if (!Number.isNaN(ox[i])) expect(Math.abs(slabs.oxidationState[i] - ox[i])).toBeLessThan(1e-3);
  });
});
