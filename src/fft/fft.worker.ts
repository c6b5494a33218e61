/**
 * Worker thread body for the multi-threaded CPU FFT (see fft.workers.ts): claims frames of a
 * SharedArrayBuffer one at a time from a shared counter and transforms them in place with
 * the same single-thread plan as CpuFft2d.
 */
import { parentPort } from 'node:worker_threads';
import { cpuPlan } from './fft.cpu.ts';
import { claimFrames, type FftJob, type FftJobDone } from './fft.claim.ts';

const port = parentPort;
if (!port) throw new Error('fft.worker.ts must run as a worker thread');

port.on('message', (job: FftJob) => {
  let reply: FftJobDone;
  try {
    const view = new Float32Array(job.buffer, job.byteOffset, job.length);
    const done = claimFrames(cpuPlan(job.height, job.width), view, job);
    reply = { id: job.id, frames: done };
  } catch (e) {
    reply = { id: job.id, error: (e as Error).message };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
