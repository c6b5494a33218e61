/**
 * Energy lists from sidecar files, returned in eV:
 * - JSON: `[8270, 8285, …]`, or an object `{ "energiesEv": […] }`, `{ "energiesKeV": […] }`,
 *   `{ "energies": […], "unit": "keV" }` (also `energies_eV`, `energies_keV`, `units`).
 * - Text: numbers separated by whitespace, commas or newlines; `#` starts a comment. With
 *   several data lines of several columns, `column` (default 0) picks one.
 * The unit comes from the JSON key / `unit` field / the `unit` option; otherwise all values
 * in 1–100 mean keV and all in 1000–100000 mean eV; anything else is an error naming the file.
 */
import { PtyxanesError } from '../core/errors.ts';

export interface ReadEnergiesOptions {
  unit?: 'eV' | 'keV' | 'auto';
  /** Column of a multi-column text table (0-based). */
  column?: number;
}

function unitFromString(s: unknown): 'eV' | 'keV' | undefined {
  if (typeof s !== 'string') return undefined;
  const u = s.trim().toLowerCase();
  return u === 'ev' ? 'eV' : u === 'kev' ? 'keV' : undefined;
}

function parseJson(file: string, text: string): { values: unknown; unit?: 'eV' | 'keV'; field: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new PtyxanesError('invalid JSON', { file, expected: 'a JSON list of energies', found: (err as Error).message });
  }
  if (Array.isArray(v)) return { values: v, field: '[]' };
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const [k, unit] of [['energiesEv', 'eV'], ['energies_eV', 'eV'], ['energiesEV', 'eV'], ['energiesKeV', 'keV'], ['energies_keV', 'keV']] as const) {
      if (k in o) return { values: o[k], unit, field: k };
    }
    if ('energies' in o) {
      const declared = o.unit ?? o.units;
      const unit = unitFromString(declared);
      if (declared !== undefined && !unit) throw new PtyxanesError('unknown energy unit', { file, field: 'unit', expected: 'eV or keV', found: String(declared) });
      return { values: o.energies, unit, field: 'energies' };
    }
  }
  throw new PtyxanesError('no energies in JSON', { file, expected: 'a list, or an object with energiesEv / energiesKeV / energies', found: Array.isArray(v) ? 'list' : typeof v });
}

function parseText(file: string, text: string, column: number): number[] {
  const rows: string[][] = [];
  text.split(/\r?\n/).forEach((line) => {
    const body = line.replace(/#.*/, '').trim();
    if (body) rows.push(body.split(/[\s,;]+/).filter(Boolean));
  });
  const flat = rows.length === 1 || rows.every((r) => r.length === 1);
  const tokens = flat ? rows.flat() : rows.map((r, i) => {
    if (column >= r.length) throw new PtyxanesError('too few columns', { file, field: `line ${i + 1}`, expected: `column ${column}`, found: `${r.length} columns` });
    return r[column];
  });
  return tokens.map((t, i) => {
    const x = Number(t);
    if (!Number.isFinite(x)) throw new PtyxanesError('not a number', { file, field: `value ${i + 1}`, expected: 'an energy', found: JSON.stringify(t) });
    return x;
  });
}

/** Energies (eV) from a list in a file; see the module comment for formats and units. */
export function parseEnergies(file: string, text: string, opts: ReadEnergiesOptions = {}): Float64Array {
  const isJson = /^\s*[[{]/.test(text);
  let values: number[];
  let unit: 'eV' | 'keV' | undefined;
  let field = 'energies';
  if (isJson) {
    const j = parseJson(file, text);
    field = j.field;
    unit = j.unit;
    if (!Array.isArray(j.values)) throw new PtyxanesError('energies are not a list', { file, field, expected: 'a list of numbers', found: typeof j.values });
    values = j.values.map((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new PtyxanesError('not a number', { file, field: `${field}[${i}]`, expected: 'an energy', found: JSON.stringify(x) });
      return x;
    });
  } else {
    values = parseText(file, text, opts.column ?? 0);
  }
  if (values.length === 0) throw new PtyxanesError('no energies', { file, field, expected: 'at least one energy', found: 'none' });
  if (opts.unit && opts.unit !== 'auto') {
    if (unit && unit !== opts.unit) throw new PtyxanesError('energy unit conflict', { file, field, expected: `${opts.unit} (as requested)`, found: `${unit} (declared in the file)` });
    unit = opts.unit;
  }
  const lo = Math.min(...values), hi = Math.max(...values);
  if (!unit) {
    if (lo >= 1 && hi <= 100) unit = 'keV';
    else if (lo >= 1000 && hi <= 1e5) unit = 'eV';
    else throw new PtyxanesError('energies in no recognised unit range', { file, field, expected: 'all in 1–100 (keV) or all in 1000–100000 (eV)', found: `${lo} … ${hi}` });
  }
  const ev = Float64Array.from(values, (x) => (unit === 'keV' ? x * 1000 : x));
  const evLo = Math.min(...ev), evHi = Math.max(...ev);
  if (!(evLo >= 10 && evHi <= 1e6)) throw new PtyxanesError(`energies out of range for unit ${unit}`, { file, field, expected: 'between 10 eV and 1 MeV', found: `${lo} … ${hi} ${unit}` });
  return ev;
}

/** Node: reads and parses an energy sidecar file (node:fs loaded lazily so parseEnergies stays browser-safe). */
export async function readEnergies(path: string, opts: ReadEnergiesOptions = {}): Promise<Float64Array> {
  const [{ readFile }, { requireInputFile }] = await Promise.all([import('node:fs/promises'), import('./files.ts')]);
  const abs = await requireInputFile(path, 'energy list');
  return parseEnergies(abs, await readFile(abs, 'utf8'), opts);
}
