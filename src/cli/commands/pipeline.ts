import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PtyxanesError } from '../../core/errors.ts';
import { runPipeline2d, type Pipeline2dOptions, type Pipeline2dResult } from '../../pipeline/pipeline2d.ts';
import { runPipeline3d, type Pipeline3dOptions } from '../../pipeline/pipeline3d.ts';
import { formatSummary3d } from './pipeline3d-summary.ts';
import type { CommandModule } from '../main.ts';
import { probeStartOptions } from '../../pipeline/probe-model.ts';
import { BACKEND_OPTION, EPIE_OPTIONS, READ_OPTIONS, energyRange, epieOptionsFrom, readOptionsFrom, zonePlateFrom, probeSizeFrom } from './common.ts';
import type { ChainOptions } from '../../pipeline/chain-options.ts';

export const spec: CommandModule['spec'] = {
  name: 'pipeline',
  summary: "the whole chain: 'pipeline 2d' from diffraction patterns to calibrated Ni oxidation-state maps, 'pipeline 3d' to oxidation-state volumes",
  usage: 'ptyxanes pipeline 2d|3d (--input DIR_OR_CXI | --preset 2d-small|3d-small) --out DIR [options]',
  positionals: ['2d|3d'],
  options: {
    input: { type: 'string', meta: 'PATH', help: 'simulated sample directory, CXI file with one entry per energy, or directory of CXI files' },
    preset: { type: 'string', meta: 'NAME', help: 'use the simulated sample NAME under samples/generated/, simulating it first if absent (e.g. 2d-small)' },
    out: { type: 'string', meta: 'DIR', help: 'run directory (results, maps, provenance)' },
    resume: { type: 'boolean', default: false, help: 'continue an interrupted run in --out without redoing finished energies' },
    force: { type: 'boolean', default: false, help: 'replace an existing run in --out' },
    ...BACKEND_OPTION,
    ...EPIE_OPTIONS,
    alpha: { type: 'number', help: 'ePIE object step size (default 0.25 for a series: less noise in −ln|O| than plain ePIE\'s 1)' },
    'warm-iterations': { type: 'int', meta: 'N', help: 'ePIE iterations for energies warm-started from their neighbour (default 30)' },
    'no-warm-start': { type: 'boolean', default: false, help: 'start every energy from scratch instead of from its neighbour' },
    'pixel-size-nm': { type: 'number', default: 40, meta: 'NM', help: 'common pixel size before registration (the paper: 40 nm)' },
    'allow-upsample': { type: 'boolean', default: false, help: 'use --pixel-size-nm even when finer than the reconstructions' },
    strategy: { type: 'string', default: 'reference', choices: ['reference', 'chain'], help: 'register every energy to one reference, or chain neighbours' },
    'reference-energy': { type: 'number', meta: 'EV', help: 'energy of the registration reference (default: highest)' },
    'upsample-factor': { type: 'int', default: 100, meta: 'U', help: 'registration precision 1/U pixel' },
    'registration-norm': { type: 'string', default: 'none', choices: ['none', 'phase'], help: "plain cross-correlation ('none', robust to the noise of −ln|O|) or phase correlation" },
    'edge-model': { type: 'string', default: 'shared', choices: ['shared', 'free'], help: "XANES edge fit: 'shared' (one 3-Gaussian shape, per-pixel scale and shift) or 'free' (9 parameters per pixel, as the paper; for spectra that differ in shape, e.g. Ni metal)" },
    'pre-edge': { type: 'list', meta: 'LO,HI', help: 'pre-edge range in eV (default 8270,8300)' },
    'post-edge': { type: 'list', meta: 'LO,HI', help: 'post-edge range in eV (default 8400,8420)' },
    'fit-range': { type: 'list', meta: 'LO,HI', help: 'energy range of the 3-Gaussian edge fit in eV' },
    calibration: { type: 'string', meta: 'JSON', help: 'edge-energy → oxidation-state calibration (default: shipped NiO/LiNiO2 line)' },
    'sirt-iterations': { type: 'int', meta: 'N', help: '3d: SIRT iterations per energy after alignment (default 100)' },
    'dry-run': { type: 'boolean', default: false, help: '3d with --preset: print the task count, projected time per stage (ePIE cost measured now on this CPU), disk and peak memory, and run nothing' },
    components: { type: 'int', meta: 'K', help: '3d: principal components of the spectra kept before the fit (default 4; 0: all)' },
    smooth: { type: 'number', meta: 'VOXELS', help: '3d: Gaussian smoothing σ of the volumes before the per-voxel fit (default 0.9; 0: none)' },
    'warm-from': { type: 'string', default: 'previous', choices: ['previous', 'same-angle'], help: "3d: warm starts from the 'previous' reconstruction (one chain) or 'same-angle': object from the same angle at the previous energy, probe from the energy's first angle (an energy's angles run side by side on a cluster)" },
    'tomo-mode': { type: 'string', default: 'each', choices: ['each', 'shared'], help: "3d: align each energy's tomogram on its own ('each': one scan per energy, as the paper) or share one alignment" },
    ...READ_OPTIONS,
  },
  examples: [
    'ptyxanes pipeline 2d --preset 2d-small --out runs/2d-small',
    'ptyxanes pipeline 2d --input scan_0042.cxi --out runs/scan42 --iterations 100 --backend gpu',
    'ptyxanes pipeline 2d --input scan_0042.cxi --out runs/scan42 --resume',
    'ptyxanes pipeline 2d --config pipeline.json --out runs/a --json > summary.json',
    'ptyxanes pipeline 3d --input samples/generated/3d-small --out runs/3d-small [--resume]',
  ],
};

function fmtTruth(r: Pipeline2dResult): string[] {
  if (!r.truth) return [];
  const t = r.truth;
  return [
    `  vs ground truth:  RMS error ${t.rmsError.toFixed(3)} valence over ${t.pixels} crystal pixels (bias ${t.bias >= 0 ? '+' : ''}${t.bias.toFixed(3)}); truth Ni${t.truthMean.toFixed(2)}+ ± ${t.truthStd.toFixed(3)}, correlation ${t.correlation.toFixed(2)}`,
    ...(t.driftErrorPx !== undefined ? [`  registration vs simulated drifts: max error ${t.driftErrorPx.toFixed(3)} px`] : []),
  ];
}

export function formatSummary(r: Pipeline2dResult): string {
  const x = r.xanes;
  const lines = [
    `ptyxanes pipeline 2d: ${r.energiesEv.length} energies (${r.energiesEv[0].toFixed(1)}–${r.energiesEv[r.energiesEv.length - 1].toFixed(1)} eV), backend ${r.backend}`,
    ...r.warnings.map((w) => `  warning: ${w}`),
    `  Ni oxidation state (${r.edgeModel} edge model): mean ${x.oxidationMean.toFixed(3)}, median ${x.oxidationMedian.toFixed(3)}, 5–95% ${x.oxidationP05.toFixed(2)}–${x.oxidationP95.toFixed(2)} over ${x.nFitted} pixels; median uncertainty ±${x.medianOxidationStd.toFixed(3)}`,
    ...fmtTruth(r),
    `  grid: ${r.grid.shape[1]}×${r.grid.shape[0]} pixels of ${(r.grid.pixelSizeM * 1e9).toFixed(1)} nm`,
    `  time: ${Object.entries(r.timingsS)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}`,
    `  maps: ${r.files.oxidationState}`,
    `        ${r.files.uncertainty}`,
    `        ${r.files.histogramPng}`,
    `  all results: ${r.files.resultsH5} (summary ${r.files.summary})`,
  ];
  return lines.join('\n');
}

export const run: CommandModule['run'] = async ({ options: o, positionals }, io) => {
  const kind = positionals[0];
  if (kind !== '2d' && kind !== '3d') throw new PtyxanesError("which pipeline? use 'pipeline 2d' or 'pipeline 3d'", { expected: '2d or 3d', found: kind ?? 'nothing' });
  if (kind === '3d' && o['dry-run']) {
    if (!o.preset) throw new PtyxanesError('--dry-run needs --preset NAME (or a simulation config JSON)', { field: '--preset', expected: 'e.g. 3d-paper', found: 'nothing' });
    const { resolveConfig } = await import('../../sim/resolve.ts');
    const { planPipeline3d, formatPlan3d } = await import('../../pipeline/plan3d.ts');
    const plan = await planPipeline3d(resolveConfig(String(o.preset)), { warmIterations: o['warm-iterations'] as number | undefined, pixelSizeM: (o['pixel-size-nm'] as number) * 1e-9 });
    io.out(o.json ? JSON.stringify(plan, null, 2) : formatPlan3d(plan));
    return 0;
  }
  const rep = io.progress({ quiet: o.quiet as boolean });
  const built = await pipelineOptionsFrom(o, kind, rep, io.signal);
  if (built.kind === '3d') {
    const r = await runPipeline3d(built.opts);
    rep.done();
    io.out(o.json ? JSON.stringify(r, null, 2) : formatSummary3d(r));
    return 0;
  }
  const result = await runPipeline2d(built.opts);
  rep.done();
  if (o.json) io.out(JSON.stringify(result, null, 2));
  else io.out(formatSummary(result));
  return 0;
};

/** The options of `pipeline 2d|3d` (and `plan 2d|3d`), read from the command line once; a --preset is simulated first if absent. */
export async function pipelineOptionsFrom(
  o: Record<string, unknown>,
  kind: '2d' | '3d',
  rep: { log(s: string): void; onProgress: ChainOptions['onProgress'] },
  signal?: AbortSignal,
): Promise<{ kind: '2d'; opts: Pipeline2dOptions } | { kind: '3d'; opts: Pipeline3dOptions }> {
  if (!o.out) throw new PtyxanesError('missing --out DIR');
  let input = o.input as string | undefined;
  if (!input && o.preset) {
    input = join('samples', 'generated', String(o.preset));
    if (!existsSync(join(input, 'manifest.json'))) {
      rep.log(`simulating sample '${o.preset}' into ${input} (first run only)`);
      const { simulate } = await import('../../sim/index.ts');
      await simulate(String(o.preset), { outDir: input, force: existsSync(input), onProgress: rep.onProgress, signal });
    }
  }
  if (!input) throw new PtyxanesError('missing --input PATH (or --preset NAME)');
  // The flags both chains share, read once.
  const chain: ChainOptions = {
    input,
    outDir: o.out as string,
    resume: o.resume as boolean,
    force: o.force as boolean,
    backend: o.backend as 'auto',
    epie: epieOptionsFrom(o),
    warmStart: !(o['no-warm-start'] as boolean),
    warmIterations: o['warm-iterations'] as number | undefined,
    probeInit: o['probe-init'] as 'zone-plate',
    probeSizeM: probeSizeFrom(o),
    zonePlate: zonePlateFrom(o),
    pixelSizeM: (o['pixel-size-nm'] as number) * 1e-9,
    allowUpsample: o['allow-upsample'] as boolean,
    referenceEnergyEv: o['reference-energy'] as number | undefined,
    edgeModel: o['edge-model'] as 'shared',
    preEdgeEv: energyRange(o['pre-edge'], 'pre-edge'),
    postEdgeEv: energyRange(o['post-edge'], 'post-edge'),
    fitRangeEv: energyRange(o['fit-range'], 'fit-range'),
    calibrationFile: o.calibration as string | undefined,
    read: readOptionsFrom(o),
    onProgress: rep.onProgress,
    signal,
  };
  // A generic probe start without its size fails here, before a run folder is made.
  if (chain.probeInit === 'aperture' || chain.probeInit === 'gaussian') probeStartOptions(chain.probeInit, { sizeM: chain.probeSizeM });
  if (kind === '3d') {
    return {
      kind,
      opts: {
        ...chain,
        sirtIterations: o['sirt-iterations'] as number | undefined,
        smoothSigmaVoxels: o.smooth as number | undefined,
        spectralComponents: o.components as number | undefined,
        tomoMode: o['tomo-mode'] as 'each',
        warmFrom: o['warm-from'] as 'previous',
      },
    };
  }
  return {
    kind,
    opts: {
      ...chain,
      strategy: o.strategy as 'reference',
      upsampleFactor: o['upsample-factor'] as number,
      registrationNormalization: o['registration-norm'] as 'none',
    },
  };
}
