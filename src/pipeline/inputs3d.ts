/**
 * Finds the (energy, angle) grid a 3D run works on: a simulated 3D sample, CXI files with
 * one entry per angle (one file per energy), or one file per (energy, angle). Every energy
 * must hold the same angles, and every entry as many positions as frames: checked here,
 * before any ePIE, so a bad scan is one line at the start, not a failure hours in.
 */
import { PtyxanesError } from '../core/errors.ts';
import { openCxiEntry, type CxiReadOptions } from '../io/cxi.ts';
import { listInputEntries, type SeriesEntry, type SeriesInput } from './inputs.ts';

/** Angles closer than this (degrees) are the same angle. */
const ANGLE_TOL_DEG = 1e-3;
/** Energies closer than this (eV) are the same energy. */
const ENERGY_TOL_EV = 1e-3;

export interface TomoSeriesEntries {
  energiesEv: number[];
  anglesDeg: number[];
  /** entries[e][a]: energy e (ascending), angle a (ascending). */
  entries: SeriesEntry[][];
  files: string[];
  manifest?: SeriesInput['manifest'];
}

const fmt = (v: number) => String(Math.round(v * 1000) / 1000);

export async function discoverTomoSeries(input: string, read?: CxiReadOptions, checkPositions = true): Promise<TomoSeriesEntries> {
  const { entries, files, manifest } = await listInputEntries(input, read);
  for (const e of entries) {
    if (e.angleDeg === undefined || !Number.isFinite(e.angleDeg)) {
      throw new PtyxanesError('entry without a tomography angle', { file: e.file, field: `${e.entry}/sample_1/geometry_1/angle`, expected: 'the rotation angle in degrees', found: 'nothing there' });
    }
  }
  const byEnergy: SeriesEntry[][] = [];
  for (const e of [...entries].sort((a, b) => a.energyEv - b.energyEv || a.angleDeg! - b.angleDeg!)) {
    const last = byEnergy[byEnergy.length - 1];
    if (last && Math.abs(last[0].energyEv - e.energyEv) < ENERGY_TOL_EV) last.push(e);
    else byEnergy.push([e]);
  }
  for (const list of byEnergy) {
    for (let a = 1; a < list.length; a++) {
      if (Math.abs(list[a].angleDeg! - list[a - 1].angleDeg!) < ANGLE_TOL_DEG) {
        throw new PtyxanesError('two entries have the same energy and angle', { file: list[a].file, field: `${list[a - 1].entry} and ${list[a].entry}`, expected: 'one entry per (energy, angle)', found: `${fmt(list[a].energyEv)} eV, ${fmt(list[a].angleDeg!)}° twice` });
      }
    }
  }
  // The angle set is the one most energies share; an energy that differs is named.
  const key = (l: SeriesEntry[]) => l.map((e) => fmt(e.angleDeg!)).join(',');
  const counts = new Map<string, number>();
  for (const l of byEnergy) counts.set(key(l), (counts.get(key(l)) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const anglesDeg = byEnergy.find((l) => key(l) === common)!.map((e) => e.angleDeg!);
  for (const l of byEnergy) {
    if (key(l) === common) continue;
    const have = l.map((e) => e.angleDeg!);
    const missing = anglesDeg.filter((a) => !have.some((h) => Math.abs(h - a) < ANGLE_TOL_DEG));
    const extra = have.filter((h) => !anglesDeg.some((a) => Math.abs(h - a) < ANGLE_TOL_DEG));
    const what = missing.length && !extra.length ? `an energy misses ${missing.length === 1 ? 'an angle' : 'angles'}` : 'angles differ between energies';
    throw new PtyxanesError(what, {
      file: l[0].file,
      field: `${fmt(l[0].energyEv)} eV`,
      expected: `the ${anglesDeg.length} angles of the other energies`,
      found: [missing.length ? `missing ${missing.map(fmt).join(', ')}°` : '', extra.length ? `extra ${extra.map(fmt).join(', ')}°` : ''].filter(Boolean).join('; '),
    });
  }
  if (byEnergy.length < 4) {
    throw new PtyxanesError('too few energies for a XANES fit', { file: input, expected: 'at least 4 (pre-edge, edge, post-edge)', found: String(byEnergy.length) });
  }
  if (anglesDeg.length < 2) throw new PtyxanesError('too few angles for tomography', { file: input, expected: 'at least 2 angles per energy', found: String(anglesDeg.length) });
  if (checkPositions) {
    // Opening an entry reads its positions and checks them against its frames.
    for (const l of byEnergy) {
      for (const e of l) {
        const s = await openCxiEntry(e.file, e.entry, read);
        await s.close?.();
      }
    }
  }
  return { energiesEv: byEnergy.map((l) => l[0].energyEv), anglesDeg, entries: byEnergy, files, manifest };
}

/** A sortable directory name for an (energy, angle) pair, e.g. 'E08333.50eV_A+045.000deg'. */
export function angleTag(angleDeg: number): string {
  const s = angleDeg < 0 ? '-' : '+';
  return `A${s}${Math.abs(angleDeg).toFixed(3).padStart(7, '0')}deg`;
}
