/**
 * The 3D pipeline end to end, GPU path beside CPU path in one run: seconds per stage
 * (ePIE, projections, tomography, XANES fit, truth comparison) on a simulated preset
 * (default 3d-ci: 16 energies × 16 angles × 25 patterns of 64², about a minute on the CPU
 * path; `--preset 3d-small` for the 32-angle sample, ~3 min a path), and the state's
 * error against the truth so a faster path that is wrong shows. The paths alternate
 * (CPU, GPU, CPU, GPU with --rounds 2) and the best of each is kept; the load average is
 * recorded beside the figures. On a machine whose only adapter is a software rasteriser
 * (lavapipe) the "GPU" figures measure that rasteriser on the same cores, not a GPU.
 *
 *   npx tsx scripts/bench-pipeline3d.ts [--preset 3d-ci|3d-small] [--rounds N] [--skip-gpu] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostInfo } from './host-info.ts';
import { adapterLabel } from '../src/gpu/context.ts';
import { disposeSharedGpuContext, sharedGpuContext } from '../src/gpu/backend.ts';
import { runPipeline3d } from '../src/pipeline/pipeline3d.ts';
import { simulate } from '../src/sim/index.ts';
import { shutdownTomoWorkers } from '../src/tomo/index.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const skipGpu = args.includes('--skip-gpu');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
// --quick (from `ptyxanes bench --quick`) keeps the default, which is already the small preset.
const preset = opt('--preset', '3d-ci');
const rounds = Math.max(1, Number(opt('--rounds', '1')));

let gpuLabel: string | null = null;
let gpuSkipped: string | null = skipGpu ? '--skip-gpu' : null;
if (!skipGpu) {
  try {
    const ctx = await sharedGpuContext();
    gpuLabel = adapterLabel(ctx.info) + (ctx.info.isSoftware ? ' [software rasteriser on the CPU cores]' : '');
  } catch (e) {
    gpuSkipped = `no adapter: ${(e as Error).message.split('\n')[0]}`;
  }
}

const root = await mkdtemp(join(tmpdir(), 'ptyx-bench-p3d-'));
type PathFigures = { backend: string; secondsPerStage: Record<string, number>; rmsError?: number; correlation?: number; maxShiftErrorPx?: number; loadAverage1m: number };
const best: Record<'cpu' | 'gpu', PathFigures | null> = { cpu: null, gpu: null };
const load0 = hostInfo();
try {
  const sample = join(root, preset);
  const tSim = Date.now();
  await simulate(preset, { outDir: sample, backend: 'cpu' });
  const simulateS = (Date.now() - tSim) / 1000;
  const paths: ('cpu' | 'gpu')[] = gpuLabel ? ['cpu', 'gpu'] : ['cpu'];
  for (let r = 0; r < rounds; r++) {
    for (const b of paths) {
      const load = +loadavg()[0].toFixed(2);
      const res = await runPipeline3d({ input: sample, outDir: join(root, `run-${b}-${r}`), backend: b, force: true });
      const fig: PathFigures = {
        backend: res.backend,
        secondsPerStage: Object.fromEntries(Object.entries(res.timingsS).map(([k, v]) => [k, +v.toFixed(2)])),
        rmsError: res.truth ? +res.truth.rmsError.toFixed(3) : undefined,
        correlation: res.truth ? +res.truth.correlation.toFixed(3) : undefined,
        maxShiftErrorPx: res.truth ? +Math.max(...res.truth.shiftErrorPx).toFixed(3) : undefined,
        loadAverage1m: load,
      };
      if (!best[b] || fig.secondsPerStage.total < best[b]!.secondsPerStage.total) best[b] = fig;
      await rm(join(root, `run-${b}-${r}`), { recursive: true, force: true });
    }
  }
  const ratio = (k: string) => (best.gpu && best.cpu ? +(best.cpu.secondsPerStage[k] / best.gpu.secondsPerStage[k]).toFixed(3) : undefined);
  const out = {
    ...load0,
    loadAverage1mAfter: +loadavg()[0].toFixed(2),
    preset,
    simulateSeconds: +simulateS.toFixed(1),
    rounds,
    cpu: best.cpu,
    gpu: best.gpu ? { ...best.gpu, adapter: gpuLabel } : { skipped: gpuSkipped },
    /** CPU seconds / GPU seconds per stage (> 1: the GPU path is faster). */
    gpuSpeedup: best.gpu ? Object.fromEntries(['ptycho', 'projections', 'tomo', 'xanes', 'total'].map((k) => [k, ratio(k)])) : undefined,
  };
  if (json) console.log(JSON.stringify(out));
  else {
    console.log(`pipeline 3d on ${preset} (simulated in ${out.simulateSeconds} s), load ${out.loadAverage1m} → ${out.loadAverage1mAfter} on ${out.cores} cores`);
    for (const b of ['cpu', 'gpu'] as const) {
      const f = best[b];
      if (!f) {
        console.log(`  ${b}: ${b === 'gpu' ? `skipped (${gpuSkipped})` : '—'}`);
        continue;
      }
      console.log(`  ${b} (${f.backend}): ${Object.entries(f.secondsPerStage).map(([k, v]) => `${k} ${v} s`).join(', ')}; RMS ${f.rmsError}, correlation ${f.correlation}, shifts ≤ ${f.maxShiftErrorPx} px`);
    }
    if (out.gpuSpeedup) console.log(`  CPU/GPU seconds: ${JSON.stringify(out.gpuSpeedup)}`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
  await shutdownTomoWorkers();
  await disposeSharedGpuContext();
}
