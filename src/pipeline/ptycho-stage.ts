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
import { attenuationOf, cropLitAttenuation, energyRecordOf, reconstructEnergy, type EnergyRecord, type PtychoStageOptions } from './series-core.ts';

export type { EnergyRecord, PtychoStageOptions } from './series-core.ts';

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

/** The saved state of a finished energy, to warm-start the next one after a resume. */
async function loadEnergyState(run: RunDir, tag: string): Promise<{ object: ComplexArray; probe: ComplexArray; record: EnergyRecord }> {
  const dir = run.path('ptycho', tag);
  const record = JSON.parse(await readFile(`${dir}/energy.json`, 'utf8')) as EnergyRecord;
  const object = await readHdf5Complex(`${dir}/state.h5`, 'object');
  const probe = await readHdf5Complex(`${dir}/state.h5`, 'probe');
  return { object, probe, record };
}

export async function loadEnergyRecord(run: RunDir, entry: SeriesEntry): Promise<EnergyRecord> {
  return JSON.parse(await readFile(run.path('ptycho', energyTag(entry.energyEv), 'energy.json'), 'utf8')) as EnergyRecord;
}

/** −ln|O| of one energy, cropped to its well-lit box, with that crop's origin. */
export async function loadAttenuation(run: RunDir, entry: SeriesEntry): Promise<{ image: RealArray; pixelSizeM: number; originM: [number, number] }> {
  const rec = await loadEnergyRecord(run, entry);
  const img = await readTiff(run.path('ptycho', energyTag(entry.energyEv), 'attenuation.tif'));
  return cropLitAttenuation(img, rec);
}

/** Reconstructs every energy not yet done, in energy order, warm-starting from the previous one. */
export async function runPtychoStage(run: RunDir, entries: SeriesEntry[], opts: PtychoStageOptions): Promise<EnergyRecord[]> {
  const records: EnergyRecord[] = [];
  let prev: { object: ComplexArray; probe: ComplexArray; pixelSizeM: number; originM: [number, number] } | null = null;
  for (const [i, entry] of entries.entries()) {
    throwIfAborted(opts.signal);
    const tag = energyTag(entry.energyEv);
    const stageName = `ptycho/${tag}`;
    if (run.isDone(stageName)) {
      // Keep the chain of warm starts: the next energy starts from this saved state.
      const s = opts.warmStart && !run.isDone(`ptycho/${energyTag(entries[i + 1]?.energyEv ?? NaN)}`) ? await loadEnergyState(run, tag) : null;
      const rec = s?.record ?? (await loadEnergyRecord(run, entry));
      if (s) prev = { object: s.object, probe: s.probe, pixelSizeM: rec.pixelSizeM, originM: rec.originM };
      records.push(rec);
      opts.onProgress?.({ stage: 'ptycho', done: i + 1, total: entries.length, message: `${entry.energyEv.toFixed(1)} eV (done earlier)` });
      continue;
    }
    const source = await openCxiEntry(entry.file, entry.entry, opts.read);
    let result: EpieResult;
    try {
      result = await reconstructEnergy(source, prev, i, entries.length, opts);
    } finally {
      await source.close?.();
    }
    let saved: Awaited<ReturnType<typeof saveEnergy>> | undefined;
    await run.stage(stageName, async () => {
      saved = await saveEnergy(run, tag, result);
      return { outputs: saved.outputs, info: { energyEv: entry.energyEv, iterations: saved.record.iterations, finalError: saved.record.finalError } };
    });
    records.push(saved!.record);
    prev = { object: result.object, probe: result.probe, pixelSizeM: result.pixelSizeM, originM: result.originM };
    opts.onProgress?.({ stage: 'ptycho', done: i + 1, total: entries.length, message: `${entry.energyEv.toFixed(1)} eV done, error ${saved!.record.finalError.toExponential(3)}` });
  }
  return records;
}
