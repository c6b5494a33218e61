/**
 * One record per task under RUN/tasks/ (`000042.json`), written atomically by the process
 * that runs the task: 'running' when it starts (host, pid, job), then 'done' (timing,
 * outputs, adapter) or 'failed' (the error). Only a 'done' record marks finished work: a
 * task killed mid-way leaves 'running' (or nothing), never something that looks finished.
 * Many processes write here at once, each its own file, so nothing is shared but the folder.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJson } from '../io/files.ts';
import type { RunPlan } from './plan.ts';

export type TaskStatus = 'running' | 'done' | 'failed';

export interface TaskRecord {
  index: number;
  id: string;
  status: TaskStatus;
  startedAt: string;
  finishedAt?: string;
  seconds?: number;
  host: string;
  pid: number;
  /** Seconds since its process started, when the task started (the first task of a process: the start-up cost). */
  uptimeS?: number;
  /** SLURM job and array element ('1234_7'), when run by SLURM. */
  job?: string;
  /** The compute backend and adapter the task ran on ('gpu: …' or 'cpu'). */
  backend?: string;
  outputs?: string[];
  info?: Record<string, unknown>;
  /** One line: what went wrong (failed tasks). */
  error?: string;
}

export const TASKS_DIR = 'tasks';
export const recordPath = (dir: string, index: number): string => join(dir, TASKS_DIR, `${String(index).padStart(6, '0')}.json`);

export async function readRecord(dir: string, index: number): Promise<TaskRecord | null> {
  try {
    return JSON.parse(await readFile(recordPath(dir, index), 'utf8')) as TaskRecord;
  } catch {
    return null;
  }
}

export async function writeRecord(dir: string, rec: TaskRecord): Promise<void> {
  await writeJson(recordPath(dir, rec.index), rec);
}

export async function removeRecord(dir: string, index: number): Promise<void> {
  await rm(recordPath(dir, index), { force: true });
}

/** Every task's record (null: never started), by task index. */
export async function readAllRecords(dir: string, plan: RunPlan): Promise<(TaskRecord | null)[]> {
  const out: (TaskRecord | null)[] = new Array(plan.tasks.length).fill(null);
  let names: string[] = [];
  try {
    names = await readdir(join(dir, TASKS_DIR));
  } catch {
    return out;
  }
  await Promise.all(
    names
      .filter((n) => /^\d{6}\.json$/.test(n))
      .map(async (n) => {
        const i = Number(n.slice(0, 6));
        if (i < out.length) out[i] = await readRecord(dir, i);
      }),
  );
  return out;
}

/** This machine's short name (records say where a task ran). */
export const hostName = (): string => hostname().split('.')[0];

/** Whether a 'running' record's process is gone (same host only; elsewhere it cannot be told). */
export function isStale(rec: TaskRecord): boolean {
  if (rec.status !== 'running' || rec.host !== hostName()) return false;
  try {
    process.kill(rec.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
