/**
 * Finds the energy series a pipeline run works on: a simulator output directory
 * (manifest.json), a CXI/HDF5 file with one entry per energy, or a directory of CXI files.
 * Entries are sorted by energy; duplicate energies are refused.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { PtyxanesError } from '../core/errors.ts';
import { listCxiEntries, type CxiEntryInfo, type CxiReadOptions } from '../io/cxi.ts';

export interface SeriesEntry {
  file: string;
  entry: string;
  energyEv: number;
  nFrames: number;
  height: number;
  width: number;
  /** Tomography angle (degrees), when the entry has one (3D). */
  angleDeg?: number;
}

export interface SeriesInput {
  entries: SeriesEntry[];
  /** Files read (for checksums). */
  files: string[];
  /** The simulator's manifest, when the input is a simulated sample (ground truth). */
  manifest?: Record<string, unknown> & { dir: string };
}

const CXI_EXT = new Set(['.cxi', '.h5', '.hdf5', '.nxs']);

async function entriesOf(file: string, read?: CxiReadOptions): Promise<SeriesEntry[]> {
  const list: CxiEntryInfo[] = await listCxiEntries(file, read);
  return list.map((e) => ({ file, entry: e.name, energyEv: e.energyEv, nFrames: e.nFrames, height: e.height, width: e.width, ...(e.angleDeg !== undefined ? { angleDeg: e.angleDeg } : {}) }));
}

/** Every diffraction entry of the input (unsorted), the files read and the simulator's manifest if any. */
export async function listInputEntries(input: string, read?: CxiReadOptions): Promise<SeriesInput> {
  const abs = resolve(input);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new PtyxanesError('input not found', { file: abs, expected: 'a CXI file, a directory of CXI files, or a simulated sample directory' });
  }
  let entries: SeriesEntry[] = [];
  const files: string[] = [];
  let manifest: SeriesInput['manifest'];
  if (st.isDirectory()) {
    const names = (await readdir(abs)).sort();
    if (names.includes('manifest.json')) {
      const m = JSON.parse(await readFile(join(abs, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      manifest = { ...m, dir: abs };
    }
    for (const n of names) {
      if (!CXI_EXT.has(extname(n).toLowerCase())) continue;
      const f = join(abs, n);
      files.push(f);
      entries.push(...(await entriesOf(f, read)));
    }
    if (!files.length) throw new PtyxanesError('no CXI/HDF5 files in the input directory', { file: abs, expected: '*.cxi or *.h5', found: names.slice(0, 5).join(', ') || 'empty' });
  } else {
    files.push(abs);
    entries = await entriesOf(abs, read);
  }
  if (!entries.length) throw new PtyxanesError('no diffraction entries found', { file: abs });
  return { entries, files, manifest };
}

export async function discoverSeries(input: string, read?: CxiReadOptions): Promise<SeriesInput> {
  const { entries, files, manifest } = await listInputEntries(input, read);
  entries.sort((a, b) => a.energyEv - b.energyEv);
  for (let i = 1; i < entries.length; i++) {
    if (Math.abs(entries[i].energyEv - entries[i - 1].energyEv) < 1e-3) {
      throw new PtyxanesError('two entries have the same energy', {
        file: entries[i].file,
        field: `${entries[i - 1].entry} and ${entries[i].entry}`,
        expected: 'one entry per energy',
        found: `${entries[i].energyEv} eV twice`,
      });
    }
  }
  return { entries, files, manifest };
}

/** A short, sortable directory name for an energy: e.g. 'E08333.50eV'. */
export function energyTag(energyEv: number): string {
  return `E${energyEv.toFixed(2).padStart(8, '0')}eV`;
}
