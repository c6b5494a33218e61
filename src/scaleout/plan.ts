/**
 * The task plan of a run (`plan.json` in the run folder): every unit of work of a chain
 * (ePIE per energy or per (energy, angle), registration, per-energy tomography, the fit),
 * its inputs, outputs and dependencies, and the options that decide results. The same plan
 * runs in one process (`pipeline 2d|3d`), in local worker processes, or as SLURM job arrays;
 * a task is identified by its index, and the tasks of one phase depend only on earlier
 * phases, so a phase is one job array.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PtyxanesError } from '../core/errors.ts';
import { pathExists, writeJson } from '../io/files.ts';
import { stableStringify } from '../pipeline/run-dir.ts';
import { VERSION } from '../version.ts';

export const PLAN_FILE = 'plan.json';

export interface PlanTask {
  index: number;
  /** Unique name, also its stage name in run.json (e.g. 'ptycho/E08333.50eV', 'register'). */
  id: string;
  /** What runs it: the chain's executor switches on this. */
  kind: string;
  /** Dependency depth: every dependency sits in an earlier phase; tasks of a phase are contiguous. */
  phase: number;
  deps: number[];
  /** Input files (an entry as 'file#entry'), for people and for the status of a failure. */
  inputs: string[];
  /** Output files or folders, relative to the run folder. */
  outputs: string[];
  params: Record<string, unknown>;
}

export interface RunPlan {
  tool: 'ptyxanes';
  version: string;
  /** 'pipeline-2d' or 'pipeline-3d'. */
  kind: string;
  createdAt: string;
  input: string;
  /** The options that decide results (the same object as run.json's). */
  options: Record<string, unknown>;
  /** sha256 of `options` as written: an edited plan is refused, not silently run. */
  optionsDigest: string;
  /** What the chain's executor needs besides the tasks (e.g. the input entries), JSON. */
  data: Record<string, unknown>;
  tasks: PlanTask[];
}

export { stableStringify };

export const digestOf = (options: Record<string, unknown>): string => createHash('sha256').update(stableStringify(options)).digest('hex');

/** A task before phases and indices are known. */
export interface TaskSpec {
  id: string;
  kind: string;
  deps: string[];
  inputs?: string[];
  outputs: string[];
  params?: Record<string, unknown>;
}

/**
 * Orders tasks by phase (longest dependency path), keeping the given order within a phase,
 * and turns dependency names into indices. Refuses unknown or circular dependencies.
 */
export function orderTasks(specs: TaskSpec[]): PlanTask[] {
  const byId = new Map(specs.map((s, i) => [s.id, i]));
  if (byId.size !== specs.length) throw new PtyxanesError('two tasks share a name', { field: 'tasks', expected: 'unique ids', found: `${specs.length - byId.size} duplicates` });
  const phase = new Array<number>(specs.length).fill(-1);
  const visiting = new Set<number>();
  const depth = (i: number): number => {
    if (phase[i] >= 0) return phase[i];
    if (visiting.has(i)) throw new PtyxanesError('circular task dependencies', { field: specs[i].id });
    visiting.add(i);
    let p = 0;
    for (const d of specs[i].deps) {
      const j = byId.get(d);
      if (j === undefined) throw new PtyxanesError('unknown dependency', { field: specs[i].id, expected: 'a task of the plan', found: d });
      p = Math.max(p, depth(j) + 1);
    }
    visiting.delete(i);
    return (phase[i] = p);
  };
  specs.forEach((_, i) => depth(i));
  const order = specs.map((_, i) => i).sort((a, b) => phase[a] - phase[b] || a - b);
  const newIndex = new Map(order.map((old, k) => [specs[old].id, k]));
  return order.map((old, k) => ({
    index: k,
    id: specs[old].id,
    kind: specs[old].kind,
    phase: phase[old],
    deps: specs[old].deps.map((d) => newIndex.get(d)!),
    inputs: specs[old].inputs ?? [],
    outputs: specs[old].outputs,
    params: specs[old].params ?? {},
  }));
}

export function makePlan(kind: string, input: string, options: Record<string, unknown>, data: Record<string, unknown>, specs: TaskSpec[]): RunPlan {
  const opts = JSON.parse(stableStringify(options)) as Record<string, unknown>;
  return { tool: 'ptyxanes', version: VERSION, kind, createdAt: new Date().toISOString(), input: resolve(input), options: opts, optionsDigest: digestOf(opts), data, tasks: orderTasks(specs) };
}

export async function writePlan(dir: string, plan: RunPlan): Promise<void> {
  await writeJson(join(dir, PLAN_FILE), plan);
}

/**
 * Reads a run folder's plan, refusing (one line each) a folder without one, a plan written
 * by another version of ptyxanes (its tasks could mean other work), and edited options.
 */
export async function readPlan(dir: string): Promise<RunPlan> {
  const path = join(resolve(dir), PLAN_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new PtyxanesError('not a planned run folder: no plan.json (write one with `ptyxanes plan 2d|3d --input DATA --out RUN`)', { file: path });
  }
  let plan: RunPlan;
  try {
    plan = JSON.parse(text) as RunPlan;
  } catch (e) {
    throw new PtyxanesError(`unreadable plan: ${(e as Error).message}`, { file: path });
  }
  if (plan.tool !== 'ptyxanes' || !Array.isArray(plan.tasks)) throw new PtyxanesError('not a ptyxanes plan', { file: path, expected: "tool 'ptyxanes' with tasks", found: String(plan.tool) });
  if (plan.version !== VERSION) {
    throw new PtyxanesError(`planned by another version of ptyxanes; plan it again with this one (ptyxanes plan ... --force)`, { file: path, field: 'version', expected: VERSION, found: String(plan.version) });
  }
  const digest = digestOf(plan.options ?? {});
  if (digest !== plan.optionsDigest) {
    throw new PtyxanesError('the options in plan.json were edited after planning; plan again with the new options (ptyxanes plan ... --force) instead of editing', { file: path, field: 'options', expected: `digest ${String(plan.optionsDigest).slice(0, 12)}…`, found: `${digest.slice(0, 12)}…` });
  }
  return plan;
}

/** Every task that depends on one of `roots`, directly or not, with the roots themselves. */
export function withDependents(plan: RunPlan, roots: Iterable<number>): Set<number> {
  const out = new Set<number>(roots);
  // Dependencies always point to earlier phases, and tasks are ordered by phase.
  for (const t of plan.tasks) if (!out.has(t.index) && t.deps.some((d) => out.has(d))) out.add(t.index);
  return out;
}

/**
 * The plan a run folder works to: `plan` written there if it has none; on a resumed run the
 * plan already there (the options were checked equal by RunDir), which must hold the same tasks.
 */
export async function planRun(run: { dir: string }, plan: RunPlan): Promise<RunPlan> {
  const old = (await pathExists(join(run.dir, PLAN_FILE))) ? await readPlan(run.dir) : null;
  if (!old) {
    await writePlan(run.dir, plan);
    return plan;
  }
  const ids = (p: RunPlan) => p.tasks.map((t) => `${t.id}<${t.deps.join(',')}`).join(' ');
  if (ids(old) !== ids(plan)) {
    throw new PtyxanesError('the run folder holds a plan with other tasks (another input or chain); plan it again with --force', { file: join(run.dir, PLAN_FILE), expected: `${plan.tasks.length} tasks`, found: `${old.tasks.length}` });
  }
  return old;
}
