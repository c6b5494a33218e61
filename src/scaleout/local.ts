/**
 * Local workers (`submit --scheduler local --workers N`): N processes on this machine, each
 * a `ptyxanes task RUN --serve` that runs the tasks it is sent (its backend and adapter set
 * up once). This process hands each ready task (dependencies done) to an idle worker, in
 * plan order, until nothing is left; a failed task's dependents are not started.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PtyxanesError } from '../core/errors.ts';
import type { RunControl } from '../core/progress.ts';
import { readPlan } from './plan.ts';
import { readAllRecords } from './records.ts';

export interface LocalRunResult {
  workers: number;
  ran: number;
  failed: { index: number; id: string; error: string }[];
  /** Tasks not started because something they need failed. */
  blocked: number;
  seconds: number;
}

export const cliPath = (): string => fileURLToPath(new URL('../../bin/ptyxanes.mjs', import.meta.url));

interface Reply {
  index: number;
  ok: boolean;
  error?: string;
}

export async function runLocalWorkers(dir: string, workers: number, control: RunControl = {}): Promise<LocalRunResult> {
  if (!(Number.isInteger(workers) && workers >= 1)) throw new PtyxanesError('workers must be a whole number ≥ 1', { field: '--workers', expected: '1 or more', found: String(workers) });
  const t0 = Date.now();
  const plan = await readPlan(dir);
  const records = await readAllRecords(dir, plan);
  const done = new Set(records.flatMap((r, i) => (r?.status === 'done' ? [i] : [])));
  const failed: LocalRunResult['failed'] = [];
  const bad = new Set<number>();
  const started = new Set<number>(done);
  let ran = 0;
  const ready = () => plan.tasks.find((t) => !started.has(t.index) && t.deps.every((d) => done.has(d)));
  const blockedCount = () => plan.tasks.filter((t) => !done.has(t.index) && !bad.has(t.index)).length;

  const procs: ChildProcess[] = [];
  const n = Math.min(workers, Math.max(1, plan.tasks.length - done.size));
  try {
    await new Promise<void>((resolve, reject) => {
      let busy = 0;
      const idle: ChildProcess[] = [];
      const onAbort = () => reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
      control.signal?.addEventListener('abort', onAbort, { once: true });
      // Every idle worker gets the next ready task; nothing ready and nothing running: finished.
      const dispatch = () => {
        while (idle.length) {
          const t = ready();
          if (!t) break;
          started.add(t.index);
          busy++;
          idle.shift()!.send({ index: t.index });
        }
        if (busy === 0) resolve();
      };
      for (let k = 0; k < n; k++) {
        const p = fork(cliPath(), ['task', dir, '--serve'], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, PTYXANES_WORKER: String(k) } });
        let stderr = '';
        p.stderr?.on('data', (d) => (stderr = (stderr + String(d)).slice(-2000)));
        p.on('message', (m: Reply) => {
          busy--;
          if (m.ok) {
            done.add(m.index);
            ran++;
            control.onProgress?.({ stage: 'tasks', done: done.size, total: plan.tasks.length, message: `${plan.tasks[m.index].id} done (worker ${k})` });
          } else {
            bad.add(m.index);
            failed.push({ index: m.index, id: plan.tasks[m.index].id, error: m.error ?? 'failed' });
            control.onProgress?.({ stage: 'tasks', done: done.size, total: plan.tasks.length, message: `${plan.tasks[m.index].id} FAILED: ${m.error}` });
          }
          idle.push(p);
          dispatch();
        });
        p.on('exit', (code) => {
          if (code !== 0 && code !== null) reject(new PtyxanesError(`local worker ${k} stopped (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
        });
        procs.push(p);
        idle.push(p);
      }
      dispatch();
    });
  } finally {
    for (const p of procs) if (p.connected) p.disconnect();
  }
  return { workers: n, ran, failed, blocked: blockedCount(), seconds: (Date.now() - t0) / 1000 };
}
