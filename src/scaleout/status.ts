/**
 * `ptyxanes status RUN`: done / failed / running / pending counts from the task records,
 * this run's jobs in `squeue` where SLURM is present, and the first error lines of failed
 * tasks. A 'running' record whose process is gone (same host) counts as failed.
 */
import { resolve } from 'node:path';
import { readPlan } from './plan.ts';
import { isStale, readAllRecords } from './records.ts';
import { queuedJobs, type QueuedJob } from './slurm.ts';

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
}

export async function runStatus(dir: string): Promise<RunStatus> {
  const abs = resolve(dir);
  const plan = await readPlan(abs);
  const recs = await readAllRecords(abs, plan);
  const s: RunStatus = { dir: abs, kind: plan.kind, total: plan.tasks.length, done: 0, failed: 0, running: 0, pending: 0, complete: false, byKind: {}, errors: [], queue: await queuedJobs(abs) };
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
