/**
 * Worker thread for CPU tomography jobs: claims batches of z slices from a shared counter
 * and runs them on the shared arrays (see threads.ts). Posts one message per finished batch.
 */
import { parentPort } from 'node:worker_threads';
import { batchCount, newScratch, runBatch, type SliceJob } from './slice-job.ts';
import type { SliceScratch } from './slices.cpu.ts';

interface JobMessage {
  id: number;
  job: SliceJob;
  counter: Int32Array;
}

const port = parentPort!;
port.on('message', (m: JobMessage) => {
  const { id, job, counter } = m;
  let scratch: SliceScratch | null = null;
  try {
    const n = batchCount(job);
    for (;;) {
      const i = Atomics.add(counter, 0, 1);
      if (i >= n || Atomics.load(counter, 1) !== 0) break;
      const slices = runBatch(job, i, (scratch ??= newScratch(job)));
      port.postMessage({ id, slices });
    }
    port.postMessage({ id, done: true });
  } catch (e) {
    port.postMessage({ id, done: true, error: (e as Error).message });
  }
});
port.postMessage({ ready: true });
