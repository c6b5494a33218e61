/**
 * What is left to do in a run folder, and how it falls into jobs: the tasks without a
 * 'done' record, grouped by phase (the tasks of a phase are independent), a phase split into
 * array elements of K tasks, and runs of one-task phases where each needs the one before
 * (a warm-start chain) packed into one job that runs them in order; consecutive phases of
 * equal width where each task needs only the task at its place in the phase before (one
 * chain per angle) become lanes: one array element per chain, no barrier between phases,
 * and the start-up of a process paid once per chain instead of once per task.
 */
import type { RunPlan } from './plan.ts';
import type { TaskRecord } from './records.ts';

export interface JobSpec {
  /** First task index (the array's offset). */
  start: number;
  /**
   * 'array': elements j run tasks start + j·K … (same phase); 'serial': one job runs tasks
   * start … end in order; 'lanes': element k runs lanes[k] in order (parallel chains through
   * consecutive phases, e.g. one angle through every energy).
   */
  type: 'array' | 'serial' | 'lanes';
  lanes?: number[][];
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
    // A one-task phase that needs nothing (not done) outside the chain before it: the same chain.
    if (todo.length === 1 && prev?.type === 'serial' && plan.tasks[todo[0]].deps.every((d) => prev.tasks.includes(d) || !pending(d))) {
      prev.end = todo[0];
      prev.tasks.push(todo[0]);
      continue;
    }
    // Each task needing (of what is not done) only the last task of one chain of the job
    // before, a different chain each: the chains (lanes) go on.
    if (todo.length > 1 && prev && (prev.type === 'lanes' || (prev.type === 'array' && prev.phase === r.phase - 1))) {
      const lanes = prev.type === 'lanes' ? prev.lanes! : prev.tasks.map((t) => [t]);
      const laneOf = new Map(lanes.map((l, k) => [l[l.length - 1], k]));
      const pick = todo.map((t) => {
        const open = plan.tasks[t].deps.filter((d) => pending(d));
        return open.length === 1 ? laneOf.get(open[0]) : undefined;
      });
      if (pick.every((k) => k !== undefined) && new Set(pick).size === todo.length) {
        todo.forEach((t, j) => lanes[pick[j]!].push(t));
        Object.assign(prev, { type: 'lanes', lanes, end: Math.max(prev.end, todo[todo.length - 1]), tasks: lanes.flat(), elements: lanes.map((_, k) => k), tasksPerJob: 1 });
        continue;
      }
    }
    if (todo.length === 1) {
      jobs.push({ start: todo[0], end: todo[0], type: 'serial', elements: [0], tasksPerJob: 1, tasks: [todo[0]], phase: r.phase });
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
