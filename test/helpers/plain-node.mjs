// A plain Node script using the built package by its name, as an analysis script would:
// no loader, no TypeScript. Prints one JSON line for test/package-build.test.ts.
import { presetConfig, simulateInMemory, reconstructEpie, registerPairs, fourierShift, VERSION } from 'ptyxanes';
// Internal modules of the same build, for the worker pools' status (same module instances).
import { fftWorkerStatus } from '../../dist/fft/fft.workers.js';
import { smoothRandomField } from '../../dist/register/synthetic.js';

const config = presetConfig('2d-small');
config.energiesEv = [8350];
config.scan.grid = [6, 5];
const sim = await simulateInMemory(config);
// Parallel ePIE on two worker threads (compiled epie-worker.js), two iterations, CPU.
const r = await reconstructEpie(sim.entries[0].source, { iterations: 2, mode: 'parallel', threads: 2, backend: 'cpu' });

// Registration of 32 pairs: the batch goes to the compiled correlate.worker.js pool.
const size = 128;
const ref = smoothRandomField(size, size, 2, 5);
const moving = new Float32Array(32 * size * size);
for (let i = 0; i < 32; i++) moving.set(fourierShift(ref, 1.25, -0.5).data, i * size * size);
await registerPairs(ref, { data: moving, shape: [32, size, size] }, { backend: 'cpu' });
const { registerWorkerStatus } = await import('../../dist/register/correlate.threads.js');
const regStatus = await registerWorkerStatus();
const reg = await registerPairs(ref, { data: moving, shape: [32, size, size] }, { backend: 'cpu' });

const { fft2d } = await import('ptyxanes');
await fft2d(new Float32Array(2 * 8 * 64 * 64), [8, 64, 64], { direction: 'forward', backend: 'cpu', threads: 2 });

console.log(JSON.stringify({
  version: VERSION,
  resolved: import.meta.resolve('ptyxanes'),
  epie: { errors: r.errors, shape: r.object.shape, threads: r.timings.threads },
  register: { shift: [reg.shifts[0], reg.shifts[1]], workers: (await registerWorkerStatus()).workers, error: regStatus.error, pairsByWorkers: (await registerWorkerStatus()).pairsDone },
  fft: await fftWorkerStatus(),
  loaders: process.execArgv,
}));
