/**
 * CXI files on the host filesystem (Node): the readers of cxi-read.ts over files opened
 * with h5.ts (NODERAWFS, read in place).
 */
import { openH5Read, withH5 } from './h5.ts';
import { CxiFrameSource, entryInfos, entryNames, openEntry, type CxiEntryInfo, type CxiReadOptions } from './cxi-read.ts';

/** The entries of a CXI file with frame counts, shapes, energies (eV) and angles. */
export async function listCxiEntries(path: string, opts: CxiReadOptions = {}): Promise<CxiEntryInfo[]> {
  return withH5(path, (f, file) => entryInfos(f, file, opts));
}

/** One entry (default: the first) as a FrameSource reading frames in blocks. */
export async function openCxiEntry(path: string, entry?: string, opts: CxiReadOptions = {}): Promise<CxiFrameSource> {
  return withH5(path, (f, file) => openEntry(f, file, entry, opts, openH5Read));
}

/** Every entry of a file as FrameSources (e.g. a whole energy series), in entry order. */
export async function openCxiEntries(path: string, opts: CxiReadOptions = {}): Promise<CxiFrameSource[]> {
  return withH5(path, (f, file) => entryNames(f).map((e) => openEntry(f, file, e, opts, openH5Read)));
}
