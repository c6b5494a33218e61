/**
 * Runs a CPU tomography job over all z slices, on worker threads sharing the arrays
 * (SharedArrayBuffer) or inline where threads are missing (browser) or not worth it.
 * Threads claim slices from a shared counter, so a thread slowed by other load takes
 * fewer; every slice is computed the same way wherever it runs, so the result does not
 * depend on the thread count. Workers start once per process and wait, unref'd, for the
 * next job (alignment runs hundreds of short jobs).
 */
import { throwIfAborted } from '../core/progress.ts';
import { availableCores, canUseWorkerThreads, spawnModuleWorker, workerReady } from '../core/worker-spawn.ts';
import { batchCount, newScratch, runBatch, sliceCost, type SliceJob } from './slice-job.ts';
import type { SliceScratch } from './slices.cpu.ts';

type NodeWorker = import('node:worker_threads').Worker;

export interface SliceRunOptions {
  /** Threads (default: the machine's cores, at most 8); 1 runs inline. */
  threads?: number;
  signal?: AbortSignal;
  /** Called after each finished slice with (slices done, total). */
  onSlice?: (done: number, total: number) => void;
}

let pool: Promise<NodeWorker[]> | null = null;
let poolSize = 0;

async function workers(n: number): Promise<NodeWorker[]> {
  if (pool && poolSize >= n) return (await pool).slice(0, n);
  const old = pool;
  poolSize = n;
  pool = (async () => {
    if (old) await Promise.all((await old.catch(() => [] as NodeWorker[])).map((w) => w.terminate()));
    const url = new URL('./tomo.worker.ts', import.meta.url).href;
    const ws = await Promise.all(Array.from({ length: n }, () => spawnModuleWorker(url)));
    await Promise.all(ws.map(workerReady));
    for (const w of ws) w.unref();
    return ws;
  })();
  pool.catch(() => {
    pool = null;
    poolSize = 0;
  });
  return pool;
}

/** Ends the idle tomography workers (tests; a host that wants its threads back). */
export async function shutdownTomoWorkers(): Promise<void> {
  const p = pool;
  pool = null;
  poolSize = 0;
  if (p) await Promise.all((await p.catch(() => [] as NodeWorker[])).map((w) => w.terminate()));
}

function isShared(a: Float32Array | Float64Array | null | undefined): boolean {
  return !a || a.buffer instanceof SharedArrayBuffer;
}

function toShared<T extends Float32Array | Float64Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const s = new Ctor(new SharedArrayBuffer(a.length * Ctor.BYTES_PER_ELEMENT));
  s.set(a as never);
  return s;
}

let nextId = 1;

/**
 * Runs `job` on every slice z. Arrays the job writes (vol for back/SIRT, proj for forward,
 * res2) are updated in place, also when they had to be staged through shared memory.
 */
export async function runSlices(job: SliceJob, opts: SliceRunOptions = {}): Promise<void> {
  const rows = job.g.rows;
  const want = Math.max(1, Math.min(opts.threads ?? Math.min(8, await availableCores()), batchCount(job)));
  // Below ~2·10⁷ interpolations a message round trip costs more than it saves.
  const threaded = want > 1 && canUseWorkerThreads() && sliceCost(job) * rows > 2e7;
  if (!threaded) return runInline(job, opts);
  const ws = await workers(want);
  const staged: SliceJob = {
    ...job,
    vol: toShared(job.vol),
    proj: toShared(job.proj),
    res2: job.res2 && toShared(job.res2),
    volumeMask: job.volumeMask && toShared(job.volumeMask),
    projectionMask: job.projectionMask && toShared(job.projectionMask),
  };
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const id = nextId++;
  let done = 0;
  const abort = () => Atomics.store(counter, 1, 1);
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    throwIfAborted(opts.signal);
    await Promise.all(
      ws.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMsg = (m: { id: number; slices?: number; done?: boolean; error?: string }) => {
              if (m.id !== id) return;
              if (m.slices !== undefined) opts.onSlice?.((done += m.slices), rows);
              if (m.done) {
                w.off('message', onMsg);
                w.off('error', onErr);
                w.unref();
                if (m.error) reject(new Error(`tomography worker: ${m.error}`));
                else resolve();
              }
            };
            const onErr = (e: Error) => {
              w.off('message', onMsg);
              reject(e);
            };
            w.ref();
            w.on('message', onMsg);
            w.once('error', onErr);
            w.postMessage({ id, job: staged, counter });
          }),
      ),
    );
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
  throwIfAborted(opts.signal);
  if (!isShared(job.vol) && job.kind !== 'forward') job.vol.set(staged.vol);
  if (!isShared(job.proj) && job.kind === 'forward') job.proj.set(staged.proj);
  if (job.res2 && !isShared(job.res2)) job.res2.set(staged.res2!);
}

async function runInline(job: SliceJob, opts: SliceRunOptions): Promise<void> {
  let scratch: SliceScratch | null = null;
  const rows = job.g.rows;
  let done = 0;
  for (let i = 0; i < batchCount(job); i++) {
    // Yield to the event loop between batches so progress and aborts get through.
    throwIfAborted(opts.signal);
    if (i) await new Promise<void>((r) => setTimeout(r, 0));
    done += runBatch(job, i, (scratch ??= newScratch(job)));
    opts.onSlice?.(done, rows);
  }
  throwIfAborted(opts.signal);
}
