/**
 * Worker thread for CPU tomography jobs: claims z slices from a shared counter and runs
 * them on the shared arrays (see threads.ts). Posts one message per finished slice.
 */
import { parentPort } from 'node:worker_threads';
import { runSlice, type SliceJob } from './slice-job.ts';
import { SliceScratch } from './slices.cpu.ts';

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
    for (;;) {
      const z = Atomics.add(counter, 0, 1);
      if (z >= job.g.rows || Atomics.load(counter, 1) !== 0) break;
      runSlice(job, z, () => (scratch ??= new SliceScratch(job.g)));
      port.postMessage({ id, slice: z });
    }
    port.postMessage({ id, done: true });
  } catch (e) {
    port.postMessage({ id, done: true, error: (e as Error).message });
  }
});
port.postMessage({ ready: true });
