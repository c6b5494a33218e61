import { join } from 'node:path';
import { PtyxanesError } from '../../core/errors.ts';
import { readAngles } from '../../io/angles.ts';
import { pathExists } from '../../io/files.ts';
import { readTiff, TiffRowReader, TiffWriter } from '../../io/tiff.ts';
import { alignProjections, fbp, makeGeometry, sirt, DEFAULT_SIRT_ITERATIONS, FBP_FILTERS, type FbpFilter } from '../../tomo/index.ts';
import { checkFinite } from '../../tomo/geometry.ts';
import { sirtSlabs } from '../../tomo/sirt.ts';
import { OrthogonalPlanes, VOLUME_DESCRIPTION, writeTomoOutputs } from '../../tomo/outputs.ts';
import { VERSION } from '../../version.ts';
import type { CommandModule } from '../main.ts';
import { BACKEND_OPTION } from './common.ts';

export const spec: CommandModule['spec'] = {
  name: 'tomo',
  summary: 'parallel-beam tomography of a projection stack: alignment by reprojection, SIRT or FBP',
  usage: 'ptyxanes tomo --input PROJECTIONS.tif --angles FILE --out DIR [--align] [options]',
  options: {
    input: { type: 'string', meta: 'TIFF', help: 'projections [angle, rows, cols], float32 TIFF (rows along the rotation axis), e.g. −ln|O| per angle' },
    angles: { type: 'string', meta: 'FILE', help: 'angles in degrees: JSON list or {"degrees": [...]}, or text one per line' },
    out: { type: 'string', meta: 'DIR', help: 'writes volume.tif, slices.png, summary.json (+ aligned_projections.tif, shifts.csv, alignment.csv/png with --align, residuals.csv/png for SIRT)' },
    algorithm: { type: 'string', default: 'sirt', choices: ['sirt', 'fbp'], help: 'SIRT (ASTRA SIRT3D update) or filtered back projection' },
    iterations: { type: 'int', meta: 'N', help: `SIRT iterations (default ${DEFAULT_SIRT_ITERATIONS}, the reference paper's)` },
    relaxation: { type: 'number', help: 'SIRT relaxation λ (default 1)' },
    min: { type: 'number', help: 'clamp the volume below (e.g. 0 for attenuation)' },
    max: { type: 'number', help: 'clamp the volume above' },
    subsets: { type: 'int', default: 1, meta: 'S', help: 'ordered subsets (OS-SIRT): 1 is SIRT as ASTRA; S > 1 updates once per subset of every S-th angle, converging in far fewer iterations (noisy data: keep several angles per subset)' },
    'fbp-start': { type: 'boolean', default: false, help: 'start SIRT from the FBP volume' },
    filter: { type: 'string', default: 'ramp', choices: [...FBP_FILTERS], help: 'FBP window' },
    centre: { type: 'number', meta: 'PX', help: 'rotation axis column (default: detector centre; estimated with --align unless given)' },
    'reverse-rotation': { type: 'boolean', default: false, help: 'the angles turn the object the other way (θ → −θ)' },
    'flip-detector': { type: 'boolean', default: false, help: 'mirror the detector columns (data from the opposite detector convention)' },
    'voxel-size-nm': { type: 'number', meta: 'NM', help: 'projection pixel size = voxel size (metadata of the outputs)' },
    align: { type: 'boolean', default: false, help: 'align the projections by iterative reprojection first (shifts + rotation axis)' },
    'align-levels': { type: 'string', default: '4,2,1', meta: 'B,B,…', help: 'binning per alignment level, coarse to fine' },
    'align-iterations': { type: 'int', default: 20, meta: 'N', help: 'alignment passes per level at most' },
    'align-tolerance': { type: 'number', default: 0.05, meta: 'PX', help: 'stop a level when the largest shift update is below this' },
    'align-sirt': { type: 'int', meta: 'N', help: 'SIRT iterations per alignment pass, warm-started (default 3 with subsets, 10 without)' },
    'align-subsets': { type: 'int', default: 20, meta: 'S', help: 'ordered subsets of the alignment passes\' SIRT (at most the angle count)' },
    'align-correlation': { type: 'string', default: 'plain', choices: ['plain', 'phase'], help: 'registration of projections to reprojections' },
    'no-vertical': { type: 'boolean', default: false, help: 'align horizontally only' },
    'slab-rows': { type: 'int', meta: 'N', help: 'stream: read N projection rows at a time from the TIFF and write the volume slab by slab (memory: one slab, any volume size; SIRT without --align)' },
    'gpu-budget-mb': { type: 'number', default: 1024, meta: 'MB', help: 'GPU memory for slab buffers; volumes stream through it in slabs of z' },
    force: { type: 'boolean', default: false, help: 'overwrite an existing result in --out' },
    ...BACKEND_OPTION,
  },
  examples: [
    'ptyxanes tomo --input projections.tif --angles angles.json --out tomo --align --min 0',
    'ptyxanes tomo --input projections.tif --angles angles.txt --out fbp --algorithm fbp --filter shepp-logan --centre 127.5',
  ],
};

export const run: CommandModule['run'] = async ({ options: o }, io) => {
  if (!o.input) throw new PtyxanesError('missing --input PROJECTIONS.tif');
  if (!o.angles) throw new PtyxanesError('missing --angles FILE');
  if (!o.out) throw new PtyxanesError('missing --out DIR');
  const input = o.input as string;
  const dir = o.out as string;
  if (!o.force && (await pathExists(join(dir, 'summary.json')))) {
    throw new PtyxanesError('a tomography result is already there; refusing to overwrite (use --force)', { file: join(dir, 'summary.json'), expected: 'an empty or new folder', found: 'summary.json' });
  }
  const anglesDeg = await readAngles(o.angles as string);
  if (o['slab-rows'] !== undefined) return streamed(o, io, anglesDeg);
  let t: { data: Float32Array; shape: number[] };
  try {
    t = await readTiff(input);
  } catch (e) {
    if (e instanceof PtyxanesError) throw e;
    throw new PtyxanesError('cannot read the TIFF', { file: input, expected: 'a float32 (or integer) TIFF stack', found: (e as Error).message.split('\n')[0] });
  }
  const shape = t.shape.length === 2 ? [1, ...t.shape] : t.shape;
  if (shape.length !== 3) throw new PtyxanesError('expected a projection stack', { file: input, expected: '[angles, rows, cols]', found: `[${t.shape.join(', ')}]` });
  const projections = { data: t.data, shape };
  const voxelSizeM = o['voxel-size-nm'] !== undefined ? (o['voxel-size-nm'] as number) * 1e-9 : undefined;
  const rep = io.progress({ quiet: o.quiet as boolean });
  const common = {
    backend: o.backend as 'auto',
    centreCol: o.centre as number | undefined,
    rotationSense: (o['reverse-rotation'] ? -1 : 1) as 1 | -1,
    flipDetector: o['flip-detector'] as boolean,
    onProgress: rep.onProgress,
    signal: io.signal,
    file: input,
    gpuBudgetBytes: (o['gpu-budget-mb'] as number) * 1024 * 1024,
  };
  const t0 = performance.now();
  let align: Awaited<ReturnType<typeof alignProjections>> | null = null;
  let proj = projections;
  let centreCol = common.centreCol;
  if (o.align) {
    const levels = String(o['align-levels']).split(',').map(Number);
    if (!levels.every((b) => Number.isInteger(b) && b >= 1)) throw new PtyxanesError('alignment levels must be whole binning factors', { field: '--align-levels', expected: 'e.g. 4,2,1', found: String(o['align-levels']) });
    align = await alignProjections(projections, anglesDeg, {
      ...common,
      levels,
      maxIterations: o['align-iterations'] as number,
      tolerancePx: o['align-tolerance'] as number,
      sirtIterations: o['align-sirt'] as number | undefined,
      subsets: Math.min(o['align-subsets'] as number, anglesDeg.length),
      normalization: o['align-correlation'] === 'phase' ? 'phase' : null,
      vertical: !o['no-vertical'],
      min: o.min as number | undefined,
      max: o.max as number | undefined,
    });
    proj = align.aligned as typeof proj;
    centreCol = align.centreCol;
  }
  const algorithm = o.algorithm as 'sirt' | 'fbp';
  const filter = o.filter as FbpFilter;
  let volume;
  let residuals: Float64Array | undefined;
  let backend: string;
  let gpu: { slabRows: number; slabBytes: number } | null = null;
  if (algorithm === 'fbp') {
    const f = await fbp(proj, anglesDeg, { ...common, centreCol, filter });
    volume = f.volume;
    backend = f.backend;
  } else {
    const start = o['fbp-start'] ? (await fbp(proj, anglesDeg, { ...common, centreCol, filter })).volume : align?.volume;
    const s = await sirt(proj, anglesDeg, {
      ...common,
      centreCol,
      iterations: (o.iterations as number | undefined) ?? DEFAULT_SIRT_ITERATIONS,
      relaxation: o.relaxation as number | undefined,
      min: o.min as number | undefined,
      max: o.max as number | undefined,
      subsets: o.subsets as number,
      initial: start,
    });
    volume = s.volume;
    residuals = s.residuals;
    backend = s.backend;
    if (s.backend === 'gpu') gpu = { slabRows: s.slabRows, slabBytes: s.gpuBytes };
  }
  const seconds = (performance.now() - t0) / 1000;
  rep.done();
  const summary = {
    ptyxanes: VERSION,
    input,
    angles: o.angles,
    projections: shape,
    volume: volume.shape,
    voxelSizeM: voxelSizeM ?? null,
    algorithm,
    iterations: algorithm === 'sirt' ? residuals?.length : undefined,
    subsets: algorithm === 'sirt' ? o.subsets : undefined,
    filter: algorithm === 'fbp' || o['fbp-start'] ? filter : undefined,
    backend,
    centreCol: centreCol ?? (shape[2] - 1) / 2,
    axisEstimated: !!align && common.centreCol === undefined,
    rotationSense: common.rotationSense,
    flipDetector: common.flipDetector,
    alignment: align ? { passes: align.passes.length, converged: align.converged, stalled: align.stalled, seconds: align.seconds, rmsShiftPx: rms(align.shifts) } : null,
    finalResidual: residuals?.[residuals.length - 1] ?? null,
    seconds,
    // Peak resident memory of the process (projections, volume, per-thread slice scratch;
    // GPU slab buffers are bounded by --gpu-budget, 1 GiB by default).
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    gpu,
  };
  const files = await writeTomoOutputs(dir, { volume, voxelSizeM, anglesDeg, aligned: align?.aligned, shifts: align?.shifts, residuals, passes: align?.passes, summary });
  if (o.json) io.out(JSON.stringify({ ...summary, out: dir, files }, null, 2));
  else {
    io.out(`tomography (${algorithm}${algorithm === 'sirt' ? `, ${residuals?.length} iterations` : `, ${filter}`}, ${backend}) of ${shape[0]} projections ${shape[2]}×${shape[1]} → volume ${volume.shape.join('×')} in ${seconds.toFixed(1)} s → ${dir}`);
    if (align) io.out(`  aligned in ${align.passes.length} passes (${align.converged ? 'converged' : align.stalled ? 'stalled: the largest update stopped improving' : 'iteration cap reached'}): axis at column ${align.centreCol.toFixed(2)}, RMS shift ${rms(align.shifts).toFixed(2)} px`);
    if (residuals?.length) io.out(`  residual ${residuals[0].toExponential(3)} → ${residuals[residuals.length - 1].toExponential(3)}`);
  }
  return 0;
};

/** SIRT streamed slab by slab from the projection TIFF into volume.tif (--slab-rows). */
async function streamed(o: Record<string, unknown>, io: Parameters<CommandModule['run']>[1], anglesDeg: Float64Array): Promise<number> {
  const input = o.input as string;
  const dir = o.out as string;
  const slabRows = o['slab-rows'] as number;
  if (!(slabRows >= 1)) throw new PtyxanesError('slab rows must be at least 1', { field: '--slab-rows', expected: '≥ 1', found: String(slabRows) });
  if (o.align || o['fbp-start'] || o.algorithm !== 'sirt') {
    throw new PtyxanesError('streaming reconstructs by SIRT from the file as it is', { field: '--slab-rows', expected: 'SIRT without --align or --fbp-start (align first, then stream aligned_projections.tif)', found: o.align ? '--align' : o['fbp-start'] ? '--fbp-start' : `--algorithm ${o.algorithm}` });
  }
  const reader = await TiffRowReader.open(input);
  const voxelSizeM = o['voxel-size-nm'] !== undefined ? (o['voxel-size-nm'] as number) * 1e-9 : undefined;
  const rep = io.progress({ quiet: o.quiet as boolean });
  const t0 = performance.now();
  let writer: TiffWriter | null = null;
  try {
    if (anglesDeg.length !== reader.pages) throw new PtyxanesError('angle count differs from projection count', { file: input, field: 'angles', expected: `${reader.pages} angles (one per projection)`, found: String(anglesDeg.length) });
    const g = makeGeometry({ anglesDeg, rows: reader.height, cols: reader.width, centreCol: o.centre as number | undefined, rotationSense: o['reverse-rotation'] ? -1 : 1, flipDetector: o['flip-detector'] as boolean }, input);
    const shape: [number, number, number] = [g.rows, g.ny, g.nx];
    writer = await TiffWriter.create(join(dir, 'volume.tif'), { pages: g.rows, height: g.ny, width: g.nx }, { pixelSizeM: voxelSizeM, spacingM: voxelSizeM, description: VOLUME_DESCRIPTION });
    const planes = new OrthogonalPlanes(shape);
    const w = writer;
    const r = await sirtSlabs(
      g,
      {
        read: async (z0, n) => {
          const d = await reader.read(z0, n);
          checkFinite(d, [g.nAngles, n, g.cols], `projections (rows from ${z0})`, input);
          return d;
        },
        slab: (_z0, n) => new Float32Array(n * g.ny * g.nx),
        write: async (z0, n, slab) => {
          await w.writePages(slab);
          planes.add(z0, n, slab);
        },
      },
      {
        backend: o.backend as 'auto',
        iterations: (o.iterations as number | undefined) ?? DEFAULT_SIRT_ITERATIONS,
        relaxation: o.relaxation as number | undefined,
        min: o.min as number | undefined,
        max: o.max as number | undefined,
        subsets: o.subsets as number,
        slabRows,
        gpuBudgetBytes: (o['gpu-budget-mb'] as number) * 1024 * 1024,
        onProgress: rep.onProgress,
        signal: io.signal,
      },
    );
    await writer.close();
    rep.done();
    const seconds = (performance.now() - t0) / 1000;
    const summary = {
      ptyxanes: VERSION,
      input,
      angles: o.angles,
      projections: [g.nAngles, g.rows, g.cols],
      volume: shape,
      voxelSizeM: voxelSizeM ?? null,
      algorithm: 'sirt',
      streamed: { slabRows: r.slabRows },
      iterations: r.residuals.length,
      backend: r.backend,
      centreCol: g.centreCol,
      finalResidual: r.residuals[r.residuals.length - 1] ?? null,
      seconds,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      gpu: r.backend === 'gpu' ? { slabRows: r.slabRows, slabBytes: r.gpuBytes } : null,
    };
    const files = await writeTomoOutputs(dir, { volume: planes, voxelSizeM, anglesDeg, residuals: r.residuals, summary });
    if (o.json) io.out(JSON.stringify({ ...summary, out: dir, files }, null, 2));
    else io.out(`tomography (sirt, ${r.residuals.length} iterations, ${r.backend}, streamed in slabs of ${r.slabRows} rows) of ${g.nAngles} projections ${g.cols}×${g.rows} → volume ${shape.join('×')} in ${seconds.toFixed(1)} s → ${dir}`);
    return 0;
  } catch (e) {
    await writer?.abort();
    throw e;
  } finally {
    await reader.close();
  }
}

function rms(shifts: Float64Array): number {
  let s = 0;
  for (const v of shifts) s += v * v;
  return Math.sqrt((2 * s) / Math.max(1, shifts.length));
}
