import { PtyxanesError } from '../../core/errors.ts';
import { formatStatus, runStatus, waitForRun } from '../../scaleout/status.ts';
import type { CommandModule } from '../main.ts';

export const spec: CommandModule['spec'] = {
  name: 'status',
  summary: 'done / failed / running / pending tasks of a planned run, its SLURM jobs, and the errors of failed tasks',
  usage: 'ptyxanes status RUN [--wait [--timeout S]] [--json]',
  positionals: ['RUN'],
  options: {
    wait: { type: 'boolean', default: false, help: "wait until none of this run's SLURM jobs is queued" },
    timeout: { type: 'number', meta: 'S', help: 'with --wait: give up after S seconds' },
    errors: { type: 'int', default: 5, meta: 'N', help: 'show the errors of at most N failed tasks' },
  },
  examples: ['ptyxanes status runs/3d', 'ptyxanes status runs/3d --wait --timeout 3600'],
};

export const run: CommandModule['run'] = async ({ options: o, positionals }, io) => {
  const dir = positionals[0];
  if (!dir) throw new PtyxanesError('missing RUN (a folder written by `ptyxanes plan`)');
  const s = o.wait ? await waitForRun(dir, { timeoutS: o.timeout as number | undefined, signal: io.signal }) : await runStatus(dir);
  io.out(o.json ? JSON.stringify(s, null, 2) : formatStatus(s, o.errors as number));
  return s.failed ? 1 : 0;
};
