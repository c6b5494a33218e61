/**
 * The CPU path of registerPairs on every core: the calling thread and worker threads claim
 * two pairs at a time from one Atomics counter over the images in shared memory, and write
 * their results into one shared array, so a thread slowed by other load takes fewer pairs.
 * The tomography alignment registers hundreds of projection pairs per iteration, which is
 * where this matters.
 *
 * The calling thread never waits for the workers to start: it begins claiming at once, and
 * the pool (started on the first large call, kept for the process, unref'd while idle)
 * joins as soon as it is ready. So a first call pays no start-up, a small call stays on one
 * thread, and where worker_threads is missing (browsers) or fails, everything runs inline.
 */
import { throwIfAborted } from '../core/progress.ts';
import { canUseWorkerThreads, spawnModuleWorker, workerReady } from '../core/worker-spawn.ts';
import { PairCorrelator, type PairResults } from './correlate.cpu.ts';
import type { ResolvedCorrelationOptions } from './options.ts';
import type { PairSet } from './pairs.ts';

type NodeWorker = import('node:worker_threads').Worker;

/** Pairs of 256² below which one thread is enough (about 50 ms of work). */
const MIN_THREADED_POINTS = 8 * 256 * 256;
// A variable, not a literal in new URL(): keeps this Node-only file out of Vite's bundles.
const WORKER_FILE = './correlate.worker.ts';

/** What a worker gets: the pair set's arrays on shared memory, and where to write results. */
export interface PairJob {
  id: number;
  set: PairSet;
  opts: ResolvedCorrelationOptions;
  /** Int32Array [next pair to claim, pairs done] on shared memory. */
  counter: SharedArrayBuffer;
  /** Float64Array [shifts (2n) | errors (n) | peaks (n)] on shared memory. */
  results: SharedArrayBuffer;
  /** Uint8Array(n) on shared memory: 1 once a pair's results are written. */
  done: SharedArrayBuffer;
}
export type PairJobDone = { id: number; pairs?: number; error?: string };

/** Correlates claimed pairs until none are left; returns how many this thread did. */
export function claimPairs(c: PairCorrelator, job: Omit<PairJob, 'id'>, stop?: () => boolean): number {
  const counter = new Int32Array(job.counter);
  const n = job.set.n;
  const all = new Float64Array(job.results);
  const out: PairResults = { shifts: all.subarray(0, 2 * n), errors: all.subarray(2 * n, 3 * n), peaks: all.subarray(3 * n, 4 * n) };
  const flags = new Uint8Array(job.done);
  let done = 0;
  for (let i = Atomics.add(counter, 0, 2); i < n; i = Atomics.add(counter, 0, 2)) {
    const count = Math.min(2, n - i);
    c.correlate(job.set, i, count, out);
    flags.fill(1, i, i + count);
    Atomics.add(counter, 1, count);
    done += count;
    if (stop?.()) break;
  }
  return done;
}

class PairPool {
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  broken: Error | null = null;
  /** Pairs the workers have registered since the pool started. */
  pairsDone = 0;

  constructor(readonly workers: NodeWorker[]) {
    for (const w of workers) {
      w.on('message', (m: PairJobDone | { ready: true }) => {
        if (!('id' in m)) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.pairsDone += m.pairs ?? 0;
        if (m.error) p.reject(new Error(`registration worker: ${m.error}`));
        else p.resolve();
        if (!this.pending.size) for (const x of this.workers) x.unref();
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => this.fail(new Error(`registration worker exited (code ${code})`)));
      w.unref();
    }
  }

  private fail(e: Error): void {
    if (this.broken) return;
    this.broken = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  run(worker: NodeWorker, job: Omit<PairJob, 'id'>): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // keep Node alive while a job is out
      worker.postMessage({ ...job, id } satisfies PairJob);
    });
  }

  async terminate(): Promise<void> {
    this.fail(new Error('registration worker pool shut down'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

let pool: PairPool | null = null;
let starting: Promise<void> | null = null;
let poolError: Error | null = null;

async function threadCount(): Promise<number> {
  const os = await import(/* @vite-ignore */ 'node:os');
  return Math.max(1, Math.min(8, os.availableParallelism?.() ?? os.cpus().length));
}

/** Starts the pool in the background (once); `pool` is set when it is ready. */
function startPool(): void {
  if (starting || poolError) return;
  starting = (async () => {
    const threads = await threadCount();
    if (threads < 2) return;
    const url = new URL(WORKER_FILE, import.meta.url).href;
    const workers = await Promise.all(Array.from({ length: threads - 1 }, () => spawnModuleWorker(url)));
    try {
      await Promise.all(workers.map(workerReady));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    pool = new PairPool(workers);
  })().catch((e: Error) => {
    poolError = e; // one thread from now on; registerWorkerStatus() says why
  });
}

/** Worker threads in use and why the pool failed to start, if it did (tests, diagnostics). */
export async function registerWorkerStatus(): Promise<{ workers: number; pairsDone: number; error: string | null }> {
  await starting;
  return { workers: pool && !pool.broken ? pool.workers.length : 0, pairsDone: pool?.pairsDone ?? 0, error: poolError?.message ?? null };
}

/** Ends the registration worker threads (idle ones do not keep the process alive anyway). */
export async function shutdownRegisterWorkers(): Promise<void> {
  await starting;
  const p = pool;
  pool = null;
  starting = null;
  await p?.terminate();
}

function toShared(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/**
 * registerPairs' CPU path: all cores for large batches (`threads` caps them; 1 = this thread
 * only), results identical to the one-thread path (each pair is computed the same way).
 */
export async function correlatePairsThreaded(
  set: PairSet,
  opts: ResolvedCorrelationOptions,
  run: { signal?: AbortSignal; onPair?: (done: number) => void; threads?: number } = {},
): Promise<PairResults> {
  const n = set.n;
  const big = n >= 4 && n * set.fftH * set.fftW >= MIN_THREADED_POINTS && (run.threads ?? 2) > 1 && canUseWorkerThreads();
  if (big) startPool();
  const shared: PairSet = big
    ? { ...set, ref: toShared(set.ref), mov: toShared(set.mov), refMask: set.refMask && toShared(set.refMask), movMask: set.movMask && toShared(set.movMask) }
    : set;
  // Plain buffers where there are no threads: browsers without cross-origin isolation have no SharedArrayBuffer.
  const buf = (bytes: number) => (big ? new SharedArrayBuffer(bytes) : (new ArrayBuffer(bytes) as unknown as SharedArrayBuffer));
  const job: Omit<PairJob, 'id'> = { set: shared, opts, counter: buf(8), results: buf(8 * 4 * n), done: buf(n) };
  const counter = new Int32Array(job.counter);
  const c = new PairCorrelator(set, opts);
  const jobs: Promise<void>[] = [];
  let joined = !big;
  try {
    for (;;) {
      throwIfAborted(run.signal);
      if (!joined && pool && !pool.broken) {
        joined = true;
        const helpers = pool.workers.slice(0, Math.max(0, (run.threads ?? Infinity) - 1));
        // A worker that fails leaves its claimed pairs undone: recomputed below on this thread.
        for (const w of helpers) jobs.push(pool.run(w, job).catch(() => undefined));
      }
      const did = claimPairs(c, job, () => true); // one claim, then look around
      run.onPair?.(Math.min(n, Atomics.load(counter, 1)));
      if (!did) break;
      // Let a pool that just became ready (and abort signals) be seen between claims.
      if (!joined) await new Promise((r) => setImmediate(r));
    }
  } finally {
    // On abort: claim everything left so the workers stop after their current pairs.
    Atomics.store(counter, 0, n);
    await Promise.all(jobs);
  }
  const all = new Float64Array(job.results);
  const out: PairResults = { shifts: all.slice(0, 2 * n), errors: all.slice(2 * n, 3 * n), peaks: all.slice(3 * n, 4 * n) };
  if (Atomics.load(counter, 1) < n) {
    // A worker died mid-pair: redo, on this thread, every pair not marked done.
    throwIfAborted(run.signal);
    const flags = new Uint8Array(job.done);
    for (let i = 0; i < n; i++) if (!flags[i]) c.correlate(set, i, 1, out);
  }
  return out;
}
