import { PtyxanesError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../io/files.ts';
import { readEnergies } from '../../io/text.ts';
import { writeTiff } from '../../io/tiff.ts';
import { cropToRegion, registerStack } from '../../register/index.ts';
import type { CommandModule } from '../main.ts';
import { BACKEND_OPTION } from './common.ts';
import { readStack } from './stack-input.ts';
import { join } from 'node:path';

export const spec: CommandModule['spec'] = {
  name: 'register',
  summary: 'subpixel registration (phase cross-correlation, upsampled DFT) of an image stack, e.g. −ln|O| per energy',
  usage: 'ptyxanes register --input STACK.tif [--input more.tif ...] --out DIR [options]',
  options: {
    input: { type: 'list', meta: 'TIFF[,TIFF…]', help: 'a multi-page TIFF stack, or one TIFF per image (comma-separated)' },
    out: { type: 'string', meta: 'DIR', help: 'writes registered.tif, registered_cropped.tif, shifts.csv' },
    energies: { type: 'string', meta: 'FILE', help: 'energy list (JSON or text) to label the shifts' },
    strategy: { type: 'string', default: 'reference', choices: ['reference', 'chain'], help: 'register to one reference image, or chain neighbours' },
    'reference-index': { type: 'int', meta: 'I', help: 'index of the reference image (default: last)' },
    'upsample-factor': { type: 'int', default: 100, meta: 'U', help: 'precision 1/U pixel (Guizar-Sicairos upsampled DFT)' },
    normalization: { type: 'string', default: 'phase', choices: ['phase', 'none'], help: "'phase' correlation or plain cross-correlation" },
    window: { type: 'string', default: 'tukey', choices: ['tukey', 'hann', 'none'], help: 'edge taper before the FFT' },
    ...BACKEND_OPTION,
  },
  examples: ['ptyxanes register --input runs/a/stack/attenuation_common_grid.tif --out runs/a/reg', 'ptyxanes register --input e1.tif,e2.tif,e3.tif --out reg --strategy chain'],
};

export const run: CommandModule['run'] = async ({ options: o }, io) => {
  const inputs = o.input as string[] | undefined;
  if (!inputs?.length) throw new PtyxanesError('missing --input STACK.tif');
  if (!o.out) throw new PtyxanesError('missing --out DIR');
  const { stack } = await readStack(inputs);
  if (stack.shape.length !== 3) throw new PtyxanesError('registration takes 2D images', { file: inputs[0], expected: '[n, h, w]', found: `[${stack.shape.join(', ')}]` });
  const n = stack.shape[0];
  const energies = o.energies ? Array.from(await readEnergies(o.energies as string)) : null;
  if (energies && energies.length !== n) throw new PtyxanesError('energy count does not match the stack', { file: o.energies as string, expected: String(n), found: String(energies.length) });
  const rep = io.progress({ quiet: o.quiet as boolean });
  const reg = await registerStack(stack, {
    strategy: o.strategy as 'reference',
    referenceIndex: o['reference-index'] as number | undefined,
    upsampleFactor: o['upsample-factor'] as number,
    normalization: o.normalization === 'none' ? null : 'phase',
    window: o.window as 'tukey',
    backend: o.backend as 'auto',
    onProgress: rep.onProgress,
    signal: io.signal,
  });
  const [, h, w] = stack.shape;
  const region = reg.commonRegion;
  const cropped = new Float32Array(n * region.rows * region.cols);
  for (let i = 0; i < n; i++) cropped.set(cropToRegion({ data: reg.aligned.data.subarray(i * h * w, (i + 1) * h * w), shape: [h, w] }, region).data, i * region.rows * region.cols);
  const dir = o.out as string;
  await writeTiff(join(dir, 'registered.tif'), reg.aligned, { description: 'registered stack (NaN where undefined)' });
  await writeTiff(join(dir, 'registered_cropped.tif'), { data: cropped, shape: [n, region.rows, region.cols] }, { description: 'registered stack cropped to the common field' });
  const rows = ['index,energy_eV,shift_rows_px,shift_cols_px,error'];
  for (let i = 0; i < n; i++) rows.push(`${i},${energies?.[i] ?? ''},${reg.shifts[2 * i]},${reg.shifts[2 * i + 1]},${reg.errors[i]}`);
  await writeFileAtomic(join(dir, 'shifts.csv'), rows.join('\n') + '\n');
  rep.done();
  const shifts = Array.from({ length: n }, (_, i) => [reg.shifts[2 * i], reg.shifts[2 * i + 1]]);
  if (o.json) io.out(JSON.stringify({ shifts, errors: Array.from(reg.errors), commonRegion: region, referenceIndex: reg.referenceIndex, strategy: reg.strategy }, null, 2));
  else {
    io.out(`registered ${n} images to index ${reg.referenceIndex} (${reg.strategy}); common field ${region.cols}×${region.rows} → ${dir}`);
    shifts.forEach((s, i) => io.out(`  ${String(i).padStart(3)} ${energies ? `${energies[i].toFixed(1)} eV ` : ''}shift (rows, cols) = (${s[0].toFixed(3)}, ${s[1].toFixed(3)}) px`));
  }
  return 0;
};
