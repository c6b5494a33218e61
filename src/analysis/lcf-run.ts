/**
 * LCF of a pipeline run's registered attenuation stack (Node): reads
 * stack/attenuation_registered.tif and the energies in stack/grid.json, fits the references
 * (shipped ids such as nio, liNiO2, laNiO3, niFe2O4, niCo2O4, niFoil, or FILE:VALENCE for a
 * user XDI/text spectrum, oriented and normalised like the shipped ones, energies as in the
 * file), and compares the LCF state with the edge method's map in the crystals.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PtyxanesError } from '../core/errors.ts';
import { pathExists, writeJson } from '../io/files.ts';
import { renderMapWithColorbar } from '../io/pictures.ts';
import { writePng } from '../io/png.ts';
import { readTiff, writeTiff } from '../io/tiff.ts';
import { loadReferenceSpectra, normalizeReference, orientRising, readSpectrumFile, type ReferenceSpectrum } from '../xanes/references.ts';
import { lcfStack, type LcfResult } from './lcf.ts';

export const DEFAULT_LCF_REFERENCES = ['nio', 'liNiO2'];

/** Shipped reference ids, or FILE:VALENCE, into reference spectra. */
export function resolveReferences(specs: string[]): ReferenceSpectrum[] {
  const shipped = loadReferenceSpectra();
  return specs.map((s) => {
    if (shipped[s]) return shipped[s];
    const m = /^(.*):([0-9.+-]+)$/.exec(s);
    if (!m || !Number.isFinite(Number(m[2]))) {
      throw new PtyxanesError('unknown reference', { field: '--references', expected: `one of ${Object.keys(shipped).join(', ')} or FILE:VALENCE`, found: s });
    }
    const spec = normalizeReference(orientRising(readSpectrumFile(m[1])));
    return { ...spec, id: m[1].replace(/^.*\//, '').replace(/\.[^.]*$/, ''), compound: m[1], oxidationState: Number(m[2]), source: m[1] };
  });
}

export interface LcfRunSummary {
  references: LcfResult['references'];
  /** In voxels where both have values (and inside `mask` when given). */
  n: number;
  meanLcf: number;
  meanEdge: number;
  /** Mean and RMS of LCF − edge, and their correlation. */
  meanDifference: number;
  rmsDifference: number;
  correlation: number;
  medianResidual: number;
}

export async function lcfOfRun(runDir: string, outDir: string, refs: ReferenceSpectrum[], opts: { edgeState?: Float32Array; mask?: Int32Array | Uint8Array; pixelSizeM?: number } = {}): Promise<{ result: LcfResult; summary: LcfRunSummary; files: string[] }> {
  const stackPath = join(runDir, 'stack', 'attenuation_registered.tif');
  const gridPath = join(runDir, 'stack', 'grid.json');
  if (!(await pathExists(stackPath)) || !(await pathExists(gridPath))) {
    throw new PtyxanesError('LCF needs the registered stack of a pipeline run', { file: runDir, expected: 'stack/attenuation_registered.tif and stack/grid.json', found: 'missing' });
  }
  const grid = JSON.parse(await readFile(gridPath, 'utf8')) as { energiesEv: number[] };
  const stack = await readTiff(stackPath);
  if (stack.shape[0] !== grid.energiesEv.length) throw new PtyxanesError('stack depth does not match the energies', { file: gridPath, expected: String(stack.shape[0]), found: String(grid.energiesEv.length) });
  const r = lcfStack({ data: stack.data, shape: stack.shape }, grid.energiesEv, refs);
  const files: string[] = [];
  const shape = r.shape;
  const meta = (what: string) => ({ pixelSizeM: opts.pixelSizeM, description: what });
  const put = async (name: string, data: Float32Array, what: string) => {
    const p = join(outDir, name);
    await writeTiff(p, { data, shape }, meta(what));
    files.push(p);
  };
  await put('lcf_state.tif', r.oxidationState, `Ni oxidation state by LCF of ${refs.map((x) => x.id).join(', ')}`);
  await put('lcf_state_std.tif', r.oxidationStateStd, 'standard error of the LCF state');
  await put('lcf_residual.tif', r.residualRms, 'LCF RMS residual over the fitted edge jump');
  for (const [a, ref] of r.references.entries()) await put(`lcf_fraction_${ref.id}.tif`, r.fractions[a], `fraction of ${ref.compound}`);
  let n = 0, sl = 0, se = 0, sd = 0, sd2 = 0, sll = 0, see = 0, sle = 0;
  const res: number[] = [];
  const diff = new Float32Array(r.oxidationState.length).fill(NaN);
  for (let i = 0; i < diff.length; i++) {
    const l = r.oxidationState[i], e = opts.edgeState?.[i];
    if (opts.mask && !opts.mask[i]) continue;
    if (Number.isFinite(r.residualRms[i])) res.push(r.residualRms[i]);
    if (!Number.isFinite(l) || e === undefined || !Number.isFinite(e)) continue;
    diff[i] = l - e;
    n++; sl += l; se += e; sd += l - e; sd2 += (l - e) ** 2; sll += l * l; see += e * e; sle += l * e;
  }
  if (opts.edgeState) await put('lcf_minus_edge.tif', diff, 'LCF state minus the edge-method state');
  const [h, w] = shape.length >= 2 ? shape.slice(-2) : [1, shape[0]];
  const pic = renderMapWithColorbar(r.oxidationState.subarray(0, h * w), w, h, { min: 2, max: 3.5, cmap: 'valence', label: 'Ni oxidation state (LCF)' });
  await writePng(join(outDir, 'lcf_state.png'), pic.rgba, pic.width, pic.height);
  files.push(join(outDir, 'lcf_state.png'));
  if (opts.edgeState) {
    const d = renderMapWithColorbar(diff.subarray(0, h * w), w, h, { min: -0.5, max: 0.5, cmap: 'valence', label: 'LCF minus edge state' });
    await writePng(join(outDir, 'lcf_minus_edge.png'), d.rgba, d.width, d.height);
    files.push(join(outDir, 'lcf_minus_edge.png'));
  }
  const cov = sle / n - (sl / n) * (se / n);
  res.sort((a, b) => a - b);
  const summary: LcfRunSummary = {
    references: r.references,
    n,
    meanLcf: sl / n,
    meanEdge: se / n,
    meanDifference: sd / n,
    rmsDifference: Math.sqrt(sd2 / n),
    correlation: cov / Math.sqrt((sll / n - (sl / n) ** 2) * (see / n - (se / n) ** 2)),
    medianResidual: res.length ? res[Math.floor(res.length / 2)] : NaN,
  };
  const js = join(outDir, 'lcf_summary.json');
  await writeJson(js, { ...summary, energiesEv: r.energiesEv, rangeEv: r.rangeEv, note: 'state = Σ fraction·valence; the fit: μ = a + b·E + Σ w·reference, w ≥ 0 (src/analysis/lcf.ts)' });
  files.push(js);
  return { result: r, summary, files };
}
