import { join } from 'node:path';
import { PtyxanesError } from '../../core/errors.ts';
import { analyseStateMap, compareSamples, type AnalysisResult } from '../../analysis/index.ts';
import { writeAnalysisOutputs, writeComparisonOutputs } from '../../analysis/outputs.ts';
import { readAnalysisInput } from '../../analysis/read-input.ts';
import { DEFAULT_LCF_REFERENCES, lcfOfRun, resolveReferences, type LcfRunSummary } from '../../analysis/lcf-run.ts';
import type { CommandModule } from '../main.ts';

export const spec: CommandModule['spec'] = {
  name: 'analyse',
  summary: 'crystals, surface-to-core profiles, diffusion / core–shell fits, slabs and sample comparisons from oxidation-state maps or volumes',
  usage: 'ptyxanes analyse --input RUN_OR_TIFF[,…] --out DIR [options]',
  options: {
    input: { type: 'list', meta: 'PATH[,PATH…]', help: 'a pipeline run directory, a `ptyxanes fit` output directory, or an oxidation-state TIFF (map or volume); several = one sample each, compared' },
    names: { type: 'list', meta: 'NAME[,…]', help: 'sample names for the comparison (default: the input names)' },
    out: { type: 'string', meta: 'DIR', help: 'output directory (one subdirectory per sample when several)' },
    uncertainty: { type: 'string', meta: 'TIFF', help: 'per-pixel standard error of the state (default: the run\'s oxidation_state_std.tif)' },
    'edge-step': { type: 'string', meta: 'TIFF', help: 'edge step (thickness) map for the material mask (default: the run\'s edge_step.tif; none: finite pixels)' },
    'pixel-size-nm': { type: 'number', meta: 'NM', help: 'pixel size (default: run.json or the TIFF resolution tags)' },
    threshold: { type: 'number', default: 3, help: 'oxidation state for "fraction above" and slabs' },
    'mask-threshold': { type: 'number', help: 'edge-step threshold of the material mask (default: Otsu)' },
    split: { type: 'boolean', default: true, help: 'split touching crystals (distance-transform watershed); --no-split keeps connected regions whole' },
    'split-depth-px': { type: 'number', help: 'smallest neck depth (px) that separates two crystals (default 2)' },
    'min-crystal-px': { type: 'int', help: 'smallest crystal in pixels/voxels (default 9)' },
    'bin-nm': { type: 'number', help: 'depth bin of the profiles (default: one pixel)' },
    'include-border': { type: 'boolean', default: false, help: 'include crystals cut by the map border in the mean profile' },
    geometry: { type: 'string', default: 'sphere', choices: ['sphere', 'slab', 'semi-infinite'], help: 'diffusion geometry: into a sphere of the crystal\'s inscribed radius, a slab of that half-thickness, or a half-space' },
    'time-h': { type: 'number', meta: 'HOURS', help: 'effective diffusion time, to turn Dt into D (m²/s)' },
    'time-err-h': { type: 'number', meta: 'HOURS', help: 'standard error of the effective time' },
    lcf: { type: 'boolean', default: false, help: 'also fit each pixel\'s spectrum (the run\'s registered stack) by the references: phase fractions, LCF state, comparison with the edge method, into OUT/lcf' },
    references: { type: 'list', meta: 'ID|FILE:VALENCE,…', help: `LCF references: shipped ids (nio, liNiO2, laNiO3, niFe2O4, niCo2O4, niFoil) or a spectrum file with its valence (default ${'nio,liNiO2'})` },
  },
  examples: [
    'ptyxanes analyse --input runs/2d-small --out runs/2d-small/analysis --time-h 100',
    'ptyxanes analyse --input runs/pristine,runs/c200,runs/c500 --names pristine,200,500 --out compare',
    'ptyxanes analyse --input state.tif --uncertainty state_std.tif --edge-step edge_step.tif --pixel-size-nm 40 --out a',
  ],
};

export const run: CommandModule['run'] = async ({ options: o }, io) => {
  const inputs = o.input as string[] | undefined;
  if (!inputs?.length) throw new PtyxanesError('missing --input RUN_OR_TIFF');
  if (!o.out) throw new PtyxanesError('missing --out DIR');
  const names = (o.names as string[] | undefined) ?? [];
  if (names.length && names.length !== inputs.length) throw new PtyxanesError('one name per input', { field: '--names', expected: String(inputs.length), found: String(names.length) });
  if (inputs.length > 1 && (o.uncertainty || o['edge-step'])) throw new PtyxanesError('--uncertainty and --edge-step go with a single input', { field: '--input', expected: '1 input', found: String(inputs.length) });
  const hours = o['time-h'] as number | undefined;
  const rep = io.progress({ quiet: o.quiet as boolean });
  const refs = o.lcf ? resolveReferences((o.references as string[] | undefined) ?? DEFAULT_LCF_REFERENCES) : [];
  const results: { name: string; dir: string; r: AnalysisResult; state: Float32Array; files: string[]; lcf?: LcfRunSummary }[] = [];
  for (const [k, input] of inputs.entries()) {
    const f = await readAnalysisInput(input, { uncertainty: o.uncertainty as string, edgeStep: o['edge-step'] as string, pixelSizeNm: o['pixel-size-nm'] as number | undefined });
    const name = names[k] ?? f.name;
    const r = analyseStateMap(
      { state: f.state.data, shape: f.state.shape, pixelSizeM: f.spacingM, uncertainty: f.uncertainty, edgeStep: f.edgeStep },
      {
        threshold: o.threshold as number,
        maskThreshold: o['mask-threshold'] as number | undefined,
        split: o.split as boolean,
        splitMinDepthPx: o['split-depth-px'] as number | undefined,
        minCrystalVoxels: o['min-crystal-px'] as number | undefined,
        binWidthNm: o['bin-nm'] as number | undefined,
        includeBorderCrystals: o['include-border'] as boolean,
        geometry: o.geometry as 'sphere',
        timeS: hours !== undefined ? hours * 3600 : undefined,
        timeErrS: o['time-err-h'] !== undefined ? (o['time-err-h'] as number) * 3600 : undefined,
        onProgress: rep.onProgress,
        signal: io.signal,
      },
    );
    const dir = inputs.length > 1 ? join(o.out as string, name.replace(/[^A-Za-z0-9_.-]/g, '_')) : (o.out as string);
    const files = await writeAnalysisOutputs(r, dir);
    let lcf: LcfRunSummary | undefined;
    if (o.lcf) {
      const l = await lcfOfRun(input, join(dir, 'lcf'), refs, { edgeState: f.state.data, mask: r.segmentation.labels, pixelSizeM: f.spacingM[f.spacingM.length - 1] });
      files.push(...l.files);
      lcf = l.summary;
    }
    results.push({ name, dir, r, state: f.state.data, files, lcf });
  }
  let comparison: string[] = [];
  let cmp;
  if (results.length > 1) {
    // Compare the crystal voxels of each sample (the mask excludes support and specks).
    cmp = compareSamples(results.map((x) => ({ name: x.name, values: x.state.filter((_, i) => x.r.segmentation.labels[i] > 0) })), { threshold: o.threshold as number });
    comparison = await writeComparisonOutputs(cmp, o.out as string);
  }
  rep.done();
  if (o.json) {
    io.out(JSON.stringify({ samples: results.map((x) => ({ name: x.name, dir: x.dir, crystals: x.r.crystals.length, overall: x.r.overall, meanFit: x.r.meanFit ? { preferredByAic: x.r.meanFit.preferredByAic, diffusionM2PerS: x.r.meanFit.diffusion.diffusionM2PerS, diffusionErrM2PerS: x.r.meanFit.diffusion.diffusionErrM2PerS, dtNm2: x.r.meanFit.diffusion.dtNm2, shellThicknessNm: x.r.meanFit.coreShell.shellThicknessNm } : null, slabs: x.r.slabs?.slabs.length ?? 0, lcf: x.lcf ?? null, warnings: x.r.warnings, files: x.files })), comparison: cmp?.rows ?? null, comparisonFiles: comparison }, null, 2));
    return 0;
  }
  for (const x of results) {
    const r = x.r, ov = r.overall;
    io.out(`${x.name}: ${r.crystals.length} crystals, state mean ${ov.mean.toFixed(3)} ± ${ov.std.toFixed(3)}, ${(100 * ov.fractionAbove).toFixed(1)}% above ${r.threshold}; ${r.slabs?.slabs.length ?? 0} slabs`);
    if (r.meanFit) {
      const d = r.meanFit.diffusion, c = r.meanFit.coreShell;
      const dStr = Number.isFinite(d.diffusionM2PerS) ? `D = ${d.diffusionM2PerS.toExponential(2)} ± ${d.diffusionErrM2PerS.toExponential(1)} m²/s` : `√(Dt) = ${Math.sqrt(d.dtNm2).toFixed(0)} nm (give --time-h for D)`;
      io.out(`  mean profile: diffusion (${d.geometry}) ${dStr}${d.atBound ? ` [at the ${d.atBound} bound]` : ''}, surface ${d.surfaceState.toFixed(2)} → core ${d.initialState.toFixed(2)}; core–shell: shell ${c.shellThicknessNm.toFixed(0)} nm at ${c.shellState.toFixed(2)}, core ${c.coreState.toFixed(2)}; preferred ${r.meanFit.preferredByAic} (ΔAIC ${r.meanFit.deltaAic.toFixed(1)}, BIC: ${r.meanFit.preferredByBic})`);
    } else io.out(`  mean profile not fitted: ${r.meanFitSkipped}`);
    if (x.lcf) io.out(`  LCF (${x.lcf.references.map((q) => q.id).join(', ')}): mean ${x.lcf.meanLcf.toFixed(3)} vs edge ${x.lcf.meanEdge.toFixed(3)} in the crystals, LCF − edge ${x.lcf.meanDifference.toFixed(3)} (RMS ${x.lcf.rmsDifference.toFixed(3)}), correlation ${x.lcf.correlation.toFixed(2)}, median residual ${x.lcf.medianResidual.toFixed(3)}`);
    for (const w of r.warnings) io.out(`  warning: ${w}`);
    io.out(`  wrote ${x.files.length} files to ${x.dir}`);
  }
  if (cmp) {
    for (const row of cmp.rows) io.out(`  ${row.name.padEnd(12)} mean ${row.mean.toFixed(3)}  std ${row.std.toFixed(3)}  > ${cmp.threshold}: ${(100 * row.fractionAbove).toFixed(1)}%`);
    io.out(`  comparison: ${comparison.join(', ')}`);
  }
  return 0;
};
