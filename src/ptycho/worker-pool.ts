/**
 * BatchRunners on worker threads (Node) sharing the object, probe and patterns through
 * SharedArrayBuffers; inline runners where workers are unavailable (browser, one thread).
 * Workers load the TypeScript sources through tsx's loader, as the CLI does. Starting one
 * takes about a second, so finished workers wait in a pool for the next reconstruction
 * (an energy series reuses them); idle ones do not keep the process alive.
 */
import { BatchRunner, type RunnerInit, type TermsResult } from './batch-runner.ts';
import type { BatchWindow } from './kernels.cpu.ts';
import { canUseWorkerThreads, spawnModuleWorker } from '../core/worker-spawn.ts';

export interface RunnerHandle {
  setChunk(amp: Float32Array, base: number): Promise<void>;
  terms(frames: Int32Array, slots: Int32Array, updateProbe: boolean, refine: boolean): Promise<TermsResult>;
  gather(r0: number, r1: number, windows: BatchWindow[]): Promise<void>;
  close(): Promise<void>;
}

class InlineRunner implements RunnerHandle {
  private readonly r: BatchRunner;
  constructor(init: RunnerInit) {
    this.r = new BatchRunner(init);
  }
  async setChunk(amp: Float32Array, base: number) {
    this.r.setChunk(amp, base);
  }
  async terms(frames: Int32Array, slots: Int32Array, updateProbe: boolean, refine: boolean) {
    return this.r.terms(frames, slots, updateProbe, refine);
  }
  async gather(r0: number, r1: number, windows: BatchWindow[]) {
    this.r.gather(r0, r1, windows);
  }
  async close() {}
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

class ThreadRunner implements RunnerHandle {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  constructor(private readonly worker: import('node:worker_threads').Worker) {
    worker.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`ePIE worker: ${m.error}`));
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.pending.size) fail(new Error(`ePIE worker exited with code ${code}`));
    });
  }

  call<T>(msg: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }
  async setChunk(amp: Float32Array, base: number) {
    await this.call({ type: 'chunk', amp, base });
  }
  terms(frames: Int32Array, slots: Int32Array, updateProbe: boolean, refine: boolean) {
    return this.call<TermsResult>({ type: 'terms', frames, slots, updateProbe, refine });
  }
  async gather(r0: number, r1: number, windows: BatchWindow[]) {
    await this.call({ type: 'gather', r0, r1, windows });
  }
  /** Back to the pool (or ended, if it failed). */
  async close() {
    if (this.failure || this.pending.size) {
      await this.worker.terminate();
      return;
    }
    await this.call({ type: 'reset' }); // drop its references to this run's shared buffers
    this.worker.unref();
    idle.push(this);
  }
  acquire(): this {
    this.worker.ref();
    return this;
  }
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

const idle: ThreadRunner[] = [];

/** Ends the pooled idle workers (tests, or a host that wants its threads back now). */
export async function shutdownEpieWorkers(): Promise<void> {
  await Promise.all(idle.splice(0).map((r) => r.terminate()));
}

/** Whether typed arrays can be shared with worker threads here. */
export const canUseWorkers = canUseWorkerThreads;

function spawnWorker(): Promise<import('node:worker_threads').Worker> {
  return spawnModuleWorker(new URL('./epie-worker.ts', import.meta.url).href);
}

/** One runner per thread; `threads` ≤ 1 or no worker support gives one inline runner. */
export async function createRunners(inits: RunnerInit[], useWorkers: boolean): Promise<RunnerHandle[]> {
  if (!useWorkers || inits.length <= 1 || !canUseWorkers()) return [new InlineRunner(inits[0])];
  const handles: ThreadRunner[] = [];
  try {
    for (const init of inits) {
      const h = (idle.pop() ?? new ThreadRunner(await spawnWorker())).acquire();
      handles.push(h);
      await h.call({ type: 'init', init });
    }
  } catch (e) {
    await Promise.all(handles.map((h) => h.terminate()));
    throw new Error(`could not start ePIE worker threads: ${(e as Error).message}`);
  }
  return handles;
}
