import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import {
  calibrate,
  calibrationFromPoints,
  defaultCalibration,
  loadCalibration,
  measureReferenceEdges,
  oxidationState,
  parseCalibration,
} from '../src/xanes/calibration.ts';
import { fitXanes } from '../src/xanes/fit.ts';
import { PAPER_2D_ENERGIES_EV, PAPER_3D_ENERGIES_EV } from '../src/xanes/grid.ts';
import { loadReferenceSpectra } from '../src/xanes/references.ts';
import { XanesStatus } from '../src/xanes/status.ts';
import { gaussianRng, referenceMu, stackOf } from './xanes-synth.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ptyxanes-cal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('default calibration from the shipped real spectra', () => {
  const refs = loadReferenceSpectra();

  for (const [name, energies] of [['2D', PAPER_2D_ENERGIES_EV], ['3D', PAPER_3D_ENERGIES_EV]] as const) {
    it(`(${name} grid) orders NiO < LiNiO2 and maps each back to its own state within 0.15`, () => {
      const cal = defaultCalibration({ energiesEv: energies });
      expect(cal.valencePerEv).toBeGreaterThan(0.2);
      expect(cal.valencePerEv).toBeLessThan(1);
      const pts = measureReferenceEdges([refs.nio, refs.pyxasNiO, refs.liNiO2, refs.laNiO3], { energiesEv: energies });
      const [nio, pyNio, li, la] = pts;
      for (const p of pts) expect(p.status).toBe(XanesStatus.OK);
      expect(li.edgeEv).toBeGreaterThan(nio.edgeEv + 1);
      expect(Math.abs(oxidationState(cal, nio.edgeEv) - 2)).toBeLessThan(0.15);
      expect(Math.abs(oxidationState(cal, pyNio.edgeEv) - 2)).toBeLessThan(0.15);
      expect(Math.abs(oxidationState(cal, li.edgeEv) - 3)).toBeLessThan(0.15);
      // LaNiO3 (Ni3+, the other source) is not in the line: an independent check of the scale.
      expect(Math.abs(oxidationState(cal, la.edgeEv) - 3)).toBeLessThan(0.15);
      expect(cal.energiesEv).toEqual(Array.from(energies));
    });
  }

  // 0.5 % noise per point (σ = 0.003 on a 0.6 edge step); observed scatter ≈ 0.03 valence.
  it('maps noisy real NiO and LiNiO2 (resampled onto the paper grid, scaled like raw attenuation) to 2+ and 3+', async () => {
    const rng = gaussianRng(21);
    const spectra = [...Array(6)].flatMap((_, k) => [referenceMu('nio', 0, PAPER_2D_ENERGIES_EV, 0.5 + 0.1 * k), referenceMu('liNiO2', 0, PAPER_2D_ENERGIES_EV, 0.5 + 0.1 * k)]).map((s) => s.map((v) => v + 0.003 * rng()));
    const r = await fitXanes(stackOf(spectra), PAPER_2D_ENERGIES_EV, { backend: 'cpu', minEdgeStep: 0 });
    const mean = [0, 0];
    for (let i = 0; i < spectra.length; i++) {
      expect(r.status[i]).toBe(XanesStatus.OK);
      expect(Math.abs(r.oxidationState[i] - (i % 2 ? 3 : 2))).toBeLessThan(0.25);
      mean[i % 2] += r.oxidationState[i] / 6;
      expect(r.oxidationStateStd[i]).toBeCloseTo(r.edgeEnergyStdEv[i] * r.calibration.valencePerEv, 5);
    }
    expect(Math.abs(mean[0] - 2)).toBeLessThan(0.1);
    expect(Math.abs(mean[1] - 3)).toBeLessThan(0.1);
  });

  it('Ni metal: left out by default, consistent when opted in on the 2D grid, not measurable on the 3D grid', () => {
    const cal2d = defaultCalibration();
    expect(cal2d.points.map((p) => p.id)).toEqual(['nio', 'pyxasNiO', 'liNiO2']);
    const [foil] = measureReferenceEdges([refs.niFoil]);
    expect(foil.status).toBe(XanesStatus.OK);
    // The foil's half maximum lands well below the oxides on the oxide line ...
    expect(oxidationState(cal2d, foil.edgeEv)).toBeLessThan(0.6);
    // ... and its edge is 2-3× less certain than the oxides'.
    expect(foil.edgeStdEv!).toBeGreaterThan(2 * cal2d.points[0].edgeStdEv!);
    const withMetal = defaultCalibration({ includeMetal: true });
    expect(withMetal.points.map((p) => p.id)).toContain('niFoil');
    for (const p of cal2d.points) expect(Math.abs(oxidationState(withMetal, p.edgeEv) - p.oxidationState)).toBeLessThan(0.15);
    // On the 3D grid (dense points from 8341 eV) the foil's half maximum is outside the window.
    const [foil3d] = measureReferenceEdges([refs.niFoil], { energiesEv: PAPER_3D_ENERGIES_EV });
    expect(foil3d.status).toBe(XanesStatus.EDGE_NOT_FOUND);
    expect(() => defaultCalibration({ energiesEv: PAPER_3D_ENERGIES_EV, includeMetal: true })).toThrow(/niFoil.*edge not found/);
  });

  it('edge energies depend on structure too: NiFe2O4 (2+, spinel) reads above NiO', () => {
    const cal = defaultCalibration();
    const [nio, fe] = measureReferenceEdges([refs.nio, refs.niFe2O4]);
    expect(fe.edgeEv).toBeGreaterThan(nio.edgeEv);
    expect(oxidationState(cal, fe.edgeEv)).toBeLessThan(2.6);
  });
});

describe('user calibrations', () => {
  it('fits a least-squares line through points', () => {
    const cal = calibrationFromPoints([
      { id: 'a', oxidationState: 2, edgeEv: 8344 },
      { id: 'b', oxidationState: 3, edgeEv: 8346 },
      { id: 'c', oxidationState: 4, edgeEv: 8348 },
    ]);
    expect(cal.valencePerEv).toBeCloseTo(0.5, 12);
    expect(oxidationState(cal, 8347)).toBeCloseTo(3.5, 12);
    expect(cal.rmsResidual).toBeCloseTo(0, 12);
  });

  it('accepts spectra and known edge points together', () => {
    const refs = loadReferenceSpectra();
    const cal = calibrate([refs.nio, { id: 'x', oxidationState: 3, edgeEv: 8346.6 }]);
    expect(cal.points).toHaveLength(2);
    expect(cal.points[0].status).toBe(XanesStatus.OK);
  });

  it('loads a line or points from JSON, and names the file and field when wrong', async () => {
    const line = join(tmp, 'line.json');
    writeFileSync(line, JSON.stringify({ valencePerEv: 0.45, anchorEv: 8344.3, anchorState: 2 }));
    const a = await loadCalibration(line);
    expect(oxidationState(a, 8346.5)).toBeCloseTo(2.99, 10);
    const pts = join(tmp, 'points.json');
    writeFileSync(pts, JSON.stringify({ points: [{ id: 'NiO', oxidationState: 2, edgeEv: 8344 }, { id: 'LNO', oxidationState: 3, edgeEv: 8346 }] }));
    expect((await loadCalibration(pts)).valencePerEv).toBeCloseTo(0.5, 12);
    // Round trip of a full calibration object.
    const full = join(tmp, 'full.json');
    writeFileSync(full, JSON.stringify(defaultCalibration()));
    expect((await loadCalibration(full)).valencePerEv).toBeCloseTo(defaultCalibration().valencePerEv, 12);

    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ valencePerEv: 'x', anchorEv: 8344, anchorState: 2 }));
    await expect(loadCalibration(bad)).rejects.toThrow(/bad\.json: valencePerEv/);
    writeFileSync(bad, '{ not json');
    await expect(loadCalibration(bad)).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(loadCalibration(join(tmp, 'missing.json'))).rejects.toThrow(/missing\.json/);
    expect(() => parseCalibration({ points: [{ oxidationState: 2, edgeEv: 8344 }] }, 'one.json')).toThrow(PtyxanesError);
    expect(() => parseCalibration({ valencePerEv: -1, anchorEv: 8344, anchorState: 2 }, 'neg.json')).toThrow(/neg\.json: valencePerEv/);
  });

  it('fitXanes applies a user calibration', async () => {
    const cal = parseCalibration({ valencePerEv: 1, anchorEv: 8000, anchorState: 0 });
    const r = await fitXanes(stackOf([referenceMu('nio')]), PAPER_2D_ENERGIES_EV, { backend: 'cpu', calibration: cal, minEdgeStep: 0 });
    expect(r.oxidationState[0]).toBeCloseTo(r.edgeEnergyEv[0] - 8000, 2);
  });
});
