/** Worker-thread entry for the CPU parallel mode: one BatchRunner driven by messages from worker-pool.ts. */
import { parentPort } from 'node:worker_threads';
import { BatchRunner, type RunnerInit } from './batch-runner.ts';
import type { BatchWindow } from './kernels.cpu.ts';

interface Message {
  id: number;
  type: string;
  init?: RunnerInit;
  amp?: Float32Array;
  base?: number;
  frames?: Int32Array;
  slots?: Int32Array;
  updateProbe?: boolean;
  refine?: boolean;
  r0?: number;
  r1?: number;
  windows?: BatchWindow[];
}

let runner: BatchRunner | null = null;

parentPort!.on('message', (m: Message) => {
  try {
    let result: unknown;
    if (m.type === 'init') runner = new BatchRunner(m.init!);
    else if (m.type === 'chunk') runner!.setChunk(m.amp!, m.base!);
    else if (m.type === 'terms') result = runner!.terms(m.frames!, m.slots!, m.updateProbe!, m.refine ?? false);
    else if (m.type === 'gather') runner!.gather(m.r0!, m.r1!, m.windows!);
    else if (m.type === 'reset') runner = null;
    else throw new Error(`unknown message '${m.type}'`);
    parentPort!.postMessage({ id: m.id, ok: true, result });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ok: false, error: (e as Error).stack ?? String(e) });
  }
});
