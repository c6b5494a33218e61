/**
 * SLURM submission (`submit --scheduler slurm`): one `sbatch` job array per phase of the
 * work left (ePIE tasks as array elements, K per element), a warm-start chain as one job
 * that runs its tasks in order, each job held with `--dependency=afterok` on the jobs that
 * hold its dependencies (`--kill-on-invalid-dep=yes`: a failure cancels what waits for it,
 * instead of leaving it pending forever). The scripts are written to RUN/slurm/; jobs are
 * named `ptyx-<run hash>-p<phase>` so `status` finds this run's jobs in `squeue`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { PtyxanesError } from '../core/errors.ts';
import { writeFileAtomic, writeJson } from '../io/files.ts';
import { cliPath } from './local.ts';
import { readPlan, type RunPlan } from './plan.ts';
import { readAllRecords } from './records.ts';
import { arrayList, jobsFor, type JobSpec } from './work.ts';

export interface SlurmOptions {
  partition?: string;
  gpusPerTask?: number;
  cpusPerTask?: number;
  /** At most this many array elements of one job at once (sbatch's %N). */
  maxParallel?: number;
  tasksPerJob?: number;
  /** Wall-time limit per job (sbatch --time, e.g. '01:00:00'). */
  time?: string;
  /** Extra sbatch arguments, as given. */
  extra?: string[];
  /** Write the scripts and print the commands; submit nothing. */
  dryRun?: boolean;
}

export interface SubmittedJob extends JobSpec {
  jobId: string;
  script: string;
  dependsOn: string[];
}

/** Whether `cmd` is on PATH. */
export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((res, rej) =>
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new PtyxanesError(`${cmd} failed: ${(stderr || err.message).trim().split('\n')[0]}`, { field: `${cmd} ${args.slice(0, 3).join(' ')}` }));
      else res(stdout);
    }),
  );
}

/** The prefix of this run's job names (a hash of its folder). */
export const jobPrefix = (dir: string): string => `ptyx-${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 8)}`;

export interface QueuedJob {
  jobId: string;
  name: string;
  state: string;
  reason: string;
}

/** This run's jobs still in the queue (pending or running), from `squeue`; null without SLURM. */
export async function queuedJobs(dir: string): Promise<QueuedJob[] | null> {
  if (!onPath('squeue')) return null;
  let out: string;
  try {
    out = await run('squeue', ['--noheader', '--array', '--format=%i|%j|%T|%r']);
  } catch {
    // squeue installed but no controller answering (a machine outside the cluster).
    return null;
  }
  const prefix = jobPrefix(dir);
  return out
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter((f) => f.length >= 3 && f[1].startsWith(prefix))
    .map(([jobId, name, state, reason]) => ({ jobId, name, state, reason: reason ?? '' }));
}

function scriptFor(dir: string, plan: RunPlan, job: JobSpec, o: SlurmOptions, lanesFile: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = ['#!/bin/bash', `#SBATCH --job-name=${jobPrefix(dir)}-p${job.phase}`, `#SBATCH --output=${join(dir, 'slurm', 'logs', `p${job.phase}-%A_%a.out`)}`, '#SBATCH --ntasks=1'];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.gpusPerTask) lines.push(`#SBATCH --gpus-per-task=${o.gpusPerTask}`);
  if (o.cpusPerTask) lines.push(`#SBATCH --cpus-per-task=${o.cpusPerTask}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  const ids = `${plan.tasks[job.start].id}${job.end > job.start ? ` … ${plan.tasks[job.end].id}` : ''}`;
  lines.push(`# ptyxanes ${plan.kind}, phase ${job.phase}: tasks ${job.start}–${job.end} (${ids})`);
  const cli = `${q(process.execPath)} ${q(cliPath())} task ${q(dir)}`;
  if (job.type === 'serial') lines.push(`exec ${cli} --lanes ${q(lanesFile)} --lane 0`);
  else if (job.type === 'lanes') lines.push(`exec ${cli} --lanes ${q(lanesFile)}`);
  else lines.push(`exec ${cli} --offset ${job.start} --tasks-per-job ${job.tasksPerJob}`);
  return lines.join('\n') + '\n';
}

/**
 * Submits every task of the run that is not done (and what depends on it), refusing while
 * jobs of this run are still queued (they would run the same tasks twice).
 */
export async function submitSlurm(dir: string, o: SlurmOptions = {}): Promise<SubmittedJob[]> {
  const abs = resolve(dir);
  const plan = await readPlan(abs);
  if (!o.dryRun && !onPath('sbatch')) {
    throw new PtyxanesError("SLURM's sbatch is not on PATH: submit from a SLURM login node, or run the plan on this machine with `ptyxanes submit RUN --scheduler local --workers N`", { field: '--scheduler slurm', expected: 'sbatch', found: 'nothing' });
  }
  const queued = o.dryRun ? [] : await queuedJobs(abs);
  if (queued?.length) {
    throw new PtyxanesError(`jobs of this run are still queued (${[...new Set(queued.map((j) => j.jobId.split('_')[0]))].join(', ')}); wait for them (ptyxanes status RUN --wait) or scancel them, then submit again`, { file: abs });
  }
  const records = await readAllRecords(abs, plan);
  const jobs = jobsFor(plan, records, o.tasksPerJob ?? 1);
  // SLURM opens each job's log itself: a missing folder fails the launch.
  await mkdir(join(abs, 'slurm', 'logs'), { recursive: true });
  const owner = new Map<number, string>();
  const out: SubmittedJob[] = [];
  for (const [k, job] of jobs.entries()) {
    const script = join(abs, 'slurm', `job-${String(k).padStart(3, '0')}-p${job.phase}.sh`);
    const lanesFile = script.replace(/\.sh$/, '.lanes.json');
    if (job.type !== 'array') await writeJson(lanesFile, job.type === 'lanes' ? job.lanes : [job.tasks]);
    await writeFileAtomic(script, scriptFor(abs, plan, job, o, lanesFile));
    await chmod(script, 0o755);
    const deps = new Set<string>();
    for (const i of job.tasks) for (const d of plan.tasks[i].deps) if (owner.has(d) && !job.tasks.includes(d)) deps.add(owner.get(d)!);
    const args = ['--parsable', '--kill-on-invalid-dep=yes'];
    if (job.type !== 'serial') args.push(`--array=${arrayList(job.elements)}${o.maxParallel ? `%${o.maxParallel}` : ''}`);
    if (deps.size) args.push(`--dependency=afterok:${[...deps].join(':')}`);
    args.push(...(o.extra ?? []), script);
    const jobId = o.dryRun ? `dry-run-${k}` : (await run('sbatch', args)).trim().split(';')[0];
    for (const i of job.tasks) owner.set(i, jobId);
    out.push({ ...job, jobId, script, dependsOn: [...deps] });
  }
  if (!o.dryRun) await writeJson(join(abs, 'slurm', `submitted-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), out.map(({ jobId, phase, type, start, end, tasks, dependsOn }) => ({ jobId, phase, type, start, end, tasks: tasks.length, taskList: tasks, dependsOn })));
  return out;
}
