import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTiff } from '../src/io/tiff.ts';
import { fitXanes } from '../src/xanes/fit.ts';
import { PAPER_2D_ENERGIES_EV } from '../src/xanes/grid.ts';
import { histogram, histogramCsv } from '../src/xanes/histogram.ts';
import { writeXanesOutputs } from '../src/xanes/outputs.ts';
import { XanesStatus } from '../src/xanes/status.ts';
import { gaussianRng, referenceMu } from './xanes-synth.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ptyxanes-xanes-out-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const E = PAPER_2D_ENERGIES_EV;

describe('oxidation-state histogram', () => {
  it('counts per 0.05 valence bin on bin edges aligned to multiples of 0.05', () => {
    const h = histogram([2.0, 2.01, 2.049, 2.05, 2.96, 3.0, NaN, Infinity]);
    expect(h.binEdges[0]).toBeCloseTo(2.0, 12);
    expect(h.binEdges[1] - h.binEdges[0]).toBeCloseTo(0.05, 12);
    expect(h.counts[0]).toBe(3);
    expect(h.counts[1]).toBe(1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.nValues).toBe(6);
    const r = histogram([1.9, 2.2, 3.4], { range: [2, 3] });
    expect(r.counts).toHaveLength(20);
    expect([r.nBelow, r.nAbove]).toEqual([1, 1]);
    const csv = histogramCsv(h).split('\n');
    expect(csv[0]).toBe('oxidation_state_bin_low,oxidation_state_bin_high,oxidation_state_bin_centre,count');
    expect(csv[1]).toBe('2,2.05,2.025,3');
    expect(() => histogram([1], { binWidth: 0 })).toThrow(/binWidth/);
  });
});

describe('writeXanesOutputs', () => {
  it('writes float32 TIFF maps with NaN outside the mask, status, histogram CSV/PNG, pictures and a summary', async () => {
    const [h, w] = [6, 8];
    const rng = gaussianRng(9);
    const data = new Float32Array(E.length * h * w);
    for (let p = 0; p < h * w; p++) {
      const x = p % w;
      const s = x < 2 ? E.map(() => 0.01 * rng()) : referenceMu(x < 5 ? 'nio' : 'liNiO2', 0, E, 0.6);
      for (let j = 0; j < E.length; j++) data[j * h * w + p] = s[j] + 0.002 * rng();
    }
    const r = await fitXanes({ data, shape: [E.length, h, w] }, E, { backend: 'cpu' });
    expect(r.shape).toEqual([h, w]);
    const files = await writeXanesOutputs(r, tmp, { pixelSizeM: 40e-9 });
    for (const f of ['oxidation_state.tif', 'oxidation_state_std.tif', 'edge_energy_ev.tif', 'edge_energy_std_ev.tif', 'fit_status.tif', 'oxidation_state_histogram.csv', 'oxidation_state_histogram.png', 'oxidation_state.png', 'xanes_summary.json']) {
      expect(files).toContain(join(tmp, f));
      expect(existsSync(join(tmp, f))).toBe(true);
    }
    const ox = await readTiff(join(tmp, 'oxidation_state.tif'));
    const st = await readTiff(join(tmp, 'fit_status.tif'));
    expect(ox.shape).toEqual([h, w]);
    for (let p = 0; p < h * w; p++) {
      const x = p % w;
      if (x < 2) {
        expect(st.data[p]).toBe(XanesStatus.MASKED);
        expect(Number.isNaN(ox.data[p])).toBe(true);
      } else {
        expect(st.data[p]).toBe(XanesStatus.OK);
        expect(Math.abs(ox.data[p] - (x < 5 ? 2 : 3))).toBeLessThan(0.2);
      }
    }
    const png = readFileSync(join(tmp, 'oxidation_state_histogram.png'));
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    const csv = readFileSync(join(tmp, 'oxidation_state_histogram.csv'), 'utf8').trim().split('\n');
    const total = csv.slice(1).reduce((a, l) => a + Number(l.split(',')[3]), 0);
    expect(total).toBe(r.summary.nFitted);
    const summary = JSON.parse(readFileSync(join(tmp, 'xanes_summary.json'), 'utf8'));
    expect(summary.summary.nFitted).toBe(36);
    expect(summary.calibration.kind).toBe('ptyxanes-calibration');
    // The shared-shape template is recorded with absolute centres (eV) near the Ni K-edge.
    expect(summary.edgeModel).toBe('shared');
    expect(summary.template.gaussians).toHaveLength(3);
    expect(Math.abs(summary.template.edgeEv - 8345)).toBeLessThan(10);
    expect(summary.template.gaussians.some((g: { centreEv: number }) => Math.abs(g.centreEv - 8350) < 15)).toBe(true);
  });

  it('writes volumes as multi-page TIFFs and a few PNG slices', async () => {
    const [d, h, w] = [3, 2, 2];
    const n = d * h * w;
    const data = new Float32Array(E.length * n);
    for (let p = 0; p < n; p++) {
      const s = referenceMu(p % 2 ? 'liNiO2' : 'nio');
      for (let j = 0; j < E.length; j++) data[j * n + p] = s[j];
    }
    const r = await fitXanes({ data, shape: [E.length, d, h, w] }, E, { backend: 'cpu' });
    const out = join(tmp, 'vol');
    const files = await writeXanesOutputs(r, out, { maxSlices: 2 });
    const vol = await readTiff(join(out, 'oxidation_state.tif'));
    expect(vol.shape).toEqual([d, h, w]);
    expect(files.filter((f) => f.endsWith('.png') && f.includes('_z'))).toHaveLength(2);
  });
});
