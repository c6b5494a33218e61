/**
 * `ptyxanes task`: which tasks one process runs (an index, or a SLURM array element with
 * an offset and K tasks per element, or a serial chain I … J), and running them with their
 * records. Tasks of one array element are independent (one phase): a failure is recorded
 * and the others still run; a serial chain stops at its first failure.
 */
import { PtyxanesError } from '../core/errors.ts';
import type { RunControl } from '../core/progress.ts';
import { RunDir } from '../pipeline/run-dir.ts';
import { executorFor } from './chains.ts';
import { runTask, taskContext, type TaskContext } from './execute.ts';
import { readPlan, type RunPlan } from './plan.ts';

export interface TaskSelection {
  /** First task; default from SLURM_ARRAY_TASK_ID: offset + id · tasksPerJob. */
  index?: number;
  offset?: number;
  tasksPerJob?: number;
  /** Run every task from index through this one, in order (a warm-start chain). */
  through?: number;
  /** Lanes (JSON list of task-index lists, written by submit): run lane `lane` (default SLURM_ARRAY_TASK_ID) in order. */
  lanes?: number[][];
  lane?: number;
}

export interface TaskRunSummary {
  ran: number[];
  skipped: number[];
  failed: { index: number; id: string; error: string }[];
}

/** The task indices a selection names, refused (one line) when out of the plan. */
export function selectTasks(plan: RunPlan, sel: TaskSelection, env: Record<string, string | undefined> = process.env): number[] {
  const n = plan.tasks.length;
  const K = sel.tasksPerJob ?? 1;
  if (!(Number.isInteger(K) && K >= 1)) throw new PtyxanesError('tasks per job must be a whole number ≥ 1', { field: '--tasks-per-job', expected: '1 or more', found: String(K) });
  if (sel.lanes) {
    const id = sel.lane ?? (env.SLURM_ARRAY_TASK_ID ? Number(env.SLURM_ARRAY_TASK_ID) : undefined);
    if (id === undefined || !(Number.isInteger(id) && id >= 0 && id < sel.lanes.length)) throw new PtyxanesError('lane out of range', { field: '--lane', expected: `0 … ${sel.lanes.length - 1}`, found: String(id) });
    const lane = sel.lanes[id];
    for (const i of lane) if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new PtyxanesError(`task index out of range: the plan has ${n} tasks`, { field: '--lanes', expected: `0 … ${n - 1}`, found: String(i) });
    return lane;
  }
  let first = sel.index;
  if (first === undefined) {
    const id = env.SLURM_ARRAY_TASK_ID;
    if (id === undefined || id === '') throw new PtyxanesError('which task? give --index I (or run inside a SLURM job array, which sets SLURM_ARRAY_TASK_ID)', { field: '--index', expected: `0 … ${n - 1}`, found: 'nothing' });
    first = (sel.offset ?? 0) + Number(id) * K;
  }
  if (!(Number.isInteger(first) && first >= 0 && first < n)) throw new PtyxanesError(`task index out of range: the plan has ${n} tasks`, { field: '--index', expected: `0 … ${n - 1}`, found: String(first) });
  if (sel.through !== undefined) {
    if (!(Number.isInteger(sel.through) && sel.through >= first && sel.through < n)) throw new PtyxanesError('--through out of range', { field: '--through', expected: `${first} … ${n - 1}`, found: String(sel.through) });
    return Array.from({ length: sel.through - first + 1 }, (_, k) => first + k);
  }
  const phase = plan.tasks[first].phase;
  const out: number[] = [];
  for (let i = first; i < Math.min(n, first + K) && plan.tasks[i].phase === phase; i++) out.push(i);
  return out;
}

/** Runs the selected tasks of the run in `dir` in this process. */
export async function runSelectedTasks(dir: string, sel: TaskSelection, control: RunControl & { job?: string } = {}, reuse?: { ctx: TaskContext }): Promise<TaskRunSummary> {
  const ctx = reuse?.ctx ?? taskContext(await RunDir.attach(dir), await readPlan(dir), control);
  const indices = selectTasks(ctx.plan, sel);
  const execute = await executorFor(ctx.plan);
  const out: TaskRunSummary = { ran: [], skipped: [], failed: [] };
  for (const i of indices) {
    try {
      const r = await runTask(ctx, i, execute, { job: control.job });
      (r.skipped ? out.skipped : out.ran).push(i);
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      out.failed.push({ index: i, id: ctx.plan.tasks[i].id, error: String((e as Error).message).split('\n')[0] });
      // A chain stops at its first failure: what follows needs it.
      if (sel.through !== undefined || sel.lanes) break;
    }
  }
  return out;
}

/** The scheduler's name for this process's job ('1234_7'), if any. */
export function jobLabel(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.SLURM_ARRAY_JOB_ID) return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  return env.SLURM_JOB_ID;
}
