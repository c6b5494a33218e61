import { readFile } from 'node:fs/promises';
import { PtyxanesError } from '../../core/errors.ts';
import { RunDir } from '../../pipeline/run-dir.ts';
import { taskContext } from '../../scaleout/execute.ts';
import { readPlan } from '../../scaleout/plan.ts';
import { jobLabel, runSelectedTasks } from '../../scaleout/task-runner.ts';
import type { CommandModule } from '../main.ts';

export const spec: CommandModule['spec'] = {
  name: 'task',
  summary: 'run tasks of a planned run folder (one index, a SLURM array element, or a chain); finished tasks are skipped',
  usage: 'ptyxanes task RUN [--index I [--through J]] [--offset O] [--tasks-per-job K] [--lanes FILE [--lane L]]',
  positionals: ['RUN'],
  options: {
    index: { type: 'int', meta: 'I', help: 'the task to run (default: offset + SLURM_ARRAY_TASK_ID × K)' },
    offset: { type: 'int', default: 0, meta: 'O', help: 'first task of the job array (with SLURM_ARRAY_TASK_ID)' },
    'tasks-per-job': { type: 'int', default: 1, meta: 'K', help: 'run K tasks of the same phase from the first one' },
    through: { type: 'int', meta: 'J', help: 'run every task from --index through J in order (a warm-start chain)' },
    lanes: { type: 'string', meta: 'FILE', help: 'JSON list of task-index lists (written by submit): run list --lane (default SLURM_ARRAY_TASK_ID) in order' },
    lane: { type: 'int', meta: 'L', help: 'with --lanes: which list' },
    serve: { type: 'boolean', default: false, help: 'local worker: run the task indices sent by the parent process (submit --scheduler local)' },
  },
  examples: ['ptyxanes task runs/scan42 --index 3', 'SLURM_ARRAY_TASK_ID=2 ptyxanes task runs/3d --offset 16 --tasks-per-job 4'],
};

export const run: CommandModule['run'] = async ({ options: o, positionals }, io) => {
  const dir = positionals[0];
  if (!dir) throw new PtyxanesError('missing RUN (a folder written by `ptyxanes plan`)');
  if (o.serve) {
    if (!process.send) throw new PtyxanesError('--serve is for worker processes started by `submit --scheduler local`');
    const ctx = taskContext(await RunDir.attach(dir), await readPlan(dir));
    await new Promise<void>((resolve) => {
      let chain = Promise.resolve();
      process.on('disconnect', () => chain.then(resolve));
      process.on('message', (m: { index: number }) => {
        chain = chain.then(async () => {
          const r = await runSelectedTasks(dir, { index: m.index }, { job: `local-${process.env.PTYXANES_WORKER ?? '0'}` }, { ctx });
          process.send!({ index: m.index, ok: r.failed.length === 0, error: r.failed[0]?.error });
        });
      });
    });
    return 0;
  }
  const r = await runSelectedTasks(
    dir,
    {
      index: o.index as number | undefined,
      offset: o.offset as number,
      tasksPerJob: o['tasks-per-job'] as number,
      through: o.through as number | undefined,
      lanes: o.lanes ? (JSON.parse(await readFile(o.lanes as string, 'utf8')) as number[][]) : undefined,
      lane: o.lane as number | undefined,
    },
    { job: jobLabel(), signal: io.signal },
  );
  for (const f of r.failed) io.err(`ptyxanes task: task ${f.index} (${f.id}) failed: ${f.error}`);
  if (!o.quiet) io.out(`tasks ${[...r.ran, ...r.skipped, ...r.failed.map((f) => f.index)].sort((a, b) => a - b).join(',')}: ${r.ran.length} ran, ${r.skipped.length} done before, ${r.failed.length} failed`);
  return r.failed.length ? 1 : 0;
};
