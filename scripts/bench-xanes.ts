/**
 * XANES fit benchmark: spectra fitted per second, GPU vs CPU path, for 10⁵ spectra on the
 * paper's 51-energy grid (real NiO / LiNiO2 / LaNiO3 shapes at random edge shifts and
 * thicknesses, 0.5 % noise per point).
 *
 *   npx tsx scripts/bench-xanes.ts [--spectra N] [--cpu-spectra N] [--edge-model free|shared] [--skip-cpu] [--skip-gpu] [--json]
 *
 * --edge-model: 'free' (default here: the 9-parameter LM, the heavier kernel) or 'shared'
 * (the library default: one template fit, then 2 parameters per spectrum).
 *
 * The CPU path runs on one thread (the figure is per core). Both paths also report spectra per
 * CPU-second of this process (the software adapter's worker threads included), the fair
 * per-core figure on a shared machine. Prints a table, or JSON with --json.
 */
import { loadavg } from 'node:os';
import { hostInfo } from './host-info.ts';
import { adapterLabel } from '../src/gpu/context.ts';
import { disposeSharedGpuContext, sharedGpuContext } from '../src/gpu/backend.ts';
import { defaultCalibration } from '../src/xanes/calibration.ts';
import { fitXanes, type XanesResult } from '../src/xanes/fit.ts';
import { PAPER_2D_ENERGIES_EV } from '../src/xanes/grid.ts';
import { interpolateSpectrum, loadReferenceSpectra } from '../src/xanes/references.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const json = process.argv.includes('--json');
const nSpectra = arg('--spectra', 100_000);
const nCpu = arg('--cpu-spectra', nSpectra);
const E = PAPER_2D_ENERGIES_EV;
const modelArg = process.argv.indexOf('--edge-model');
const edgeModel = (modelArg > 0 ? process.argv[modelArg + 1] : 'free') as 'free' | 'shared';
if (edgeModel !== 'free' && edgeModel !== 'shared') throw new Error(`--edge-model must be free or shared, found ${edgeModel}`);

function makeStack(n: number): { data: Float32Array; shape: number[] } {
  const refs = loadReferenceSpectra();
  const ids = ['nio', 'liNiO2', 'laNiO3'];
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const data = new Float32Array(E.length * n);
  const shifted = new Float64Array(E.length);
  for (let p = 0; p < n; p++) {
    const shift = 3 * (u() - 0.5);
    for (let j = 0; j < E.length; j++) shifted[j] = E[j] - shift;
    const mu = interpolateSpectrum(refs[ids[p % 3]], shifted);
    const scale = 0.3 + 0.7 * u();
    for (let j = 0; j < E.length; j++) data[j * n + p] = 0.2 + scale * mu[j] + 0.005 * scale * g();
  }
  return { data, shape: [E.length, n] };
}

interface Run { spectra: number; seconds: number; spectraPerSecond: number; cpuSeconds: number; spectraPerCpuSecond: number; ok: number; notConverged: number; medianIterations: number }

/** Wall time and this process's CPU time (all threads: JS, and the software adapter's workers). */
function timer() {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
  };
}

function summarise(r: XanesResult, t: { seconds: number; cpuSeconds: number }): Run {
  const it = Array.from(r.iterations).sort((a, b) => a - b);
  const { seconds, cpuSeconds } = t;
  return {
    spectra: r.status.length,
    seconds: +seconds.toFixed(2),
    spectraPerSecond: Math.round(r.status.length / seconds),
    cpuSeconds: +cpuSeconds.toFixed(2),
    spectraPerCpuSecond: Math.round(r.status.length / cpuSeconds),
    ok: r.summary.statusCounts.ok,
    notConverged: r.summary.statusCounts['not converged (iteration limit)'],
    medianIterations: it[it.length >> 1],
  };
}

async function main() {
  const calibration = defaultCalibration();
  const out: Record<string, unknown> = {
    benchmark: 'xanes-fit',
    energies: E.length,
    edgeModel,
    cpuThreads: 1,
    ...hostInfo(),
  };
  let gpuRun: Run | undefined;
  let cpuRun: Run | undefined;
  if (!process.argv.includes('--skip-gpu')) {
    try {
      const ctx = await sharedGpuContext();
      out.adapter = adapterLabel(ctx.info);
      await ctx.pipeline({ shader: 'xanes_fit' }); // compile outside the timing
      const stack = makeStack(nSpectra);
      const stop = timer();
      const r = await fitXanes(stack, E, { backend: 'gpu', ctx, calibration, minEdgeStep: 0, edgeModel });
      gpuRun = summarise(r, stop());
      out.gpu = gpuRun;
    } catch (e) {
      out.gpu = { error: (e as Error).message };
    }
  }
  if (!process.argv.includes('--skip-cpu')) {
    const stack = makeStack(nCpu);
    const stop = timer();
    const r = await fitXanes(stack, E, { backend: 'cpu', calibration, minEdgeStep: 0, edgeModel });
    cpuRun = summarise(r, stop());
    out.cpu = cpuRun;
  }
  if (gpuRun && cpuRun) out.gpuOverCpu = +(gpuRun.spectraPerSecond / cpuRun.spectraPerSecond).toFixed(2);
  out.loadAverage1mAfter = +loadavg()[0].toFixed(2);
  disposeSharedGpuContext();
  if (json) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  console.log(`XANES fit (${edgeModel} edge model), ${E.length} energies, adapter: ${out.adapter ?? 'none'}; load ${out.loadAverage1m} → ${out.loadAverage1mAfter} on ${out.cores} cores`);
  for (const [name, r] of [['GPU', gpuRun], ['CPU (1 thread)', cpuRun]] as const) {
    if (r) console.log(`  ${name.padEnd(15)} ${String(r.spectra).padStart(7)} spectra  ${r.seconds.toFixed(1).padStart(7)} s  ${String(r.spectraPerSecond).padStart(7)} spectra/s wall  ${String(r.spectraPerCpuSecond).padStart(7)} spectra/CPU-s  (ok ${r.ok}, not converged ${r.notConverged}, median iterations ${r.medianIterations})`);
  }
  if (out.gpuOverCpu) console.log(`  GPU / CPU: ${out.gpuOverCpu}×`);
  if (out.gpu && 'error' in (out.gpu as object)) console.log(`  GPU: ${(out.gpu as { error: string }).error}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
