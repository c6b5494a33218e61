import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import { findEdgeFeatures } from '../src/xanes/dense-spectrum.ts';
import {
  interpolateSpectrum,
  loadReferenceSet,
  loadReferenceSpectra,
  parseSpectrumText,
  referenceFileUrl,
  readSpectrumFile,
  NI_FOIL_EDGE_EV,
} from '../src/xanes/references.ts';

describe('reference spectra: parsing', () => {
  it('reads XDI columns, skipping the header', () => {
    const path = fileURLToPath(referenceFileUrl('ceric_NiO_111.xdi'));
    const mu = readSpectrumFile(path);
    const ref = readSpectrumFile(path, { column: 2 });
    expect(mu.energyEv.length).toBe(585);
    expect(mu.energyEv[0]).toBeCloseTo(8183.1431, 4);
    expect(mu.mu[0]).toBeCloseTo(-0.023658975, 8);
    expect(ref.mu[0]).toBeCloseTo(0.25840309, 8);
  });

  it('detects keV, honours a declared unit, sorts and averages duplicate energies', () => {
    const kev = parseSpectrumText('8.3 0.1\n8.2 0.0\n8.4 1.0\n8.4 1.2\n', 't.txt');
    expect(Array.from(kev.energyEv)).toEqual([8200, 8300, 8400]);
    expect(kev.mu[2]).toBeCloseTo(1.1, 12);
    const ev = parseSpectrumText('# E mu\n8200, 0\n8300, 1\n', 'c.csv', { energyUnit: 'eV' });
    expect(Array.from(ev.energyEv)).toEqual([8200, 8300]);
    const declared = parseSpectrumText('8.2 0\n8.3 1\n', 'k.txt', { energyUnit: 'keV' });
    expect(declared.energyEv[1]).toBe(8300);
  });

  it('names the file and what was wrong for bad input', () => {
    expect(() => parseSpectrumText('# only header\n', 'empty.xdi')).toThrow(/empty\.xdi.*no numeric data rows/);
    expect(() => parseSpectrumText('8200 1\n8300 2\n', 'two.txt', { column: 2 })).toThrow(PtyxanesError);
    expect(() => parseSpectrumText('8200 1\n8300 2\n', 'two.txt', { column: 2 })).toThrow(/two\.txt: column 2/);
    expect(() => readSpectrumFile('/nonexistent/ref.xdi')).toThrow(/nonexistent\/ref\.xdi/);
  });

  it('interpolates linearly and gives NaN outside the measured range', () => {
    const s = { energyEv: Float64Array.from([1, 2, 4]), mu: Float64Array.from([0, 1, 3]) };
    expect(Array.from(interpolateSpectrum(s, [0, 1.5, 3, 4, 5]))).toEqual([NaN, 0.5, 2, 3, NaN]);
  });
});

describe('reference spectra: one energy scale, normalised', () => {
  const set = loadReferenceSet();
  const refs = loadReferenceSpectra();

  it('ships the contract keys with states, sources and licences', () => {
    for (const [id, state] of [['niFoil', 0], ['nio', 2], ['liNiO2', 3]] as const) {
      expect(refs[id].oxidationState).toBe(state);
      expect(refs[id].source.length).toBeGreaterThan(10);
    }
    expect(refs.nio.source).toMatch(/CC BY 4\.0/);
    expect(refs.liNiO2.source).toMatch(/BSD/);
    const readme = readFileSync(fileURLToPath(referenceFileUrl('README.md')), 'utf8');
    expect(readme).toMatch(/CC BY 4\.0/);
    expect(readme).toMatch(/10\.5281\/zenodo\.10778098/);
    expect(readme).toMatch(/Redistribution and use in source and binary forms/);
  });

  it('shipped files are unchanged copies of the shared ones', () => {
    const shared = fileURLToPath(new URL('../../shared/reference-spectra/', import.meta.url));
    if (!existsSync(shared)) return; // only checkable inside the team workspace
    for (const f of ['ceric_NiO_111.xdi', 'ceric_Ni_foil_111.xdi', 'pyxas_ref_LiNiO2.txt', 'pyxas_ref_NiO.txt']) {
      expect(readFileSync(referenceFileUrl(f), 'utf8')).toBe(readFileSync(shared + f, 'utf8'));
    }
  });

  it('orients every spectrum rising and normalises pre-edge to 0, post-edge to ~1', () => {
    for (const s of Object.values(refs)) {
      const pre = interpolateSpectrum(s, [8250, 8280, 8300]);
      const post = interpolateSpectrum(s, [8420, 8450, 8480]);
      for (const v of pre) expect(Math.abs(v)).toBeLessThan(0.03);
      for (const v of post) expect(v).toBeGreaterThan(0.75);
      for (const v of post) expect(v).toBeLessThan(1.3);
    }
  });

  it('puts the Ni foil edge (first dμ/dE maximum) at 8333.0 eV', () => {
    expect(findEdgeFeatures(refs.niFoil, 8320, 8345).derivMaxEv).toBeCloseTo(NI_FOIL_EDGE_EV, 2);
    // Each LISA scan moved by its own foil: shifts are sub-eV monochromator drifts.
    for (const v of Object.values(set.lisaShiftsEv)) expect(Math.abs(v)).toBeLessThan(1.5);
  });

  it('aligns the pyxas pair onto LISA NiO (pyxas ≈ 2 eV below, as the shared README notes)', () => {
    expect(set.pyxasShiftEv).toBeGreaterThan(1.5);
    expect(set.pyxasShiftEv).toBeLessThan(3);
    const a = findEdgeFeatures(refs.nio).halfWhiteLineEv;
    const b = findEdgeFeatures(refs.pyxasNiO).halfWhiteLineEv;
    expect(Math.abs(a - b)).toBeLessThan(0.01);
    // Independent check of the common scale: the two Ni3+ references from different sources agree.
    const la = findEdgeFeatures(refs.laNiO3).halfWhiteLineEv;
    const li = findEdgeFeatures(refs.liNiO2).halfWhiteLineEv;
    expect(Math.abs(la - li)).toBeLessThan(0.3);
    // And the order of edges follows valence: NiO < LiNiO2, by ~2 eV.
    expect(li - a).toBeGreaterThan(1.5);
    expect(li - a).toBeLessThan(3);
  });
});
