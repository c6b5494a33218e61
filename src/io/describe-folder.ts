/**
 * `ptyxanes info DIR`: the folders users have most, described without reading any pixels —
 * a simulated sample (manifest.json: preset, energies, angles, data and truth files), a
 * pipeline run (run.json: kind, options, which stages and energies are done, complete or
 * not, where the results are), or a folder of CXI/HDF5 files (one line per file: entries,
 * energies, frames). Reads only JSON and HDF5 metadata, so it answers in well under a second
 * even for a run of hundreds of energies. io/ imports no stage: the manifest and run records
 * are read as plain JSON, tolerating fields that older or newer versions lack.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { PtyxanesError } from '../core/errors.ts';
import { listCxiEntries } from './cxi-open.ts';
import { firstLine } from './h5.ts';

/** Extensions read as CXI/HDF5 (as the pipeline's series discovery does). */
const CXI_EXT = new Set(['.cxi', '.h5', '.hdf5', '.nxs']);

export interface Span {
  count: number;
  min?: number;
  max?: number;
}

export interface CxiFileSummary {
  file: string;
  bytes: number;
  entries: number;
  energiesEv: Span;
  anglesDeg?: Span;
  frames: number;
  /** Frame shape when every entry has the same one. */
  frameShape?: [number, number];
  problem?: string;
}

export interface SampleFolder {
  kind: 'sample';
  dir: string;
  preset?: string;
  description?: string;
  dimensionality?: string;
  scenario?: string;
  seed?: number;
  energiesEv: Span;
  anglesDeg: Span | null;
  data: { file: string; entries: number; frames: number; present: boolean }[];
  truth: { name: string; file: string; present: boolean }[];
  frames?: number;
}

export interface RunFolder {
  kind: 'run';
  dir: string;
  runKind: string;
  version?: string;
  createdAt?: string;
  updatedAt?: string;
  complete: boolean;
  backend?: string;
  options: Record<string, unknown>;
  inputs: { path: string; present: boolean }[];
  /** Stages done, in the order they finished, grouped by name before '/' (e.g. 'ptycho'). */
  stages: { name: string; done: number; seconds: number }[];
  /** Energies (eV) whose per-energy stage is done, and how many the inputs hold (when readable). */
  energiesDoneEv: number[];
  energiesTotal?: number;
  anglesDoneDeg: number[];
  /** Stages this kind of run has that are not done yet (known kinds only). */
  pending: string[];
  /** Result files present in the run folder. */
  results: string[];
}

export interface CxiFolder {
  kind: 'cxi-folder';
  dir: string;
  files: CxiFileSummary[];
}

export type FolderDescription = SampleFolder | RunFolder | CxiFolder;

/** The stages of the run kinds this version writes, in order (others are listed as found). */
const STAGES_OF_KIND: Record<string, string[]> = {
  'pipeline-2d': ['ptycho', 'register', 'xanes'],
  reconstruct: ['ptycho'],
};
/** Where each run kind leaves its results (checked for presence; missing ones are not listed). */
const RESULTS = ['summary.json', 'results.h5', 'xanes/oxidation_state.tif', 'xanes/oxidation_state_std.tif', 'xanes/oxidation_state_histogram.png', 'stack/attenuation_registered.tif', 'ptycho'];

function span(values: number[]): Span {
  const v = values.filter(Number.isFinite);
  return v.length ? { count: v.length, min: Math.min(...v), max: Math.max(...v) } : { count: 0 };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    throw new Error(`a JSON ${Array.isArray(v) ? 'array' : typeof v}`);
  } catch (e) {
    throw new PtyxanesError('unreadable JSON', { file: path, expected: 'a JSON object', found: firstLine(e) });
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const nums = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);

/** One CXI/HDF5 file: entries, energies, angles, frames (metadata only). */
export async function summarizeCxiFile(file: string): Promise<CxiFileSummary> {
  const bytes = (await stat(file)).size;
  try {
    const entries = await listCxiEntries(file);
    const shapes = new Set(entries.map((e) => `${e.height}x${e.width}`));
    const angles = entries.map((e) => e.angleDeg).filter((a): a is number => a !== undefined);
    return {
      file,
      bytes,
      entries: entries.length,
      energiesEv: span(entries.map((e) => e.energyEv)),
      ...(angles.length ? { anglesDeg: span(angles) } : {}),
      frames: entries.reduce((s, e) => s + e.nFrames, 0),
      ...(shapes.size === 1 && entries.length ? { frameShape: [entries[0].height, entries[0].width] as [number, number] } : {}),
    };
  } catch (e) {
    return { file, bytes, entries: 0, energiesEv: { count: 0 }, frames: 0, problem: (e as Error).message.replace(`${file}: `, '') };
  }
}

async function describeSample(dir: string): Promise<SampleFolder> {
  const m = await readJson(join(dir, 'manifest.json'));
  const cxi = Array.isArray(m.cxi) ? (m.cxi as Record<string, unknown>[]) : [];
  const byFile = new Map<string, { entries: number; frames: number }>();
  for (const r of cxi) {
    const f = str(r.file) ?? '?';
    const s = byFile.get(f) ?? { entries: 0, frames: 0 };
    s.entries++;
    s.frames += num(r.nFrames) ?? 0;
    byFile.set(f, s);
  }
  const truthFiles = ((m.truth as Record<string, unknown> | undefined)?.files ?? {}) as Record<string, unknown>;
  const angles = Array.isArray(m.anglesDeg) ? nums(m.anglesDeg) : null;
  return {
    kind: 'sample',
    dir,
    preset: str(m.preset),
    description: str(m.description),
    dimensionality: str(m.kind),
    scenario: str(m.scenario),
    seed: num(m.seed),
    energiesEv: span(nums(m.energiesEv)),
    anglesDeg: angles ? span(angles) : null,
    data: await Promise.all([...byFile].map(async ([file, s]) => ({ file, ...s, present: await exists(resolve(dir, file)) }))),
    truth: await Promise.all(
      Object.entries(truthFiles)
        .filter((e): e is [string, string] => typeof e[1] === 'string')
        .map(async ([name, file]) => ({ name, file, present: await exists(resolve(dir, file)) })),
    ),
    frames: num((m.statistics as Record<string, unknown> | undefined)?.frames),
  };
}

/** Per-energy (and per-angle) stage names carry tags such as 'E08333.50eV' and 'A-12.00deg'. */
function tagValue(name: string, re: RegExp): number | undefined {
  const m = re.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function describeRun(dir: string): Promise<RunFolder> {
  const r = await readJson(join(dir, 'run.json'));
  const stagesRec = (r.stages && typeof r.stages === 'object' ? r.stages : {}) as Record<string, Record<string, unknown>>;
  const groups = new Map<string, { done: number; seconds: number }>();
  const energies = new Set<number>();
  const angles = new Set<number>();
  for (const [name, s] of Object.entries(stagesRec)) {
    if (s?.status !== 'done') continue;
    const group = name.split('/')[0];
    const g = groups.get(group) ?? { done: 0, seconds: 0 };
    g.done++;
    g.seconds += num(s.seconds) ?? 0;
    groups.set(group, g);
    const e = tagValue(name, /E(\d+(?:\.\d+)?)eV/);
    if (e !== undefined) energies.add(e);
    const a = tagValue(name, /A(-?\d+(?:\.\d+)?)deg/);
    if (a !== undefined) angles.add(a);
  }
  const runKind = str(r.kind) ?? 'unknown';
  const inputs = await Promise.all(
    (Array.isArray(r.inputs) ? (r.inputs as Record<string, unknown>[]) : []).map(async (i) => {
      const path = str(i.path) ?? '?';
      return { path, present: await exists(path) };
    }),
  );
  // How many energies the inputs hold: the denominator of "energies done" (HDF5 metadata only;
  // energies rounded as the stage tags round them, so a 3D input's angles do not count twice).
  let energiesTotal: number | undefined;
  const cxiInputs = inputs.filter((i) => i.present && CXI_EXT.has(extname(i.path).toLowerCase()));
  if (cxiInputs.length && cxiInputs.length === inputs.length) {
    try {
      const all = new Set<string>();
      for (const i of cxiInputs) for (const e of await listCxiEntries(i.path)) all.add(e.energyEv.toFixed(2));
      energiesTotal = all.size;
    } catch {
      /* an unreadable input: the run is still described, without the total */
    }
  }
  const results: string[] = [];
  for (const f of RESULTS) if (await exists(join(dir, f))) results.push(f);
  const complete = r.complete === true;
  return {
    kind: 'run',
    dir,
    runKind,
    version: str(r.version),
    createdAt: str(r.createdAt),
    updatedAt: str(r.updatedAt),
    complete,
    backend: str(r.backend),
    options: (r.options && typeof r.options === 'object' ? r.options : {}) as Record<string, unknown>,
    inputs,
    stages: [...groups].map(([name, g]) => ({ name, ...g })),
    energiesDoneEv: [...energies].sort((a, b) => a - b),
    ...(energiesTotal !== undefined ? { energiesTotal } : {}),
    anglesDoneDeg: [...angles].sort((a, b) => a - b),
    pending: complete ? [] : (STAGES_OF_KIND[runKind] ?? []).filter((s) => {
      if (!groups.has(s)) return true;
      // the per-energy stage is pending while energies remain
      return s === 'ptycho' && energiesTotal !== undefined && energies.size < energiesTotal;
    }),
    results,
  };
}

async function describeCxiFolder(dir: string, names: string[]): Promise<CxiFolder> {
  const files = names.filter((n) => CXI_EXT.has(extname(n).toLowerCase())).map((n) => join(dir, n));
  const out: CxiFileSummary[] = [];
  for (const f of files) out.push(await summarizeCxiFile(f)); // one at a time: h5wasm is single-threaded
  return { kind: 'cxi-folder', dir, files: out };
}

/** Describes a sample, run or CXI folder; anything else is refused with what was found. */
export async function describeFolder(path: string): Promise<FolderDescription> {
  const dir = resolve(path);
  const names = (await readdir(dir)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.includes('run.json')) return describeRun(dir);
  if (names.includes('manifest.json')) return describeSample(dir);
  if (names.some((n) => CXI_EXT.has(extname(n).toLowerCase()))) return describeCxiFolder(dir, names);
  throw new PtyxanesError('not a folder ptyxanes knows', {
    file: dir,
    expected: 'a run (run.json), a simulated sample (manifest.json) or CXI/HDF5 files',
    found: names.length ? names.slice(0, 6).join(', ') + (names.length > 6 ? ', …' : '') : 'an empty folder',
  });
}

function fmtSpan(s: Span, unit: string, digits: number): string {
  if (!s.count) return `no ${unit === 'eV' ? 'energies' : 'angles'}`;
  const what = unit === 'eV' ? (s.count === 1 ? 'energy' : 'energies') : s.count === 1 ? 'angle' : 'angles';
  const range = s.min === s.max ? `${s.min!.toFixed(digits)}` : `${s.min!.toFixed(digits)}–${s.max!.toFixed(digits)}`;
  return `${s.count} ${what} ${range}${unit === 'eV' ? ' eV' : '°'}`;
}

function fmtCxiLine(f: CxiFileSummary, dir: string): string {
  const name = f.file.startsWith(`${dir}/`) ? f.file.slice(dir.length + 1) : f.file;
  if (f.problem) return `    ${name}: not readable as CXI: ${f.problem}`;
  const shape = f.frameShape ? ` of ${f.frameShape[0]} × ${f.frameShape[1]}` : '';
  return `    ${name}: ${f.entries} ${f.entries === 1 ? 'entry' : 'entries'}, ${fmtSpan(f.energiesEv, 'eV', 2)}${f.anglesDeg ? `, ${fmtSpan(f.anglesDeg, 'deg', 1)}` : ''}, ${f.frames} frames${shape}`;
}

/** Plain-text rendering of a FolderDescription (what `ptyxanes info DIR` prints). */
export function formatFolder(d: FolderDescription): string {
  const lines: string[] = [];
  if (d.kind === 'sample') {
    lines.push(`${d.dir}  (simulated sample${d.preset ? ` '${d.preset}'` : ''}${d.dimensionality ? `, ${d.dimensionality}` : ''}${d.scenario ? `, ${d.scenario}` : ''}${d.seed !== undefined ? `, seed ${d.seed}` : ''})`);
    if (d.description) lines.push(`  ${d.description}`);
    lines.push(`  ${fmtSpan(d.energiesEv, 'eV', 2)}${d.anglesDeg ? `; ${fmtSpan(d.anglesDeg, 'deg', 1)}` : ''}${d.frames !== undefined ? `; ${d.frames} frames` : ''}`);
    lines.push(`  data (${d.data.length} ${d.data.length === 1 ? 'file' : 'files'}):`);
    for (const f of d.data) lines.push(`    ${f.file}: ${f.entries} entries, ${f.frames} frames${f.present ? '' : '  (MISSING)'}`);
    lines.push(`  ground truth (${d.truth.length} files):`);
    for (const t of d.truth) lines.push(`    ${t.name}: ${t.file}${t.present ? '' : '  (MISSING)'}`);
  } else if (d.kind === 'run') {
    lines.push(`${d.dir}  (${d.runKind} run, ${d.complete ? 'complete' : 'INCOMPLETE'}${d.version ? `, ptyxanes ${d.version}` : ''})`);
    if (d.createdAt) lines.push(`  started ${d.createdAt}, last written ${d.updatedAt ?? '?'}${d.backend ? `, backend ${d.backend}` : ''}`);
    for (const i of d.inputs) lines.push(`  input: ${i.path}${i.present ? '' : '  (MISSING)'}`);
    const opts = Object.entries(d.options).filter(([, v]) => v !== undefined);
    if (opts.length) lines.push(`  options: ${opts.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ')}`);
    lines.push(`  stages done: ${d.stages.length ? d.stages.map((s) => `${s.name}${s.done > 1 ? ` ×${s.done}` : ''} (${s.seconds.toFixed(1)} s)`).join(', ') : 'none'}`);
    if (d.energiesDoneEv.length || d.energiesTotal !== undefined) {
      const e = d.energiesDoneEv;
      lines.push(`  energies done: ${e.length}${d.energiesTotal !== undefined ? ` of ${d.energiesTotal}` : ''}${e.length ? ` (${e[0].toFixed(2)}–${e[e.length - 1].toFixed(2)} eV)` : ''}`);
    }
    if (d.anglesDoneDeg.length) lines.push(`  angles done: ${d.anglesDoneDeg.length}`);
    if (!d.complete) lines.push(`  to do: ${d.pending.length ? d.pending.join(', ') : 'the final report'} (continue with the same command and --resume)`);
    lines.push(`  results: ${d.results.length ? d.results.join(', ') : 'none yet'}`);
  } else {
    lines.push(`${d.dir}  (${d.files.length} CXI/HDF5 ${d.files.length === 1 ? 'file' : 'files'})`);
    for (const f of d.files) lines.push(fmtCxiLine(f, d.dir));
  }
  return lines.join('\n');
}
