/**
 * Work sharing for the multi-threaded CPU FFT: the calling thread and the workers claim
 * frames from one Atomics counter, so a thread slowed by other load simply takes fewer
 * frames (a static split would wait for the slowest share).
 */
import type { CpuFft2d } from './fft.cpu.ts';
import type { FftDirection } from './validate.ts';

export interface FftJob {
  id: number;
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
  /** Int32Array(1) on shared memory: the next frame to claim, relative to firstFrame. */
  counter: SharedArrayBuffer;
  firstFrame: number;
  frames: number;
  height: number;
  width: number;
  direction: FftDirection;
}
export type FftJobDone = { id: number; frames?: number; error?: string };

/** Transforms frames claimed from `job.counter` until none are left; returns how many. */
export function claimFrames(plan: CpuFft2d, view: Float32Array, job: Omit<FftJob, 'id'>): number {
  const counter = new Int32Array(job.counter);
  const frameFloats = 2 * job.height * job.width;
  let done = 0;
  for (let i = Atomics.add(counter, 0, 1); i < job.frames; i = Atomics.add(counter, 0, 1)) {
    plan.transform(view, job.direction, (job.firstFrame + i) * frameFloats);
    done++;
  }
  return done;
}
