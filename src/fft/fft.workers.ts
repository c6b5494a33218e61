/**
 * Multi-threaded CPU 2D FFT: worker threads and the calling thread claim frames from a
 * shared counter and transform them in one SharedArrayBuffer, so no frame is copied per
 * worker and a thread slowed by other load takes fewer frames. Data not
 * already in shared memory is staged through a reused SharedArrayBuffer in blocks.
 * Workers start once per process (lazily), are unref'd while idle so Node can exit, and
 * the pool falls back to one thread where worker_threads is missing (browsers) or fails.
 */
import { cpuPlan } from './fft.cpu.ts';
import { claimFrames, type FftJob, type FftJobDone } from './fft.claim.ts';
import type { FftDirection } from './validate.ts';
import { throwIfAborted } from '../core/progress.ts';
import { availableCores, spawnModuleWorker, workerReady } from '../core/worker-spawn.ts';

type NodeWorker = import('node:worker_threads').Worker;

/** Below this many complex points per call, starting or messaging workers costs more than it saves. */
export const MIN_THREADED_POINTS = 1 << 17;
/** Staging block for data that is not in a SharedArrayBuffer. */
const STAGE_BYTES = 64 * 1024 * 1024;
// Vite rewrites `new URL('<literal>', import.meta.url)`; a variable keeps this Node-only file out of bundles.
const WORKER_FILE = './fft.worker.ts';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

class WorkerPool {
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private broken: Error | null = null;
  private stage: SharedArrayBuffer | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly workers: NodeWorker[]) {
    for (const w of workers) {
      w.on('message', (m: FftJobDone | { ready: true }) => {
        if (!('id' in m)) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(new Error(`FFT worker: ${m.error}`));
        else p.resolve();
        if (!this.pending.size) for (const x of this.workers) x.unref();
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => this.fail(new Error(`FFT worker exited (code ${code})`)));
      w.unref();
    }
  }

  static async start(count: number): Promise<WorkerPool> {
    const url = new URL(WORKER_FILE, import.meta.url).href;
    const workers = await Promise.all(Array.from({ length: count }, () => spawnModuleWorker(url)));
    // Wait until each worker has loaded its module, so a broken setup fails here, once.
    await Promise.all(workers.map(workerReady)
    ).catch(async (e) => {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    });
    return new WorkerPool(workers);
  }

  private fail(e: Error): void {
    if (this.broken) return;
    this.broken = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  get ok(): boolean {
    return !this.broken;
  }

  run(worker: NodeWorker, job: Omit<FftJob, 'id'>): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // keep Node alive while a job is out
      worker.postMessage({ ...job, id } satisfies FftJob);
    });
  }

  /** Runs `f` after every earlier exclusive call has finished (calls share the staging buffer). */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  stageBuffer(bytes: number): SharedArrayBuffer {
    if (!this.stage || this.stage.byteLength < bytes) this.stage = new SharedArrayBuffer(bytes);
    return this.stage;
  }

  async terminate(): Promise<void> {
    this.fail(new Error('FFT worker pool shut down'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

let poolPromise: Promise<WorkerPool | null> | null = null;
let poolError: Error | null = null;

/** Worker threads running now, and why the pool failed to start if it did (tests, diagnostics). */
export async function fftWorkerStatus(): Promise<{ workers: number; error: string | null }> {
  const p = poolPromise ? await poolPromise : null;
  return { workers: p?.ok ? p.workers.length : 0, error: poolError?.message ?? null };
}

/** Threads the CPU FFT uses: the machine's parallelism (capped at 8). */
export async function fftThreads(): Promise<number> {
  return Math.max(1, Math.min(8, await availableCores()));
}

async function getPool(threads: number): Promise<WorkerPool | null> {
  if (!isNode || threads < 2) return null;
  if (poolPromise) {
    const p = await poolPromise;
    if (p && p.ok && p.workers.length >= threads - 1) return p;
    if (p) await p.terminate();
  }
  // The calling thread takes one share, so threads - 1 workers.
  poolPromise = WorkerPool.start(threads - 1).catch((e: Error) => {
    poolError = e; // fall back to one thread; fftWorkerStatus() says why
    return null;
  });
  return poolPromise;
}

/** Stops the FFT worker threads (they are unref'd while idle, so this is optional). */
export async function shutdownFftWorkers(): Promise<void> {
  const p = poolPromise;
  poolPromise = null;
  await (await p)?.terminate();
}

/**
 * In-place batched 2D FFT over `threads` threads (default: all cores). Small batches and
 * environments without worker_threads run on the calling thread.
 */
export async function fft2dThreaded(
  data: Float32Array,
  batch: number,
  height: number,
  width: number,
  direction: FftDirection,
  opts: { threads?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const plan = cpuPlan(height, width);
  const threads = Math.min(opts.threads ?? (await fftThreads()), batch);
  const pool = batch * height * width >= MIN_THREADED_POINTS || opts.threads ? await getPool(threads) : null;
  if (!pool) {
    for (let b = 0; b < batch; b++) {
      if ((b & 7) === 0) throwIfAborted(opts.signal);
      plan.transform(data, direction, b * 2 * height * width);
    }
    return;
  }
  return pool.exclusive(async () => {
    const frameFloats = 2 * height * width;
    const shared = data.buffer instanceof SharedArrayBuffer;
    const blockFrames = shared ? batch : Math.min(batch, Math.max(1, Math.floor(STAGE_BYTES / (4 * frameFloats))));
    for (let first = 0; first < batch; first += blockFrames) {
      throwIfAborted(opts.signal);
      const frames = Math.min(blockFrames, batch - first);
      let view: Float32Array;
      if (shared) {
        view = data;
      } else {
        view = new Float32Array(pool.stageBuffer(4 * frameFloats * blockFrames), 0, frames * frameFloats);
        view.set(data.subarray(first * frameFloats, (first + frames) * frameFloats));
      }
      const job = {
        buffer: view.buffer as SharedArrayBuffer, byteOffset: view.byteOffset, length: view.length,
        counter: new SharedArrayBuffer(4), firstFrame: shared ? first : 0, frames, height, width, direction,
      };
      const helpers = Math.min(threads, pool.workers.length + 1, frames) - 1;
      const jobs = pool.workers.slice(0, helpers).map((w) => pool.run(w, job));
      claimFrames(plan, view, job);
      await Promise.all(jobs);
      if (!shared) data.set(view, first * frameFloats);
    }
  });
}
