import { PtyxanesError } from '../../core/errors.ts';
import { describeFile, formatDescription } from '../../io/describe.ts';
import type { CommandModule } from '../main.ts';

export const spec: CommandModule['spec'] = {
  name: 'info',
  summary: 'what a CXI/HDF5/TIFF file holds: datasets, shapes, dtypes, energies (eV), frame counts, units',
  usage: 'ptyxanes info FILE [FILE ...] [--json]',
  positionals: ['FILE'],
  options: {
    'max-objects': { type: 'int', default: 200, meta: 'N', help: 'list at most N HDF5 objects per file' },
  },
  examples: ['ptyxanes info samples/generated/2d-small/data.cxi', 'ptyxanes info runs/2d-small/xanes/oxidation_state.tif --json'],
};

export const run: CommandModule['run'] = async ({ options, positionals }, io) => {
  if (!positionals.length) throw new PtyxanesError('no file given (usage: ptyxanes info FILE)');
  const out = [];
  for (const file of positionals) {
    const d = await describeFile(file, { maxObjects: options['max-objects'] as number });
    out.push(d);
    if (!options.json) io.out(formatDescription(d));
  }
  if (options.json) io.out(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
  return 0;
};
