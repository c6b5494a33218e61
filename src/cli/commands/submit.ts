import { PtyxanesError } from '../../core/errors.ts';
import { runLocalWorkers } from '../../scaleout/local.ts';
import { submitSlurm } from '../../scaleout/slurm.ts';
import { formatStatus, runStatus, waitForRun } from '../../scaleout/status.ts';
import type { CommandModule } from '../main.ts';

export const spec: CommandModule['spec'] = {
  name: 'submit',
  summary: 'run what is left of a planned run: SLURM job arrays (afterok dependencies) or local worker processes',
  usage: 'ptyxanes submit RUN --scheduler slurm|local [--workers N] [--partition P] [--gpus-per-task G] [--max-parallel N] [--tasks-per-job K] [--time T]',
  positionals: ['RUN'],
  options: {
    scheduler: { type: 'string', default: 'slurm', choices: ['slurm', 'local'], help: "'slurm': sbatch job arrays; 'local': worker processes on this machine (waits for them)" },
    workers: { type: 'int', default: 1, meta: 'N', help: 'local: worker processes' },
    partition: { type: 'string', meta: 'P', help: 'slurm: partition' },
    'gpus-per-task': { type: 'int', meta: 'G', help: 'slurm: GPUs per task (sbatch --gpus-per-task)' },
    'cpus-per-task': { type: 'int', meta: 'C', help: 'slurm: CPU cores per task' },
    'max-parallel': { type: 'int', meta: 'N', help: "slurm: at most N elements of an array at once (sbatch --array=…%N)" },
    'tasks-per-job': { type: 'int', default: 1, meta: 'K', help: 'slurm: tasks per array element (start-up paid once per K)' },
    time: { type: 'string', meta: 'T', help: "slurm: wall-time limit per job, e.g. '02:00:00'" },
    'sbatch-arg': { type: 'list', meta: 'ARG,…', help: 'slurm: extra sbatch arguments, e.g. --account=X' },
    'dry-run': { type: 'boolean', default: false, help: 'slurm: write the scripts to RUN/slurm/ and print the jobs; submit nothing' },
    wait: { type: 'boolean', default: false, help: "slurm: wait for this run's jobs to leave the queue, then print the status" },
  },
  examples: ['ptyxanes submit runs/3d --scheduler slurm --partition gpu --gpus-per-task 1 --tasks-per-job 4', 'ptyxanes submit runs/2d --scheduler local --workers 2'],
};

export const run: CommandModule['run'] = async ({ options: o, positionals }, io) => {
  const dir = positionals[0];
  if (!dir) throw new PtyxanesError('missing RUN (a folder written by `ptyxanes plan`)');
  if (o.scheduler === 'local') {
    const rep = io.progress({ quiet: o.quiet as boolean });
    const r = await runLocalWorkers(dir, o.workers as number, { onProgress: rep.onProgress, signal: io.signal });
    rep.done();
    io.out(`local: ${r.workers} workers ran ${r.ran} tasks in ${r.seconds.toFixed(1)} s${r.failed.length ? `; ${r.failed.length} failed, ${r.blocked} not run` : ''}`);
    io.out(formatStatus(await runStatus(dir)));
    return r.failed.length ? 1 : 0;
  }
  const jobs = await submitSlurm(dir, {
    partition: o.partition as string | undefined,
    gpusPerTask: o['gpus-per-task'] as number | undefined,
    cpusPerTask: o['cpus-per-task'] as number | undefined,
    maxParallel: o['max-parallel'] as number | undefined,
    tasksPerJob: o['tasks-per-job'] as number,
    time: o.time as string | undefined,
    extra: o['sbatch-arg'] as string[] | undefined,
    dryRun: o['dry-run'] as boolean,
  });
  if (o.json) io.out(JSON.stringify(jobs.map(({ jobId, phase, type, tasks, dependsOn, script }) => ({ jobId, phase, type, tasks, dependsOn, script })), null, 2));
  else if (!jobs.length) io.out('nothing to submit: every task is done');
  else for (const j of jobs) io.out(`${o['dry-run'] ? 'would submit' : 'submitted'} ${j.jobId}: phase ${j.phase}, ${j.type === 'array' ? `array of ${j.elements.length}` : j.type === 'lanes' ? `array of ${j.elements.length} lanes (chains)` : 'chain'}, ${j.tasks.length} tasks${j.dependsOn.length ? `, after ${j.dependsOn.join(', ')}` : ''}`);
  if (o.wait && !o['dry-run'] && jobs.length) {
    const s = await waitForRun(dir, { signal: io.signal });
    io.out(formatStatus(s));
    return s.complete ? 0 : 1;
  }
  return 0;
};
