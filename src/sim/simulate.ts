/**
 * `simulate(presetOrConfig, { outDir, … })`: runs the experiment and writes it to disk —
 * CXI files of the diffraction data, float32 TIFF ground truth and manifest.json (layout in
 * src/sim/README.md). Everything is written under a temporary sibling directory that is
 * renamed to outDir only when complete, so an interrupted run never leaves a
 * complete-looking output. Memory is bounded by one block of frames, the fine-grid
 * projection and one object per energy (streaming CxiWriter / TiffWriter).
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { abs, angle } from '../core/arrays.ts';
import { PtyxanesError } from '../core/errors.ts';
import type { RunControl } from '../core/progress.ts';
import type { Backend } from '../gpu/backend.ts';
import type { GpuContext } from '../gpu/context.ts';
import { CxiWriter } from '../io/cxi.ts';
import { writeJson } from '../io/files.ts';
import { TiffWriter, writeTiff } from '../io/tiff.ts';
import type { SimConfig } from './config.ts';
import { planExperiment, planProbe, runExperiment, type EntryInfo } from './experiment.ts';
import { forwardFftFor } from './fft-backend.ts';
import { buildManifest, type CxiEntryRecord, type SimManifest } from './manifest.ts';
import { resolveConfig } from './resolve.ts';
import { truthMaps, truthVolume } from './truth.ts';
import { pathExists as exists } from '../io/files.ts';

export interface SimulateOptions extends RunControl {
  outDir: string;
  /** Overrides the preset's seed. */
  seed?: number;
  /** Replace an existing outDir. */
  force?: boolean;
  /** FFT backend for the far field ('auto': the GPU for crops ≥ 128 when an adapter exists). */
  backend?: Backend;
  ctx?: GpuContext;
}

export interface SimulateResult {
  outDir: string;
  manifest: SimManifest;
  warnings: string[];
}

export async function simulate(presetOrConfig: string | SimConfig, opts: SimulateOptions): Promise<SimulateResult> {
  const config = resolveConfig(presetOrConfig, opts.seed);
  const outDir = resolve(opts.outDir);
  if ((await exists(outDir)) && !opts.force) {
    throw new PtyxanesError('output path already exists (use --force to replace it)', { file: outDir });
  }
  const plan = planExperiment(config);
  for (const w of plan.warnings) opts.onProgress?.({ stage: 'simulate', done: 0, total: 1, message: `warning: ${w}` });
  const tmp = `${outDir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, 'truth'), { recursive: true });
  const nE = plan.energiesEv.length;
  const nA = plan.anglesDeg?.length ?? 1;
  const n = config.detector.crop;
  const nPos = plan.positionsM.length / 2;
  const writers: CxiWriter[] = [];
  const tiffs: TiffWriter[] = [];
  try {
    const fft = await forwardFftFor(opts.backend ?? 'auto', n, opts.ctx);
    const cxiFiles = config.kind === '2d' ? ['data.cxi'] : plan.energiesEv.map((e) => `data-${e.toFixed(1)}eV.cxi`);
    const compression = config.output?.compression || undefined;
    for (const f of cxiFiles) writers.push(await CxiWriter.create(join(tmp, f), { compression }));
    const [h, w] = [plan.grids[0].ny, plan.grids[0].nx];
    const objMod = await TiffWriter.create(join(tmp, 'truth/object-modulus.tif'), { pages: nE, height: h, width: w }, { description: 'object modulus |O| per energy (3D: angle index 0); pixel size per energy in manifest.json' });
    const objPha = await TiffWriter.create(join(tmp, 'truth/object-phase.tif'), { pages: nE, height: h, width: w }, { description: 'object phase arg O (rad) per energy (3D: angle index 0)' });
    tiffs.push(objMod, objPha);
    const withErrors = (config.scan.positionErrorM ?? 0) > 0;
    const posErr = withErrors ? await TiffWriter.create(join(tmp, 'truth/position-errors.tif'), { pages: nE * nA, height: nPos, width: 2 }, { description: 'actual − nominal probe position (m), x then y, one page per CXI entry in manifest order' }) : null;
    if (posErr) tiffs.push(posErr);
    const records: CxiEntryRecord[] = [];
    const truthFiles: Record<string, string> = {};
    let current = 0; // writer of the open entry

    const run = await runExperiment(
      plan,
      {
        async angleRendered(ia, maps) {
          if (ia !== 0) return;
          const t = truthMaps(plan, maps);
          const px = { pixelSizeM: t.grid.pixelM };
          if (config.kind === '2d') {
            await writeTiff(join(tmp, 'truth/oxidation-state.tif'), t.stateMap, { ...px, description: 'thickness-weighted mean Ni oxidation state along the beam; NaN: no material' });
            truthFiles.oxidationState = 'truth/oxidation-state.tif';
          } else {
            await writeTiff(join(tmp, 'truth/oxidation-state-projection.tif'), t.stateMap, { ...px, description: 'angle 0 projection: thickness-weighted mean Ni oxidation state; NaN: no material' });
            truthFiles.oxidationStateProjection = 'truth/oxidation-state-projection.tif';
          }
          await writeTiff(join(tmp, 'truth/thickness.tif'), t.thicknessM, { ...px, description: 'projected material thickness (m)' });
          await writeTiff(join(tmp, 'truth/crystal-labels.tif'), t.labels, { ...px, description: '1 + index of the crystal (manifest truth.crystals), 0: none' });
          truthFiles.thickness = 'truth/thickness.tif';
          truthFiles.crystalLabels = 'truth/crystal-labels.tif';
        },
        async beginEntry(info: EntryInfo) {
          current = config.kind === '2d' ? 0 : info.ie;
          const writer = writers[current];
          await writer.beginEntry({
            dtype: config.detector.saturationCounts <= 65535 ? 'uint16' : 'uint32',
            shape: [nPos, n, n],
            positionsM: plan.positionsM,
            energyEv: info.energyEv,
            detectorDistanceM: config.detector.distanceM,
            detectorPixelM: [config.detector.pixelM, config.detector.pixelM],
            validMask: plan.mask,
            ...(info.angleDeg !== undefined ? { angleDeg: info.angleDeg } : {}),
            attrs: { simulator: 'ptyxanes', preset: config.name, objectPixelSizeM: info.grid.pixelM },
          });
          records.push({ file: config.kind === '2d' ? cxiFiles[0] : cxiFiles[info.ie], entry: writer.entries.at(-1)!, energyEv: info.energyEv, ...(info.angleDeg !== undefined ? { angleDeg: info.angleDeg } : {}), nFrames: nPos });
          if (info.ia === 0) {
            await objMod.writePages(abs(info.object).data);
            await objPha.writePages(angle(info.object).data);
          }
          if (posErr) await posErr.writePages(Float32Array.from(info.actualPositionsM, (x, i) => x - plan.positionsM[i]));
        },
        async appendFrames(block) {
          await writers[current].appendFrames(block.frames as Uint16Array | Uint32Array);
        },
        async endEntry() {
          await writers[current].endEntry();
        },
      },
      { onProgress: opts.onProgress, signal: opts.signal, fft },
    );
    for (const wr of writers) await wr.close();
    for (const t of tiffs) await t.close();
    truthFiles.objectModulus = 'truth/object-modulus.tif';
    truthFiles.objectPhase = 'truth/object-phase.tif';
    if (posErr) truthFiles.positionErrors = 'truth/position-errors.tif';

    // Probes (small: nE × N²) and, for 3D, the truth volume.
    const probeMod = new Float32Array(nE * n * n);
    const probePha = new Float32Array(nE * n * n);
    plan.energiesEv.forEach((_, ie) => {
      const p = planProbe(plan, ie);
      probeMod.set(abs(p).data, ie * n * n);
      probePha.set(angle(p).data, ie * n * n);
    });
    await writeTiff(join(tmp, 'truth/probe-modulus.tif'), { data: probeMod, shape: [nE, n, n] }, { description: 'probe modulus per energy; |FFT(P·O)|² = expected counts' });
    await writeTiff(join(tmp, 'truth/probe-phase.tif'), { data: probePha, shape: [nE, n, n] }, { description: 'probe phase (rad) per energy' });
    truthFiles.probeModulus = 'truth/probe-modulus.tif';
    truthFiles.probePhase = 'truth/probe-phase.tif';
    let volumeGrid;
    if (config.kind === '3d') {
      const vol = truthVolume(plan);
      const g = vol.grid;
      volumeGrid = g;
      const shape = [g.nz, g.ny, g.nx];
      const meta = { pixelSizeM: g.voxelM, spacingM: g.voxelM };
      await writeTiff(join(tmp, 'truth/oxidation-state.tif'), { data: vol.state, shape }, { ...meta, description: 'Ni oxidation state volume [z,y,x] at angle 0; NaN: empty' });
      await writeTiff(join(tmp, 'truth/occupancy.tif'), { data: vol.occupancy, shape }, { ...meta, description: 'fraction of each voxel inside a crystal' });
      await writeTiff(join(tmp, 'truth/crystal-labels-volume.tif'), { data: vol.labels, shape }, { ...meta, description: '1 + crystal index, 0: empty' });
      truthFiles.oxidationState = 'truth/oxidation-state.tif';
      truthFiles.occupancy = 'truth/occupancy.tif';
      truthFiles.crystalLabelsVolume = 'truth/crystal-labels-volume.tif';
    }
    const manifest = buildManifest(plan, { cxi: records, truthFiles, volumeGrid, statistics: { ...run, meanCountsPerFrame: run.totalCounts / Math.max(1, run.frames) } });
    await writeJson(join(tmp, 'manifest.json'), manifest);
    if (opts.force) await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
    opts.onProgress?.({ stage: 'simulate', done: nE * nA * nPos, total: nE * nA * nPos, message: `wrote ${outDir}` });
    return { outDir, manifest, warnings: plan.warnings };
  } catch (err) {
    for (const wr of writers) await wr.abort().catch(() => undefined);
    for (const t of tiffs) await t.abort().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

