import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PtyxanesError } from '../../core/errors.ts';
import { describeFile, formatDescription } from '../../io/describe.ts';
import type { FileDescription } from '../../io/describe.ts';
import { describeFolder, formatFolder } from '../../io/describe-folder.ts';
import type { FolderDescription } from '../../io/describe-folder.ts';
import type { CommandModule } from '../main.ts';

export const spec: CommandModule['spec'] = {
  name: 'info',
  summary: 'what a file or folder holds: CXI/HDF5/TIFF datasets and energies; a sample, run or CXI folder at a glance',
  usage: 'ptyxanes info FILE_OR_DIR [FILE_OR_DIR ...] [--json]',
  positionals: ['FILE_OR_DIR'],
  options: {
    'max-objects': { type: 'int', default: 200, meta: 'N', help: 'list at most N HDF5 objects per file' },
  },
  examples: [
    'ptyxanes info samples/generated/2d-small            # preset, energies, data and truth files',
    'ptyxanes info runs/2d-small                         # stages and energies done, complete or not, results',
    'ptyxanes info beamtime/scans/                       # one line per CXI file: entries, energies, frames',
    'ptyxanes info samples/generated/2d-small/data.cxi',
    'ptyxanes info runs/2d-small/xanes/oxidation_state.tif --json',
  ],
};

export const run: CommandModule['run'] = async ({ options, positionals }, io) => {
  if (!positionals.length) throw new PtyxanesError('nothing given (usage: ptyxanes info FILE_OR_DIR)');
  const out: (FileDescription | FolderDescription)[] = [];
  for (const path of positionals) {
    let isDir = false;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch {
      throw new PtyxanesError('not found', { file: resolve(path), expected: 'a file or folder' });
    }
    if (isDir) {
      const d = await describeFolder(path);
      out.push(d);
      if (!options.json) io.out(formatFolder(d));
    } else {
      const d = await describeFile(path, { maxObjects: options['max-objects'] as number });
      out.push(d);
      if (!options.json) io.out(formatDescription(d));
    }
  }
  if (options.json) io.out(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
  return 0;
};
