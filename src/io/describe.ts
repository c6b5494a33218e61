/**
 * `ptyxanes info FILE`: what a CXI/HDF5 or TIFF file holds — groups, datasets with shapes,
 * dtypes and units, CXI entries with energies (eV) and frame counts, TIFF pages and shape —
 * as a structured object plus a plain-text formatter.
 */
import { open, stat } from 'node:fs/promises';
import { PtyxanesError } from '../core/errors.ts';
import { entryNames, readEntryMeta } from './cxi-read.ts';
import type { CxiEntryInfo } from './cxi-read.ts';
import { requireInputFile } from './files.ts';
import { dtypeName, firstLine, getDataset, getGroup, isHdf5, stringAttr, toNumbers, withH5 } from './h5.ts';
import type { H5File } from './h5.ts';
import { tiffInfo } from './tiff.ts';

export interface DatasetSummary {
  path: string;
  shape: number[];
  dtype: string;
  units?: string;
  /** Small datasets (≤ 8 values): their values. */
  value?: number[] | string;
}

export interface EntrySummary extends Partial<CxiEntryInfo> {
  name: string;
  /** Why the entry is not readable as ptychography data, if it is not. */
  problem?: string;
}

export interface FileDescription {
  file: string;
  bytes: number;
  format: 'hdf5' | 'tiff';
  hdf5?: {
    cxiVersion?: number;
    groups: string[];
    datasets: DatasetSummary[];
    links: { path: string; target: string }[];
    entries: EntrySummary[];
    /** True when the listing stopped at `maxObjects`. */
    truncated: boolean;
  };
  tiff?: Awaited<ReturnType<typeof tiffInfo>>;
}

function walk(f: H5File, maxObjects: number): NonNullable<FileDescription['hdf5']> {
  const out: NonNullable<FileDescription['hdf5']> = { groups: ['/'], datasets: [], links: [], entries: [], truncated: false };
  let count = 0;
  const visit = (path: string): void => {
    const g = getGroup(f, path);
    if (!g) return;
    for (const key of g.keys().sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
      if (out.truncated || ++count > maxObjects) { out.truncated = true; return; }
      const p = path === '/' ? `/${key}` : `${path}/${key}`;
      let target: string | null = null;
      try { target = f.get_link(p); } catch { target = null; }
      if (target) { out.links.push({ path: p, target }); continue; }
      const ds = getDataset(f, p);
      if (ds) {
        const shape = ds.shape ?? [];
        const n = shape.reduce((a, b) => a * b, 1);
        const s: DatasetSummary = { path: p, shape, dtype: dtypeName(ds) };
        const units = stringAttr(ds, 'units');
        if (units) s.units = units;
        if (n <= 8) {
          try {
            const v = ds.value;
            s.value = typeof v === 'string' ? v : Array.from(toNumbers(v));
          } catch { /* unreadable type: leave out */ }
        }
        out.datasets.push(s);
      } else if (getGroup(f, p)) {
        out.groups.push(p);
        visit(p);
      }
    }
  };
  visit('/');
  return out;
}

/** Describes a CXI/HDF5 or TIFF file. */
export async function describeFile(path: string, opts: { maxObjects?: number } = {}): Promise<FileDescription> {
  const abs = await requireInputFile(path);
  const bytes = (await stat(abs)).size;
  if (await isHdf5(abs)) {
    return withH5(abs, (f) => {
      const h = walk(f, opts.maxObjects ?? 2000);
      const cv = getDataset(f, '/cxi_version');
      if (cv) h.cxiVersion = toNumbers(cv.value)[0];
      h.entries = entryNames(f).map((name) => {
        try {
          return { ...readEntryMeta(f, abs, name, {}).info };
        } catch (err) {
          return { name, problem: err instanceof PtyxanesError ? err.message.replace(`${abs}: `, '') : firstLine(err) };
        }
      });
      return { file: abs, bytes, format: 'hdf5' as const, hdf5: h };
    });
  }
  const head = new Uint8Array(4);
  const fh = await open(abs, 'r');
  try { await fh.read(head, 0, 4, 0); } finally { await fh.close(); }
  if ((head[0] === 0x49 && head[1] === 0x49) || (head[0] === 0x4d && head[1] === 0x4d)) {
    return { file: abs, bytes, format: 'tiff', tiff: await tiffInfo(abs) };
  }
  throw new PtyxanesError('unknown file format', { file: abs, expected: 'HDF5/CXI or TIFF', found: `bytes ${[...head].map((b) => b.toString(16).padStart(2, '0')).join(' ')}` });
}

function humanBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${u[i]}`;
}

/** Plain-text rendering of a FileDescription (what `ptyxanes info` prints). */
export function formatDescription(d: FileDescription): string {
  const lines = [`${d.file}  (${d.format.toUpperCase()}, ${humanBytes(d.bytes)})`];
  if (d.tiff) {
    const t = d.tiff;
    const kind = t.sampleFormat === 3 ? 'float' : t.sampleFormat === 2 ? 'int' : 'uint';
    lines.push(`  pages: ${t.pages}   page shape: ${t.height} × ${t.width}   dtype: ${kind}${t.bitsPerSample}`);
    if (t.description) lines.push(`  description: ${t.description.trim().split('\n').join(' | ')}`);
  }
  if (d.hdf5) {
    const h = d.hdf5;
    if (h.cxiVersion !== undefined) lines.push(`  CXI version ${h.cxiVersion}`);
    if (h.entries.length) {
      lines.push(`  entries (${h.entries.length}):`);
      for (const e of h.entries) {
        if (e.problem) lines.push(`    ${e.name}: not readable as ptychography data: ${e.problem}`);
        else lines.push(`    ${e.name}: ${e.nFrames} frames of ${e.height} × ${e.width} ${e.dtype}, ${e.energyEv!.toFixed(2)} eV${e.angleDeg !== undefined ? `, angle ${e.angleDeg}°` : ''}`);
      }
    }
    lines.push(`  datasets (${h.datasets.length}):`);
    for (const s of h.datasets) {
      const shape = s.shape.length ? `[${s.shape.join(', ')}]` : 'scalar';
      const val = s.value === undefined ? '' : ` = ${typeof s.value === 'string' ? JSON.stringify(s.value) : s.value.map((x) => +x.toPrecision(6)).join(', ')}`;
      lines.push(`    ${s.path}  ${shape} ${s.dtype}${s.units ? ` (${s.units})` : ''}${val}`);
    }
    if (h.links.length) {
      lines.push(`  links (${h.links.length}):`);
      for (const l of h.links) lines.push(`    ${l.path} -> ${l.target}`);
    }
    if (h.truncated) lines.push('  … listing truncated');
  }
  return lines.join('\n');
}
