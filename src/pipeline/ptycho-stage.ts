/**
 * The per-energy ptychography stage of a run: reconstruct each CXI entry (warm-started
 * from the previous energy), and save what later stages and a resumed run need. A
 * finished energy is never redone: its files plus its stage record in run.json mark it.
 */
import { readFile } from 'node:fs/promises';
import type { ComplexArray, RealArray } from '../core/arrays.ts';
import type { FrameSource } from '../core/frames.ts';
import type { RunControl } from '../core/progress.ts';
import { throwIfAborted } from '../core/progress.ts';
import { complexDataset, readHdf5Complex, writeHdf5Tree } from '../io/hdf5-tree.ts';
import { openCxiEntry, type CxiReadOptions } from '../io/cxi.ts';
import { writeJson } from '../io/files.ts';
import { readTiff, writeTiff } from '../io/tiff.ts';
import { reconstructEpie, warmStartInit, type EpieOptions, type EpieResult } from '../ptycho/index.ts';
import { energyTag, type SeriesEntry } from './inputs.ts';
import type { RunDir } from './run-dir.ts';

/** What later stages read back for one energy. */
export interface EnergyRecord {
  energyEv: number;
  pixelSizeM: number;
  originM: [number, number];
  shape: [number, number];
  /**
   * Intensity centroid of the probe modes relative to the frame centre (rows, cols) in
   * pixels. ePIE leaves a joint probe/object translation free, and warm starts let it
   * wander along the series; the object's true origin is originM − centroid·pixel.
   */
  probeCentroidPx: [number, number];
  /** Bounding box of the well-lit area: rows [r0, r1), cols [c0, c1). */
  litBox: [number, number, number, number];
  iterations: number;
  finalError: number;
  seconds: number;
  patternUpdatesPerS: number;
  backend: string;
}

function probeCentroidPx(probe: ComplexArray): [number, number] {
  const [K, n, m] = probe.shape.length === 3 ? probe.shape : [1, probe.shape[0], probe.shape[1]];
  let s = 0;
  let sy = 0;
  let sx = 0;
  for (let k = 0; k < K; k++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < m; x++) {
        const i = 2 * ((k * n + y) * m + x);
        const v = probe.data[i] * probe.data[i] + probe.data[i + 1] * probe.data[i + 1];
        s += v;
        sy += v * y;
        sx += v * x;
      }
    }
  }
  return s > 0 ? [sy / s - n / 2, sx / s - m / 2] : [0, 0];
}

function litBox(mask: Uint8Array, h: number, w: number): [number, number, number, number] {
  let r0 = h;
  let r1 = 0;
  let c0 = w;
  let c1 = 0;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      if (!mask[r * w + c]) continue;
      if (r < r0) r0 = r;
      if (r >= r1) r1 = r + 1;
      if (c < c0) c0 = c;
      if (c >= c1) c1 = c + 1;
    }
  }
  return r1 > r0 ? [r0, r1, c0, c1] : [0, h, 0, w];
}

async function saveEnergy(run: RunDir, tag: string, r: EpieResult): Promise<{ outputs: string[]; record: EnergyRecord }> {
  const dir = run.path('ptycho', tag);
  const [h, w] = r.object.shape as [number, number];
  const meta = { pixelSizeM: r.pixelSizeM };
  const att = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) att[i] = -Math.log(r.modulus.data[i]);
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
  const record: EnergyRecord = {
    energyEv: r.energyEv,
    pixelSizeM: r.pixelSizeM,
    originM: r.originM,
    shape: [h, w],
    probeCentroidPx: probeCentroidPx(r.probe),
    litBox: litBox(r.illuminatedMask, h, w),
    iterations: r.errors.length,
    finalError: r.errors[r.errors.length - 1] ?? NaN,
    seconds: r.timings.totalS,
    patternUpdatesPerS: r.timings.patternUpdatesPerS,
    backend: r.timings.backend,
  };
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
  const [r0, r1, c0, c1] = rec.litBox;
  const w = img.shape[1];
  const out = new Float32Array((r1 - r0) * (c1 - c0));
  for (let r = r0; r < r1; r++) out.set(img.data.subarray(r * w + c0, r * w + c1), (r - r0) * (c1 - c0));
  // Where the crop's first pixel really sits: the probe's wander moved the object with it.
  const [cy, cx] = rec.probeCentroidPx ?? [0, 0];
  const originM: [number, number] = [rec.originM[0] + (c0 - cx) * rec.pixelSizeM, rec.originM[1] + (r0 - cy) * rec.pixelSizeM];
  return { image: { data: out, shape: [r1 - r0, c1 - c0] }, pixelSizeM: rec.pixelSizeM, originM };
}

export interface PtychoStageOptions extends RunControl {
  epie: EpieOptions;
  warmStart: boolean;
  /** Starting probe for energies that are not warm-started (e.g. a zone-plate model); default: ePIE's own (mean pattern). */
  probeModel?: (source: FrameSource) => ComplexArray;
  /** Iterations for warm-started energies (default: epie.iterations). */
  warmIterations?: number;
  read?: CxiReadOptions;
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

/** The model probe for a cold start, or ePIE's mean-pattern guess (said in the progress) when the model cannot be sampled. */
function modelInit(opts: PtychoStageOptions, source: FrameSource, i: number, total: number): Pick<EpieOptions, 'probeInit'> {
  if (!opts.probeModel) return {};
  try {
    return { probeInit: { zonePlate: opts.probeModel(source) } };
  } catch (e) {
    opts.onProgress?.({ stage: 'ptycho', done: i, total, message: `warning: probe model unusable for ${source.label} (${(e as Error).message}); starting from the mean diffraction pattern` });
    return {};
  }
}

type WarmState = { object: ComplexArray; probe: ComplexArray; pixelSizeM: number; originM: [number, number] };

/**
 * Reconstructs every entry not yet done, in the given order, each warm-started from the
 * previous reconstruction's probe and from the object of `objectFrom(i)` (by default the
 * previous entry). Finished entries are never redone; a warm start after a resume reads
 * the saved state of the entry it starts from.
 */
export async function runPtychoStage(run: RunDir, entries: SeriesEntry[], opts: PtychoStageOptions): Promise<EnergyRecord[]> {
  const records: EnergyRecord[] = [];
  const tagOf = opts.tagOf ?? defaultTag;
  const objectFrom = opts.objectFrom ?? ((i: number) => i - 1);
  const describe = opts.describe ?? ((e: SeriesEntry) => `${e.energyEv.toFixed(1)} eV`);
  const total = entries.length;
  // The last reconstruction stays in memory (it is the next one's probe, and often object, source).
  let last: { index: number; state: WarmState } | null = null;
  const stateOf = async (j: number): Promise<WarmState> => {
    if (last?.index === j) return last.state;
    const s = await loadEnergyState(run, tagOf(entries[j], j));
    return { object: s.object, probe: s.probe, pixelSizeM: s.record.pixelSizeM, originM: s.record.originM };
  };
  for (const [i, entry] of entries.entries()) {
    throwIfAborted(opts.signal);
    const tag = tagOf(entry, i);
    const stageName = `ptycho/${tag}`;
    const what = describe(entry, i);
    if (run.isDone(stageName)) {
      records.push(await loadEnergyRecord(run, entry, tag));
      opts.onProgress?.({ stage: 'ptycho', done: i + 1, total, message: `${what} (done earlier)` });
      continue;
    }
    const t0 = Date.now();
    const source = await openCxiEntry(entry.file, entry.entry, opts.read);
    let result: EpieResult;
    let warm = false;
    try {
      let init: Pick<EpieOptions, 'probeInit' | 'objectInit'> = {};
      if (opts.warmStart && i > 0) {
        const from = objectFrom(i);
        const probeInit = warmStartInit(await stateOf(i - 1), source).probeInit;
        const objectInit = from !== null && from >= 0 ? warmStartInit(await stateOf(from), source).objectInit : undefined;
        init = { probeInit, ...(objectInit ? { objectInit } : {}) };
        warm = objectInit !== undefined;
      } else {
        init = modelInit(opts, source, i, total);
      }
      result = await reconstructEpie(source, {
        ...opts.epie,
        ...init,
        // A warm probe is already good: update it from the start, as reconstructSeries does;
        // a warm object as well needs fewer iterations.
        ...(init.probeInit && opts.warmStart && i > 0 ? { probeUpdateStart: 0 } : {}),
        ...(warm ? { iterations: opts.warmIterations ?? opts.epie.iterations } : {}),
        signal: opts.signal,
        onProgress: (ev) =>
          opts.onProgress?.({
            stage: 'ptycho',
            done: i + ev.done / Math.max(1, ev.total),
            total,
            message: `${what} (${i + 1}/${total}) iteration ${ev.done}/${ev.total}${ev.values?.error !== undefined ? ` error ${ev.values.error.toExponential(3)}` : ''}`,
            values: { energyEv: entry.energyEv, ...(entry.angleDeg !== undefined ? { angleDeg: entry.angleDeg } : {}), ...ev.values },
          }),
      });
    } finally {
      await source.close?.();
    }
    let saved: Awaited<ReturnType<typeof saveEnergy>> | undefined;
    await run.stage(
      stageName,
      async () => {
        saved = await saveEnergy(run, tag, result);
        return { outputs: saved.outputs, info: { energyEv: entry.energyEv, ...(entry.angleDeg !== undefined ? { angleDeg: entry.angleDeg } : {}), iterations: saved.record.iterations, finalError: saved.record.finalError, warmStart: warm } };
      },
      { startedMs: t0 },
    );
    records.push(saved!.record);
    last = { index: i, state: { object: result.object, probe: result.probe, pixelSizeM: result.pixelSizeM, originM: result.originM } };
    opts.onProgress?.({ stage: 'ptycho', done: i + 1, total, message: `${what} done, error ${saved!.record.finalError.toExponential(3)}` });
  }
  return records;
}
