/**
 * What is left to do in a run folder, and how it falls into jobs: the tasks without a
 * 'done' record, grouped by phase (the tasks of a phase are independent), a phase split into
 * array elements of K tasks, and runs of one-task phases where each needs the one before
 * (a warm-start chain) packed into one job that runs them in order.
 */
import type { RunPlan } from './plan.ts';
import type { TaskRecord } from './records.ts';

export interface JobSpec {
  /** First task index (the array's offset). */
  start: number;
  /** 'array': elements j run tasks start + j·K … (same phase); 'serial': one job runs tasks start … end in order. */
  type: 'array' | 'serial';
  /** Last task index covered (inclusive). */
  end: number;
  /** Array elements to run (type 'array'). */
  elements: number[];
  tasksPerJob: number;
  /** Task indices this job will run (not done yet). */
  tasks: number[];
  phase: number;
}

export function phaseRanges(plan: RunPlan): { phase: number; start: number; end: number }[] {
  const out: { phase: number; start: number; end: number }[] = [];
  for (const t of plan.tasks) {
    const last = out[out.length - 1];
    if (last && last.phase === t.phase) last.end = t.index;
    else out.push({ phase: t.phase, start: t.index, end: t.index });
  }
  return out;
}

/** The jobs that run every task not done, in dependency order. */
export function jobsFor(plan: RunPlan, records: (TaskRecord | null)[], tasksPerJob = 1): JobSpec[] {
  const K = Math.max(1, Math.floor(tasksPerJob));
  const pending = (i: number) => records[i]?.status !== 'done';
  const jobs: JobSpec[] = [];
  for (const r of phaseRanges(plan)) {
    const todo: number[] = [];
    for (let i = r.start; i <= r.end; i++) if (pending(i)) todo.push(i);
    if (!todo.length) continue;
    const prev = jobs[jobs.length - 1];
    // A one-task phase that needs only the previous one-task phase's task: the same chain.
    const single = r.start === r.end;
    const deps = plan.tasks[r.start].deps;
    if (single && prev?.type === 'serial' && prev.end === r.start - 1 && deps.every((d) => d === prev.end || !pending(d))) {
      prev.end = r.start;
      prev.tasks.push(r.start);
      continue;
    }
    if (single) {
      jobs.push({ start: r.start, end: r.start, type: 'serial', elements: [0], tasksPerJob: 1, tasks: [r.start], phase: r.phase });
      continue;
    }
    const elements = [...new Set(todo.map((i) => Math.floor((i - r.start) / K)))];
    jobs.push({ start: r.start, end: r.end, type: 'array', elements, tasksPerJob: K, tasks: todo, phase: r.phase });
  }
  return jobs;
}

/** '0-5,7,9-12' (SLURM's --array list) from sorted element ids. */
export function arrayList(ids: number[]): string {
  const parts: string[] = [];
  for (let k = 0; k < ids.length; ) {
    let j = k;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    parts.push(j > k ? `${ids[k]}-${ids[j]}` : String(ids[k]));
    k = j + 1;
  }
  return parts.join(',');
}
