/**
 * The per-energy ptychography stage of a run: reconstruct each CXI entry (warm-started
 * from the previous energy), and save what later stages and a resumed run need. A
 * finished energy is never redone: its files plus its stage record in run.json mark it.
 */
import { readFile } from 'node:fs/promises';
import type { ComplexArray, RealArray } from '../core/arrays.ts';
import { throwIfAborted } from '../core/progress.ts';
import { complexDataset, readHdf5Complex, writeHdf5Tree } from '../io/hdf5-tree.ts';
import { openCxiEntry } from '../io/cxi.ts';
import { writeJson } from '../io/files.ts';
import { readTiff, writeTiff } from '../io/tiff.ts';
import type { EpieResult } from '../ptycho/index.ts';
import { energyTag, type SeriesEntry } from './inputs.ts';
import type { RunDir } from './run-dir.ts';
import { attenuationOf, cropLitAttenuation, energyRecordOf, reconstructEnergy, type EnergyRecord, type PtychoStageOptions as CoreStageOptions, type WarmState } from './series-core.ts';

export type { EnergyRecord } from './series-core.ts';

export interface PtychoStageOptions extends CoreStageOptions {
  /** Folder under ptycho/ for entry i (default: its energy tag). */
  tagOf?: (entry: SeriesEntry, i: number) => string;
  /**
   * Which earlier entry's object starts entry i (default i − 1, the previous energy); null:
   * the probe still comes from entry i − 1, the object starts flat. A 3D run takes the same
   * angle at the neighbouring energy.
   */
  objectFrom?: (i: number) => number | null;
  /** Words for entry i in progress messages (default: its energy). */
  describe?: (entry: SeriesEntry, i: number) => string;
}

async function saveEnergy(run: RunDir, tag: string, r: EpieResult): Promise<{ outputs: string[]; record: EnergyRecord }> {
  const dir = run.path('ptycho', tag);
  const [h, w] = r.object.shape as [number, number];
  const meta = { pixelSizeM: r.pixelSizeM };
  const att = attenuationOf(r).data;
  const outputs = [`${dir}/attenuation.tif`, `${dir}/modulus.tif`, `${dir}/phase.tif`, `${dir}/state.h5`, `${dir}/energy.json`];
  await writeTiff(outputs[0], { data: att, shape: [h, w] }, { ...meta, description: `-ln|O| at ${r.energyEv} eV` });
  await writeTiff(outputs[1], r.modulus, { ...meta, description: `|O| at ${r.energyEv} eV` });
  await writeTiff(outputs[2], r.phase, { ...meta, description: `arg O (rad) at ${r.energyEv} eV` });
  await writeHdf5Tree(outputs[3], {
    attrs: { energy_eV: r.energyEv, pixel_size_m: r.pixelSizeM, origin_m: [...r.originM], source: r.label },
    datasets: {
      object: complexDataset(r.object.data, r.object.shape),
      probe: complexDataset(r.probe.data, r.probe.shape, { modes_power: r.modePowers }),
      illumination: { data: r.illumination.data, shape: r.illumination.shape },
      errors: { data: Float64Array.from(r.errors), shape: [r.errors.length] },
    },
  });
  const record = energyRecordOf(r);
  await writeJson(outputs[4], { ...record, errors: r.errors, timings: r.timings, modePowers: r.modePowers });
  return { outputs, record };
}

/** The saved state of a finished entry (object, probe, record), to warm-start another one. */
async function loadEnergyState(run: RunDir, tag: string): Promise<{ object: ComplexArray; probe: ComplexArray; record: EnergyRecord }> {
  const dir = run.path('ptycho', tag);
  const record = JSON.parse(await readFile(`${dir}/energy.json`, 'utf8')) as EnergyRecord;
  const object = await readHdf5Complex(`${dir}/state.h5`, 'object');
  const probe = await readHdf5Complex(`${dir}/state.h5`, 'probe');
  return { object, probe, record };
}

/** Folder (under ptycho/) of an entry's results: its energy in a 2D run. */
export const defaultTag = (entry: SeriesEntry): string => energyTag(entry.energyEv);

export async function loadEnergyRecord(run: RunDir, entry: SeriesEntry, tag = defaultTag(entry)): Promise<EnergyRecord> {
  return JSON.parse(await readFile(run.path('ptycho', tag, 'energy.json'), 'utf8')) as EnergyRecord;
}

/** −ln|O| of one entry, cropped to its well-lit box, with that crop's origin. */
export async function loadAttenuation(run: RunDir, entry: SeriesEntry, tag = defaultTag(entry)): Promise<{ image: RealArray; pixelSizeM: number; originM: [number, number] }> {
  const rec = await loadEnergyRecord(run, entry, tag);
  const img = await readTiff(run.path('ptycho', tag, 'attenuation.tif'));
  return cropLitAttenuation(img, rec);
}

/** Which finished entries warm-start entry i: its probe's and its object's sources (null: cold / flat). */
export interface WarmSources {
  probeFrom: number | null;
  objectFrom: number | null;
}

/** The default warm-start graph: probe from i − 1, object from `objectFrom(i)` (default i − 1). */
export function warmSourcesOf(i: number, opts: Pick<PtychoStageOptions, 'warmStart' | 'objectFrom'>): WarmSources {
  if (!opts.warmStart || i === 0) return { probeFrom: null, objectFrom: null };
  const from = (opts.objectFrom ?? ((k: number) => k - 1))(i);
  return { probeFrom: i - 1, objectFrom: from === null || from < 0 ? null : from };
}

/**
 * Reconstructs entry i, warm-started from the saved (or, in `cache`, the just-computed)
 * state of its sources, and writes its files under ptycho/TAG/. Marking it done is the
 * caller's (a plan task's record, or a RunDir stage).
 */
export async function reconstructEntry(
  run: RunDir,
  entries: SeriesEntry[],
  i: number,
  warm: WarmSources,
  opts: PtychoStageOptions,
  cache: Map<string, unknown> = new Map(),
): Promise<{ outputs: string[]; info: Record<string, unknown>; record: EnergyRecord }> {
  const tagOf = opts.tagOf ?? defaultTag;
  const describe = opts.describe ?? ((e: SeriesEntry) => `${e.energyEv.toFixed(1)} eV`);
  const entry = entries[i];
  const tag = tagOf(entry, i);
  const what = describe(entry, i);
  // The last reconstruction stays in memory (it is the next one's probe, and often object, source).
  const last = cache.get('ptycho:last') as { index: number; state: WarmState } | undefined;
  const stateOf = async (j: number): Promise<WarmState> => {
    if (last?.index === j) return last.state;
    const s = await loadEnergyState(run, tagOf(entries[j], j));
    return { object: s.object, probe: s.probe, pixelSizeM: s.record.pixelSizeM, originM: s.record.originM };
  };
  const prev = warm.probeFrom === null ? null : await stateOf(warm.probeFrom);
  const object = prev === null || warm.objectFrom === null ? null : warm.objectFrom === warm.probeFrom ? prev : await stateOf(warm.objectFrom);
  const source = await openCxiEntry(entry.file, entry.entry, opts.read);
  let result: EpieResult;
  try {
    result = await reconstructEnergy(source, prev, i, entries.length, opts, { object, label: what, values: entry.angleDeg !== undefined ? { angleDeg: entry.angleDeg } : undefined });
  } finally {
    await source.close?.();
  }
  const saved = await saveEnergy(run, tag, result);
  cache.set('ptycho:last', { index: i, state: { object: result.object, probe: result.probe, pixelSizeM: result.pixelSizeM, originM: result.originM } });
  opts.onProgress?.({ stage: 'ptycho', done: i + 1, total: entries.length, message: `${what} done, error ${saved.record.finalError.toExponential(3)}` });
  const info = { energyEv: entry.energyEv, ...(entry.angleDeg !== undefined ? { angleDeg: entry.angleDeg } : {}), iterations: saved.record.iterations, finalError: saved.record.finalError, warmStart: object !== null };
  return { outputs: saved.outputs, info, record: saved.record };
}

/**
 * Reconstructs every entry not yet done, in the given order, each warm-started from the
 * previous reconstruction's probe and from the object of `objectFrom(i)` (by default the
 * previous entry), with RunDir stages as the record (`ptyxanes reconstruct`; the pipelines
 * run the same reconstructEntry as plan tasks).
 */
export async function runPtychoStage(run: RunDir, entries: SeriesEntry[], opts: PtychoStageOptions): Promise<EnergyRecord[]> {
  const records: EnergyRecord[] = [];
  const tagOf = opts.tagOf ?? defaultTag;
  const describe = opts.describe ?? ((e: SeriesEntry) => `${e.energyEv.toFixed(1)} eV`);
  const cache = new Map<string, unknown>();
  for (const [i, entry] of entries.entries()) {
    throwIfAborted(opts.signal);
    const tag = tagOf(entry, i);
    if (run.isDone(`ptycho/${tag}`)) {
      records.push(await loadEnergyRecord(run, entry, tag));
      opts.onProgress?.({ stage: 'ptycho', done: i + 1, total: entries.length, message: `${describe(entry, i)} (done earlier)` });
      continue;
    }
    const t0 = Date.now();
    let rec!: EnergyRecord;
    await run.stage(
      `ptycho/${tag}`,
      async () => {
        const r = await reconstructEntry(run, entries, i, warmSourcesOf(i, opts), opts, cache);
        rec = r.record;
        return { outputs: r.outputs, info: r.info };
      },
      { startedMs: t0 },
    );
    records.push(rec);
  }
  return records;
}
