/**
 * Worker thread body for the multi-threaded CPU registration (correlate.threads.ts): claims
 * pairs from the shared counter and writes their results into the shared array, with one
 * PairCorrelator (FFT plan, window, scratch) kept per frame size and options.
 */
import { parentPort } from 'node:worker_threads';
import { PairCorrelator } from './correlate.cpu.ts';
import { claimPairs, type PairJob, type PairJobDone } from './correlate.threads.ts';

const port = parentPort;
if (!port) throw new Error('correlate.worker must run as a worker thread');

let cached: { key: string; c: PairCorrelator } | null = null;

port.on('message', (job: PairJob) => {
  let reply: PairJobDone;
  try {
    const key = JSON.stringify([job.set.h, job.set.w, job.set.fftH, job.set.fftW, job.opts]);
    if (cached?.key !== key) cached = { key, c: new PairCorrelator(job.set, job.opts) };
    reply = { id: job.id, pairs: claimPairs(cached.c, job) };
  } catch (e) {
    reply = { id: job.id, error: (e as Error).message };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
