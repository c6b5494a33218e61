/**
 * Running tasks of a plan: one task (`runTask`: idempotent, records status, timing, host,
 * adapter, and the error of a failure) and the whole plan in this process
 * (`runPlanInProcess`, what `pipeline 2d|3d` does). Both call the chain's executor, so a
 * task gives the same files whichever process, node or scheduler runs it.
 */
import { PtyxanesError } from '../core/errors.ts';
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import { resolveBackend, type Backend } from '../gpu/backend.ts';
import { adapterLabel } from '../gpu/context.ts';
import type { RunDir, StageRecord } from '../pipeline/run-dir.ts';
import type { PlanTask, RunPlan } from './plan.ts';
import { hostName, readAllRecords, readRecord, removeRecord, writeRecord, type TaskRecord } from './records.ts';

export interface TaskOutcome {
  /** Files written (absolute or relative to the run folder). */
  outputs: string[];
  info?: Record<string, unknown>;
  /** What the final task hands back to an in-process caller (e.g. the pipeline's result). */
  value?: unknown;
}

export interface TaskContext extends RunControl {
  run: RunDir;
  plan: RunPlan;
  /** The compute backend of this process, resolved once, on the first task that needs it. */
  backend(): Promise<{ kind: Backend; label: string }>;
  /** Per-process memory between tasks (e.g. the last reconstruction, the next one's warm start). */
  cache: Map<string, unknown>;
}

export type TaskExecutor = (task: PlanTask, ctx: TaskContext) => Promise<TaskOutcome>;

export interface RunTaskResult {
  skipped: boolean;
  record: TaskRecord;
  value?: unknown;
}

const oneLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0];

/** The plan's last task: it writes the results file, so it first gathers every task's record into run.json. */
const isFinal = (plan: RunPlan, task: PlanTask) => task.index === plan.tasks.length - 1;

function stageOf(rec: TaskRecord): StageRecord {
  return { status: 'done', startedAt: rec.startedAt, finishedAt: rec.finishedAt!, seconds: rec.seconds!, outputs: rec.outputs ?? [], info: rec.info };
}

/** run.json's stages, from the task records (the records are the truth; run.json is their summary). */
export async function gatherStages(run: RunDir, plan: RunPlan): Promise<void> {
  const recs = await readAllRecords(run.dir, plan);
  const stages: Record<string, StageRecord> = {};
  for (const r of recs) if (r?.status === 'done') stages[r.id] = stageOf(r);
  run.record.stages = stages;
}

/**
 * Runs task `index` unless a 'done' record says it ran: every dependency must be done
 * (a one-line error names the first that is not). Writes 'running', then 'done' with
 * outputs and timing, or 'failed' with the error (and rethrows). A cancelled task leaves
 * no record. `job`: the scheduler's name for this run of it.
 */
export async function runTask(ctx: TaskContext, index: number, execute: TaskExecutor, opts: { job?: string; inProcess?: boolean } = {}): Promise<RunTaskResult> {
  const { plan, run } = ctx;
  const task = plan.tasks[index];
  if (!task) throw new PtyxanesError('task index out of range', { file: run.dir, field: '--index', expected: `0 … ${plan.tasks.length - 1}`, found: String(index) });
  const old = await readRecord(run.dir, index);
  if (old?.status === 'done') return { skipped: true, record: old };
  for (const d of task.deps) {
    const dr = await readRecord(run.dir, d);
    if (dr?.status !== 'done') {
      throw new PtyxanesError(`task ${index} (${task.id}) needs task ${d} (${plan.tasks[d].id}) first`, { file: run.dir, expected: 'its dependencies done', found: dr ? dr.status : 'not started' });
    }
  }
  throwIfAborted(ctx.signal);
  const t0 = Date.now();
  const base: TaskRecord = { index, id: task.id, status: 'running', startedAt: new Date(t0).toISOString(), host: hostName(), pid: process.pid, uptimeS: +process.uptime().toFixed(3), ...(opts.job ? { job: opts.job } : {}) };
  await writeRecord(run.dir, base);
  let backendLabel: string | undefined;
  const tracked: TaskContext = {
    ...ctx,
    backend: async () => {
      const b = await ctx.backend();
      backendLabel = b.label;
      return b;
    },
  };
  try {
    if (isFinal(plan, task)) await gatherStages(run, plan);
    const out = await execute(task, tracked);
    const t1 = Date.now();
    const rec: TaskRecord = {
      ...base,
      status: 'done',
      finishedAt: new Date(t1).toISOString(),
      seconds: (t1 - t0) / 1000,
      ...(backendLabel ? { backend: backendLabel } : {}),
      outputs: out.outputs.map((o) => (o.startsWith(run.dir + '/') ? o.slice(run.dir.length + 1) : o)),
      ...(out.info ? { info: out.info } : {}),
    };
    await writeRecord(run.dir, rec);
    if (opts.inProcess || isFinal(plan, task)) {
      run.record.stages[task.id] = stageOf(rec);
      if (backendLabel) run.record.backend = backendLabel;
      if (isFinal(plan, task)) run.record.complete = true;
      await run.save();
    }
    return { skipped: false, record: rec, value: out.value };
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') {
      await removeRecord(run.dir, index);
      throw e;
    }
    const t1 = Date.now();
    await writeRecord(run.dir, { ...base, status: 'failed', finishedAt: new Date(t1).toISOString(), seconds: (t1 - t0) / 1000, ...(backendLabel ? { backend: backendLabel } : {}), error: oneLine(e) });
    throw e;
  }
}

/**
 * The whole plan in this process, in plan order (every dependency comes first), skipping
 * finished tasks: what `pipeline 2d|3d` runs. Returns the final task's value (undefined
 * when it had finished before).
 */
export async function runPlanInProcess(ctx: TaskContext, execute: TaskExecutor): Promise<unknown> {
  let value: unknown;
  const total = ctx.plan.tasks.length;
  for (const task of ctx.plan.tasks) {
    throwIfAborted(ctx.signal);
    const r = await runTask(ctx, task.index, execute, { inProcess: true });
    if (r.skipped) ctx.onProgress?.({ stage: task.kind, done: task.index + 1, total, message: `${task.id} (done earlier)` });
    if (task.index === total - 1) value = r.value;
  }
  return value;
}

/**
 * A context for running tasks of `plan` in this process: the backend the plan's options
 * ask for ('auto' by default) is resolved on first use, once.
 */
export function taskContext(run: RunDir, plan: RunPlan, control: RunControl = {}): TaskContext {
  let backend: Promise<{ kind: Backend; label: string }> | null = null;
  return {
    run,
    plan,
    cache: new Map(),
    onProgress: control.onProgress,
    signal: control.signal,
    backend: () =>
      (backend ??= resolveBackend((plan.options.backend as 'auto' | 'gpu' | 'cpu' | undefined) ?? 'auto').then((b) => ({
        kind: b.kind,
        label: b.kind === 'gpu' ? `gpu: ${adapterLabel(b.ctx.info)}` : 'cpu',
      }))),
  };
}
