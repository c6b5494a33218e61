/**
 * `ptyxanes status RUN`: done / failed / running / pending counts from the task records,
 * this run's jobs in `squeue` where SLURM is present, and the first error lines of failed
 * tasks. A 'running' record whose process is gone (same host) counts as failed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readPlan } from './plan.ts';
import { isStale, readAllRecords, type TaskRecord } from './records.ts';
import { queuedJobs, run, type QueuedJob } from './slurm.ts';

export interface RunStatus {
  dir: string;
  kind: string;
  total: number;
  done: number;
  failed: number;
  running: number;
  pending: number;
  complete: boolean;
  /** Per task kind: [done, total]. */
  byKind: Record<string, [number, number]>;
  errors: { index: number; id: string; error: string; host?: string; job?: string }[];
  /** This run's jobs in squeue; null where SLURM is absent. */
  queue: QueuedJob[] | null;
  /** Jobs of the last submission that left the queue without finishing their tasks, with SLURM's reason (while scontrol remembers them). */
  lostJobs: { jobId: string; state: string; reason: string }[];
}

/** State and reason of a finished job, from `scontrol show job` (kept MinJobAge seconds after it ends). */
async function jobEnd(jobId: string): Promise<{ state: string; reason: string } | null> {
  try {
    const out = await run('scontrol', ['show', 'job', '--oneliner', jobId]);
    const states = [...out.matchAll(/JobState=(\S+) Reason=(\S+)/g)].map((m) => ({ state: m[1], reason: m[2] }));
    return states.find((x) => x.state !== 'COMPLETED') ?? states[0] ?? null;
  } catch {
    return null;
  }
}

/** The last `submit`'s jobs that are gone from the queue while tasks of theirs never got a record. */
async function lostJobs(dir: string, recs: (TaskRecord | null)[], queue: QueuedJob[] | null): Promise<RunStatus['lostJobs']> {
  if (queue === null) return [];
  const names = (await readdir(join(dir, 'slurm')).catch(() => [] as string[])).filter((n) => /^submitted-.*\.json$/.test(n)).sort();
  if (!names.length) return [];
  const jobs = JSON.parse(await readFile(join(dir, 'slurm', names[names.length - 1]), 'utf8')) as { jobId: string; taskList?: number[] }[];
  const queued = new Set(queue.map((q) => q.jobId.split('_')[0]));
  const out: RunStatus['lostJobs'] = [];
  for (const j of jobs) {
    if (queued.has(j.jobId) || !(j.taskList ?? []).some((i) => !recs[i])) continue;
    const end = await jobEnd(j.jobId);
    if (end) out.push({ jobId: j.jobId, ...end });
  }
  return out;
}

export async function runStatus(dir: string): Promise<RunStatus> {
  const abs = resolve(dir);
  const plan = await readPlan(abs);
  const recs = await readAllRecords(abs, plan);
  const queue = await queuedJobs(abs);
  const s: RunStatus = { dir: abs, kind: plan.kind, total: plan.tasks.length, done: 0, failed: 0, running: 0, pending: 0, complete: false, byKind: {}, errors: [], queue, lostJobs: await lostJobs(abs, recs, queue) };
  for (const t of plan.tasks) {
    const r = recs[t.index];
    const k = (s.byKind[t.kind] ??= [0, 0]);
    k[1]++;
    if (r?.status === 'done') {
      s.done++;
      k[0]++;
    } else if (r?.status === 'failed' || (r && isStale(r))) {
      s.failed++;
      s.errors.push({ index: t.index, id: t.id, error: r.status === 'failed' ? (r.error ?? 'failed') : `interrupted (process ${r.pid} on ${r.host} is gone)`, host: r.host, job: r.job });
    } else if (r?.status === 'running') s.running++;
    else s.pending++;
  }
  s.complete = s.done === s.total;
  return s;
}

export function formatStatus(s: RunStatus, maxErrors = 5): string {
  const lines = [
    `${s.dir}: ${s.kind}, ${s.total} tasks: ${s.done} done, ${s.failed} failed, ${s.running} running, ${s.pending} pending${s.complete ? ' (complete)' : ''}`,
    `  by kind: ${Object.entries(s.byKind)
      .map(([k, [d, n]]) => `${k} ${d}/${n}`)
      .join(', ')}`,
  ];
  if (s.queue === null) lines.push('  queue: no squeue here (SLURM absent)');
  else if (s.queue.length) {
    const states = new Map<string, number>();
    for (const j of s.queue) states.set(j.state, (states.get(j.state) ?? 0) + 1);
    lines.push(`  queue: ${s.queue.length} jobs of this run (${[...states].map(([k, v]) => `${v} ${k.toLowerCase()}`).join(', ')}): ${[...new Set(s.queue.map((j) => j.jobId.split('_')[0]))].join(', ')}`);
  } else lines.push('  queue: no jobs of this run queued');
  for (const j of s.lostJobs) lines.push(`  job ${j.jobId} ended ${j.state} (${j.reason}) before some of its tasks started: see ${s.dir}/slurm/logs`);
  if (s.pending && s.queue !== null && !s.queue.length && !s.lostJobs.length) lines.push(`  ${s.pending} tasks not started and none of this run's jobs queued: ptyxanes submit RUN`);
  for (const e of s.errors.slice(0, maxErrors)) lines.push(`  failed: task ${e.index} ${e.id}${e.job ? ` (job ${e.job})` : ''}: ${e.error}`);
  if (s.errors.length > maxErrors) lines.push(`  … and ${s.errors.length - maxErrors} more failed tasks`);
  if (s.failed) lines.push('  after fixing the cause: ptyxanes submit RUN reruns only the failed tasks and what depends on them');
  return lines.join('\n');
}

/** Waits until none of this run's jobs is queued (polling squeue), then returns the status. */
export async function waitForRun(dir: string, opts: { timeoutS?: number; pollS?: number; signal?: AbortSignal } = {}): Promise<RunStatus> {
  const t0 = Date.now();
  for (;;) {
    const q = await queuedJobs(dir);
    if (!q?.length) return runStatus(dir);
    if (opts.timeoutS !== undefined && (Date.now() - t0) / 1000 > opts.timeoutS) return runStatus(dir);
    if (opts.signal?.aborted) return runStatus(dir);
    await new Promise((r) => setTimeout(r, (opts.pollS ?? 1) * 1000));
  }
}
