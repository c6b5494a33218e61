/**
 * Measured Ni K-edge reference spectra: parsing (XDI and two-column text), orientation,
 * one energy scale, normalisation. The shipped copies live in `data/reference-spectra/`
 * (see its README for provenance and licences) and are resolved relative to this module,
 * so loading works from the repository and from an installed package alike.
 *
 * One energy scale (all references end up on it):
 * - LISA (ESRF BM08) sample spectra carry a Ni foil measured simultaneously (`murefer`).
 *   The Ni foil file (no reference column) is the master: its edge, the maximum of dμ/dE,
 *   is set to 8333.0 eV. Each scan's own foil is then overlaid on the master foil by least
 *   squares (normalised μ, 8322–8352 eV) and the scan shifted by that amount. The overlay is
 *   used rather than each foil's own derivative maximum because the Ni foil derivative has
 *   two nearly equal peaks ~1 eV apart (8332.5 and 8333.5 eV), so which one wins flips
 *   between scans (0.7 eV jumps); the whole-edge overlay does not.
 * - pyxas spectra (another beamline, already normalised, keV) sit on their own scale. Both
 *   sources measured NiO, so the pyxas pair is shifted by the one offset that puts the pyxas
 *   NiO's half-white-line energy (rising-side energy where normalised μ reaches half of the
 *   white-line maximum, the same quantity the edge fit reports) onto the LISA NiO's. A model-
 *   free crossing on dense data is used instead of a least-squares overlay because the two
 *   beamlines' resolutions give different white-line heights, which bias an overlay.
 */
import { PtyxanesError, check } from '../core/errors.ts';
import { findEdgeFeatures } from './dense-spectrum.ts';

export interface Spectrum {
  energyEv: Float64Array;
  mu: Float64Array;
}

export interface ReferenceSpectrum extends Spectrum {
  id: string;
  compound: string;
  oxidationState: number;
  source: string;
}

export interface ReadSpectrumOptions {
  /** Unit of the energy column; 'auto' (default) takes keV when every energy is below 100. */
  energyUnit?: 'eV' | 'keV' | 'auto';
  /** Zero-based column holding μ (default 1: the column after energy). */
  column?: number;
}

/** Energy of the Ni foil K-edge (first inflection point) by convention. */
export const NI_FOIL_EDGE_EV = 8333.0;

/** Parses XDI (`#` header) or plain whitespace/comma-separated columns; `name` is used in errors. */
export function parseSpectrumText(text: string, name: string, opts: ReadSpectrumOptions = {}): Spectrum {
  const column = opts.column ?? 1;
  const unit = opts.energyUnit ?? 'auto';
  check(Number.isInteger(column) && column >= 1, 'μ column must be an integer ≥ 1 (column 0 is energy)', { file: name, field: 'column', found: String(column) });
  check(unit === 'eV' || unit === 'keV' || unit === 'auto', "energy unit must be 'eV', 'keV' or 'auto'", { file: name, field: 'energyUnit', found: String(unit) });
  const pairs: [number, number][] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#') || line.startsWith('!') || line.startsWith('%')) continue;
    const cols = line.split(/[\s,;]+/);
    const nums = cols.map(Number);
    // A header line of words (no '#') is skipped; a numeric line must have the column asked for.
    if (!Number.isFinite(nums[0])) continue;
    if (cols.length <= column) {
      throw new PtyxanesError(`line ${i + 1} has ${cols.length} columns`, { file: name, field: `column ${column}`, expected: `at least ${column + 1} columns`, found: `${cols.length}` });
    }
    if (!Number.isFinite(nums[column])) continue; // NaN/missing μ values are dropped
    pairs.push([nums[0], nums[column]]);
  }
  check(pairs.length >= 2, 'no numeric data rows', { file: name, expected: 'at least 2 rows of energy and μ', found: `${pairs.length}` });
  pairs.sort((a, b) => a[0] - b[0]);
  // Exact duplicate energies (repeated points in a scan) are averaged.
  const e: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < pairs.length; ) {
    let j = i;
    let sum = 0;
    while (j < pairs.length && pairs[j][0] === pairs[i][0]) sum += pairs[j++][1];
    e.push(pairs[i][0]);
    m.push(sum / (j - i));
    i = j;
  }
  const isKev = unit === 'keV' || (unit === 'auto' && e[e.length - 1] < 100);
  const energyEv = Float64Array.from(e, (x) => (isKev ? x * 1000 : x));
  return { energyEv, mu: Float64Array.from(m) };
}

/** Reads a spectrum file (Node only). */
export function readSpectrumFile(path: string, opts: ReadSpectrumOptions = {}): Spectrum {
  const fs = nodeFs();
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new PtyxanesError(`cannot read spectrum file: ${(e as Error).message}`, { file: path });
  }
  return parseSpectrumText(text, path, opts);
}

/** Linear interpolation of μ onto `energyEv` (sorted source); outside the measured range: NaN. */
export function interpolateSpectrum(s: Spectrum, energyEv: ArrayLike<number>): Float64Array {
  const out = new Float64Array(energyEv.length);
  const x = s.energyEv;
  const y = s.mu;
  const n = x.length;
  let j = 0;
  for (let i = 0; i < energyEv.length; i++) {
    const e = energyEv[i];
    if (!(e >= x[0] && e <= x[n - 1])) {
      out[i] = NaN;
      continue;
    }
    // Energies are usually ascending: walk forward, restart on a step back.
    if (e < x[j]) j = 0;
    while (j < n - 2 && x[j + 1] < e) j++;
    const t = x[j + 1] === x[j] ? 0 : (e - x[j]) / (x[j + 1] - x[j]);
    out[i] = y[j] + t * (y[j + 1] - y[j]);
  }
  return out;
}

/** Sign flipped where needed so that μ rises across the Ni K-edge (post-edge mean > pre-edge mean). */
export function orientRising(s: Spectrum): Spectrum {
  const pre = meanIn(s, 8250, 8320);
  const post = meanIn(s, 8360, 8450);
  if (!Number.isFinite(pre) || !Number.isFinite(post)) {
    throw new PtyxanesError('spectrum does not cover the Ni K-edge', { field: 'energy range', expected: '8250–8450 eV covered', found: `${s.energyEv[0].toFixed(1)}–${s.energyEv[s.energyEv.length - 1].toFixed(1)} eV` });
  }
  return post >= pre ? s : { energyEv: s.energyEv, mu: s.mu.map((v) => -v) };
}

/**
 * Athena-style normalisation of a dense reference spectrum: a pre-edge line over
 * [E0−150, E0−30] eV and a post-edge quadratic over [E0+50, E0+400] eV (clipped to the data),
 * μ_norm = (μ − pre(E)) / (post(E0) − pre(E0)), with E0 the first dμ/dE maximum.
 */
export function normalizeReference(s: Spectrum, e0Ev?: number): Spectrum {
  const e0 = e0Ev ?? findEdgeFeatures(s).derivMaxEv;
  const pre = polyFitIn(s, e0 - 150, e0 - 30, 1);
  const post = polyFitIn(s, e0 + 50, e0 + 400, 2);
  const step = evalPoly(post, e0) - evalPoly(pre, e0);
  check(step > 0, 'edge step is not positive after orientation', { field: 'edge step', found: String(step) });
  const mu = s.mu.map((v, i) => (v - evalPoly(pre, s.energyEv[i])) / step);
  return { energyEv: s.energyEv, mu };
}

/** Energy of the foil edge: first maximum of dμ/dE near the Ni K-edge. */
export function foilEdgeEv(foil: Spectrum): number {
  return findEdgeFeatures(orientRising(foil), 8320, 8345).derivMaxEv;
}

/**
 * Shift δ (eV) such that `s` moved by +δ best overlays `target` (least squares of μ on a
 * 0.1 eV grid over [loEv, hiEv]); grid search in 0.01 eV steps over ±6 eV, parabola refined.
 */
export function overlayShiftEv(s: Spectrum, target: Spectrum, loEv = 8322, hiEv = 8352): number {
  const grid = Array.from({ length: Math.round((hiEv - loEv) / 0.1) + 1 }, (_, i) => loEv + i * 0.1);
  const t = interpolateSpectrum(target, grid);
  const moved = new Float64Array(grid.length);
  const cost = (d: number) => {
    for (let i = 0; i < grid.length; i++) moved[i] = grid[i] - d;
    const f = interpolateSpectrum(s, moved);
    let c = 0;
    for (let i = 0; i < grid.length; i++) c += (f[i] - t[i]) ** 2;
    return c;
  };
  let best = Infinity;
  let bestD = 0;
  for (let k = -600; k <= 600; k++) {
    const c = cost(k / 100);
    if (c < best) [best, bestD] = [c, k / 100];
  }
  const [cm, cp] = [cost(bestD - 0.01), cost(bestD + 0.01)];
  const den = cm - 2 * best + cp;
  check(Number.isFinite(best), 'spectra do not overlap for alignment', { field: 'energy range', expected: `${loEv}–${hiEv} eV covered` });
  return den > 0 ? bestD + (0.01 * (cm - cp)) / (2 * den) : bestD;
}

function shifted(s: Spectrum, deltaEv: number): Spectrum {
  return { energyEv: s.energyEv.map((e) => e + deltaEv), mu: s.mu };
}

interface RefDef {
  key: string;
  file: string;
  compound: string;
  oxidationState: number;
  source: 'lisa' | 'pyxas';
}

/** The shipped references. NiCo2O4 is mixed valence: listed with 2.5 for display only. */
const REFS: RefDef[] = [
  { key: 'niFoil', file: 'ceric_Ni_foil_111.xdi', compound: 'Ni metal foil', oxidationState: 0, source: 'lisa' },
  { key: 'nio', file: 'ceric_NiO_111.xdi', compound: 'NiO', oxidationState: 2, source: 'lisa' },
  { key: 'laNiO3', file: 'ceric_LaNiO3_Ni_80K_111.xdi', compound: 'LaNiO3', oxidationState: 3, source: 'lisa' },
  { key: 'niFe2O4', file: 'ceric_NiFe2O4_Ni_80K_111.xdi', compound: 'NiFe2O4', oxidationState: 2, source: 'lisa' },
  { key: 'niCo2O4', file: 'ceric_NiCo2O4_Ni_80K_111.xdi', compound: 'NiCo2O4 (mixed ~2+/3+)', oxidationState: 2.5, source: 'lisa' },
  { key: 'pyxasNiO', file: 'pyxas_ref_NiO.txt', compound: 'NiO', oxidationState: 2, source: 'pyxas' },
  { key: 'liNiO2', file: 'pyxas_ref_LiNiO2.txt', compound: 'LiNiO2', oxidationState: 3, source: 'pyxas' },
];

const SOURCE_TEXT = {
  lisa: 'ESRF BM08-LISA via the CERIC Reference Spectra Repository (CC BY 4.0, A. Puri, doi:10.5281/zenodo.10778098)',
  pyxas: 'pyxas example data, M. Ge (BSD-3-Clause)',
};

/** The loaded set, with how its scale was fixed (for reports and tests). */
export interface ReferenceSet {
  spectra: Record<string, ReferenceSpectrum>;
  /** Shift (eV) added to each LISA scan's energies so its foil edge is at 8333.0 eV. */
  lisaShiftsEv: Record<string, number>;
  /** Shift (eV) added to the pyxas energies (aligns pyxas NiO onto LISA NiO). */
  pyxasShiftEv: number;
}

let cached: ReferenceSet | null = null;

/** Ni foil (0), NiO (2), LiNiO2 (3) and others on one scale, oriented, normalised. */
export function loadReferenceSpectra(): Record<'niFoil' | 'nio' | 'liNiO2' | string, ReferenceSpectrum> {
  return loadReferenceSet().spectra;
}

/** Text of a shipped reference file, keyed by file name (Node: read through fs). */
export type ReferenceFileReader = (file: string) => string;

export function loadReferenceSet(): ReferenceSet {
  if (!cached) cached = buildReferenceSet((file) => nodeFs().readFileSync(referenceFileUrl(file), 'utf8'));
  return cached;
}

/** Browser-friendly variant: fetches the shipped files over `fetch` (or reads them in Node). */
export async function loadReferenceSetAsync(): Promise<ReferenceSet> {
  if (cached) return cached;
  const texts = new Map<string, string>();
  await Promise.all(
    REFS.map(async (r) => {
      const url = referenceFileUrl(r.file);
      if (url.protocol === 'file:') texts.set(r.file, nodeFs().readFileSync(url, 'utf8'));
      else {
        const res = await fetch(url);
        if (!res.ok) throw new PtyxanesError(`HTTP ${res.status}`, { file: url.href });
        texts.set(r.file, await res.text());
      }
    }),
  );
  cached = buildReferenceSet((f) => texts.get(f)!);
  return cached;
}

export function referenceFileUrl(file: string): URL {
  return new URL(`../../data/reference-spectra/${file}`, import.meta.url);
}

/** Builds the aligned, normalised set from the raw file texts. */
export function buildReferenceSet(read: ReferenceFileReader): ReferenceSet {
  const spectra: Record<string, ReferenceSpectrum> = {};
  const lisaShiftsEv: Record<string, number> = {};
  const pyxasRaw: Record<string, Spectrum> = {};
  const masterDef = REFS.find((r) => r.key === 'niFoil')!;
  const masterRaw = orientRising(parseSpectrumText(read(masterDef.file), masterDef.file));
  const masterShift = NI_FOIL_EDGE_EV - foilEdgeEv(masterRaw);
  const master = normalizeReference(shifted(masterRaw, masterShift));
  for (const r of REFS) {
    const text = read(r.file);
    if (r.source === 'lisa') {
      const sample = orientRising(parseSpectrumText(text, r.file, { column: 1 }));
      const hasRef = /Column\.3:\s*murefer/i.test(text);
      const shift = hasRef ? overlayShiftEv(normalizeReference(orientRising(parseSpectrumText(text, r.file, { column: 2 }))), master) : masterShift;
      lisaShiftsEv[r.key] = shift;
      spectra[r.key] = ref(r, normalizeReference(shifted(sample, shift)));
    } else {
      pyxasRaw[r.key] = orientRising(parseSpectrumText(text, r.file, { energyUnit: 'keV' }));
    }
  }
  const lisaNiO = findEdgeFeatures(spectra.nio).halfWhiteLineEv;
  const pyNiONorm = normalizeReference(pyxasRaw.pyxasNiO);
  const pyxasShiftEv = lisaNiO - findEdgeFeatures(pyNiONorm).halfWhiteLineEv;
  for (const r of REFS) {
    if (r.source !== 'pyxas') continue;
    spectra[r.key] = ref(r, normalizeReference(shifted(pyxasRaw[r.key], pyxasShiftEv)));
  }
  return { spectra, lisaShiftsEv, pyxasShiftEv };
}

function ref(r: RefDef, s: Spectrum): ReferenceSpectrum {
  return { ...s, id: r.key, compound: r.compound, oxidationState: r.oxidationState, source: `${SOURCE_TEXT[r.source]}; file ${r.file}` };
}

// ---- small numeric helpers on dense spectra -------------------------------------------

function meanIn(s: Spectrum, lo: number, hi: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < s.energyEv.length; i++) {
    if (s.energyEv[i] >= lo && s.energyEv[i] <= hi) {
      sum += s.mu[i];
      n++;
    }
  }
  return n ? sum / n : NaN;
}

/** Least-squares polynomial (degree 1 or 2) over [lo, hi]; coefficients in (E − lo)/100 for conditioning. */
function polyFitIn(s: Spectrum, lo: number, hi: number, degree: 1 | 2): { c: number[]; x0: number } {
  const x0 = lo;
  const k = degree + 1;
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  let n = 0;
  for (let i = 0; i < s.energyEv.length; i++) {
    const e = s.energyEv[i];
    if (e < lo || e > hi) continue;
    const t = (e - x0) / 100;
    const pw = [1, t, t * t];
    for (let r = 0; r < k; r++) {
      b[r] += pw[r] * s.mu[i];
      for (let c = 0; c < k; c++) a[r * k + c] += pw[r] * pw[c];
    }
    n++;
  }
  check(n > k, 'too few points for the normalisation fit', { field: `range ${lo.toFixed(0)}–${hi.toFixed(0)} eV`, expected: `more than ${k}`, found: `${n}` });
  return { c: solveSmall(a, b, k), x0 };
}

function evalPoly(p: { c: number[]; x0: number }, e: number): number {
  const t = (e - p.x0) / 100;
  let v = 0;
  for (let i = p.c.length - 1; i >= 0; i--) v = v * t + p.c[i];
  return v;
}

/** Gaussian elimination with partial pivoting for tiny systems. */
function solveSmall(a: Float64Array, b: Float64Array, k: number): number[] {
  const m = Array.from({ length: k }, (_, r) => [...a.slice(r * k, r * k + k), b[r]]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < k; r++) {
      const f = m[r][c] / m[c][c];
      for (let j = c; j <= k; j++) m[r][j] -= f * m[c][j];
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let v = m[r][k];
    for (let j = r + 1; j < k; j++) v -= m[r][j] * x[j];
    x[r] = v / m[r][r];
  }
  return x;
}

type NodeFs = typeof import('node:fs');

/** node:fs without a static import, so browser bundles of this module still build. */
function nodeFs(): NodeFs {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new PtyxanesError('reading files needs Node ≥ 20.16 (process.getBuiltinModule); in a browser use loadReferenceSetAsync()');
  return get('node:fs') as NodeFs;
}
