import { PtyxanesError } from '../../core/errors.ts';
import { readEnergies } from '../../io/text.ts';
import { fitXanes, loadCalibration, writeXanesOutputs } from '../../xanes/index.ts';
import type { CommandModule } from '../main.ts';
import { BACKEND_OPTION, energyRange } from './common.ts';
import { readStack } from './stack-input.ts';

export const spec: CommandModule['spec'] = {
  name: 'fit',
  summary: 'per-pixel/voxel Ni K-edge XANES fit (3 Gaussians, half-max edge) → calibrated oxidation-state maps/volumes',
  usage: 'ptyxanes fit --input STACK --energies FILE --out DIR [options]',
  options: {
    input: { type: 'list', meta: 'TIFF[,TIFF…]', help: 'attenuation (−ln|O|) stack: a multi-page TIFF [energies,h,w], or one TIFF (image or volume) per energy' },
    energies: { type: 'string', meta: 'FILE', help: 'energies of the stack (JSON list / {energiesEv:[…]} / text, eV or keV)' },
    out: { type: 'string', meta: 'DIR', help: 'writes oxidation_state.tif, *_std.tif, edge maps, status, histogram (PNG, CSV), pictures' },
    'pre-edge': { type: 'list', meta: 'LO,HI', help: 'pre-edge range in eV (default 8270,8300)' },
    'post-edge': { type: 'list', meta: 'LO,HI', help: 'post-edge range in eV (default 8400,8420)' },
    'fit-range': { type: 'list', meta: 'LO,HI', help: 'energy range of the 3-Gaussian fit in eV' },
    calibration: { type: 'string', meta: 'JSON', help: 'edge-energy → oxidation-state calibration (default: shipped NiO/LiNiO2 line)' },
    'edge-model': { type: 'string', default: 'shared', choices: ['shared', 'free'], help: "'shared': one 3-Gaussian shape fitted to the mean spectrum, per-pixel scale and shift (robust to noise); 'free': 9 parameters per pixel, as the paper (use it when spectra differ in shape, e.g. Ni metal among oxides)" },
    'min-edge-step': { type: 'number', help: 'mask pixels whose edge step is at or below this (default: 10% of the 99th percentile)' },
    'pixel-size-nm': { type: 'number', meta: 'NM', help: 'pixel size recorded in the output TIFFs' },
    ...BACKEND_OPTION,
  },
  examples: [
    'ptyxanes fit --input runs/a/stack/attenuation_registered.tif --energies energies.json --out runs/a/fit',
    'ptyxanes fit --input vol_8341.tif,vol_8342.tif,… --energies energies.txt --out fit3d --backend gpu',
  ],
};

export const run: CommandModule['run'] = async ({ options: o }, io) => {
  const inputs = o.input as string[] | undefined;
  if (!inputs?.length) throw new PtyxanesError('missing --input STACK');
  if (!o.energies) throw new PtyxanesError('missing --energies FILE');
  if (!o.out) throw new PtyxanesError('missing --out DIR');
  const { stack } = await readStack(inputs);
  const energies = await readEnergies(o.energies as string);
  if (energies.length !== stack.shape[0]) {
    throw new PtyxanesError('energy count does not match the stack depth', { file: o.energies as string, expected: `${stack.shape[0]} (pages of ${inputs.join(',')})`, found: String(energies.length) });
  }
  const rep = io.progress({ quiet: o.quiet as boolean });
  const calibration = o.calibration ? await loadCalibration(o.calibration as string) : undefined;
  const r = await fitXanes(stack, energies, {
    backend: o.backend as 'auto',
    calibration,
    preEdgeEv: energyRange(o['pre-edge'], 'pre-edge'),
    postEdgeEv: energyRange(o['post-edge'], 'post-edge'),
    fitRangeEv: energyRange(o['fit-range'], 'fit-range'),
    minEdgeStep: o['min-edge-step'] as number | undefined,
    edgeModel: o['edge-model'] as 'shared',
    onProgress: rep.onProgress,
    signal: io.signal,
  });
  const files = await writeXanesOutputs(r, o.out as string, { pixelSizeM: o['pixel-size-nm'] ? (o['pixel-size-nm'] as number) * 1e-9 : undefined });
  rep.done();
  const s = r.summary;
  if (o.json) io.out(JSON.stringify({ summary: s, calibration: r.calibration, files }, null, 2));
  else {
    io.out(`fitted ${s.nSpectra} spectra (${r.backend}, ${r.edgeModel} edge model${r.template ? `, template edge ${r.template.edgeEv.toFixed(2)} eV` : ''}) in ${(s.elapsedMs / 1000).toFixed(1)} s: ${s.nFitted} with values`);
    for (const w of r.warnings) io.out(`  warning: ${w}`);
    io.out(`  Ni oxidation state mean ${s.oxidationMean.toFixed(3)}, median ${s.oxidationMedian.toFixed(3)}, 5–95% ${s.oxidationP05.toFixed(2)}–${s.oxidationP95.toFixed(2)}; median ±${s.medianOxidationStd.toFixed(3)}`);
    io.out(`  status: ${Object.entries(s.statusCounts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    io.out(`  wrote ${files.length} files to ${o.out}`);
  }
  return 0;
};
