/**
 * Registration benchmark: pairs per second for 256² images at upsample factor 100 (default
 * options: phase normalisation, Tukey taper), GPU (one batched call) vs CPU (one batched
 * call on all cores, or --threads N). Shifts are checked against the known ones, so a fast
 * wrong answer shows. The peer (scikit-image on the same pairs) runs beside it in
 * scripts/bench-register-vs-skimage.sh.
 *
 *   npx tsx scripts/bench-register.ts [--pairs N] [--cpu-pairs N] [--size 256] [--skip-cpu] [--skip-gpu]
 *                                     [--strategies] [--quick] [--json] [--dump DIR] [--threads N]
 *
 * --dump DIR writes the CPU pairs for scripts/peer-register-skimage.py (scikit-image on the
 * same pairs); scripts/bench-register-vs-skimage.sh runs both, alternating.
 *
 * --strategies adds the evidence for registerStack's default: an XANES-like stack across
 * the Ni K-edge (43 energies, contrast changing between two Ni phases, random-walk drift,
 * Poisson noise) registered every way, rms/max error against the simulated drift.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { hostInfo } from './host-info.ts';
import { adapterLabel } from '../src/gpu/context.ts';
import { disposeSharedGpuContext, sharedGpuContext } from '../src/gpu/backend.ts';
import { registerWorkerStatus } from '../src/register/correlate.threads.ts';
import { fourierShift, registerPairs, registerStack, smoothRandomField, xanesLikeStack, type StackStrategy } from '../src/register/index.ts';
import { seededRandom } from '../src/register/synthetic.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const size = arg('--size', 256);
const nGpu = arg('--pairs', quick ? 16 : 64);
const nCpu = arg('--cpu-pairs', quick ? 8 : 32);
const upsampleFactor = 100;
/** CPU threads (default: all cores, as registerPairs). */
const threadsArg = process.argv.includes('--threads') ? arg('--threads', 0) : undefined;

/** n crops of a textured field moved by known subpixel shifts, and the drift-free crop. */
function makePairs(n: number) {
  const big = smoothRandomField(2 * size, 2 * size, 2, 42);
  const rand = seededRandom(7);
  const crop = (img: Float32Array) => {
    const out = new Float32Array(size * size);
    const o = size / 2;
    for (let y = 0; y < size; y++) out.set(img.subarray((y + o) * 2 * size + o, (y + o) * 2 * size + o + size), y * size);
    return out;
  };
  const applied: number[] = [];
  const moving = new Float32Array(n * size * size);
  for (let i = 0; i < n; i++) {
    const dy = (rand() * 2 - 1) * 10;
    const dx = (rand() * 2 - 1) * 10;
    applied.push(dy, dx);
    moving.set(crop(fourierShift(big, dy, dx).data), i * size * size);
  }
  return { reference: { data: crop(big.data), shape: [size, size] }, moving: { data: moving, shape: [n, size, size] }, applied };
}

interface Run {
  pairs: number;
  seconds: number;
  pairsPerSecond: number;
  msPerPair: number;
  maxShiftErrorPx: number;
}

function summarise(shifts: Float64Array, applied: number[], n: number, seconds: number): Run {
  let maxErr = 0;
  for (let i = 0; i < 2 * n; i++) maxErr = Math.max(maxErr, Math.abs(shifts[i] + applied[i]));
  return { pairs: n, seconds: +seconds.toFixed(3), pairsPerSecond: +(n / seconds).toFixed(1), msPerPair: +((1000 * seconds) / n).toFixed(2), maxShiftErrorPx: +maxErr.toFixed(4) };
}

async function strategies(): Promise<{ label: string; photons: number; rmsPx: number; maxPx: number }[]> {
  const energies: number[] = [];
  for (let e = 8300; e < 8330; e += 5) energies.push(e);
  for (let e = 8330; e <= 8360; e += 1) energies.push(e);
  for (let e = 8365; e <= 8400; e += 5) energies.push(e);
  const nE = energies.length;
  const rows: { label: string; photons: number; rmsPx: number; maxPx: number }[] = [];
  for (const photons of quick ? [2000] : [500, 2000, 10000]) {
    const acc = new Map<string, { s2: number; n: number; max: number }>();
    for (const seed of quick ? [1] : [1, 2, 3]) {
      const { stack, driftPx } = xanesLikeStack({ height: 128, width: 128, energiesEv: energies, seed, photonsPerPixel: photons });
      for (const normalization of ['phase', null] as const)
        for (const strategy of ['reference', 'chain'] as StackStrategy[])
          for (const [where, ri] of [['first', 0], ['middle', nE >> 1], ['last', nE - 1]] as const) {
            const r = await registerStack(stack, { strategy, referenceIndex: ri, normalization, backend: 'cpu' });
            const key = `${strategy}/${where}/${normalization ?? 'plain'}`;
            const a = acc.get(key) ?? { s2: 0, n: 0, max: 0 };
            for (let i = 0; i < 2 * nE; i++) {
              const e = r.shifts[i] - (driftPx[2 * ri + (i % 2)] - driftPx[i]);
              a.s2 += e * e;
              a.n++;
              a.max = Math.max(a.max, Math.abs(e));
            }
            acc.set(key, a);
          }
    }
    for (const [label, a] of acc) rows.push({ label, photons, rmsPx: +Math.sqrt(a.s2 / a.n).toFixed(3), maxPx: +a.max.toFixed(3) });
  }
  return rows;
}

async function main() {
  const out: Record<string, unknown> = {
    benchmark: 'register',
    imageSize: `${size}x${size}`,
    upsampleFactor,
    cpuThreads: threadsArg ?? availableParallelism(),
    ...hostInfo(),
  };
  let gpuRun: Run | undefined;
  let cpuRun: Run | undefined;
  if (!process.argv.includes('--skip-gpu')) {
    try {
      const ctx = await sharedGpuContext();
      out.adapter = adapterLabel(ctx.info);
      const set = makePairs(nGpu);
      // Warm-up: compiles the pipelines and the FFT plan outside the timing.
      await registerPairs(set.reference, { data: set.moving.data.subarray(0, size * size), shape: [1, size, size] }, { backend: 'gpu', ctx, upsampleFactor });
      const t0 = performance.now();
      const r = await registerPairs(set.reference, set.moving, { backend: 'gpu', ctx, upsampleFactor });
      gpuRun = summarise(r.shifts, set.applied, nGpu, (performance.now() - t0) / 1000);
      out.gpu = gpuRun;
    } catch (e) {
      out.gpu = { error: (e as Error).message };
    }
  }
  if (!process.argv.includes('--skip-cpu')) {
    const set = makePairs(nCpu);
    const dump = process.argv.indexOf('--dump');
    if (dump > 0) {
      // The very pairs timed here, for the scikit-image peer (scripts/peer-register-skimage.py).
      const dir = process.argv[dump + 1];
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'reference.f32'), set.reference.data);
      writeFileSync(join(dir, 'moving.f32'), set.moving.data);
      writeFileSync(join(dir, 'pairs.json'), JSON.stringify({ n: nCpu, h: size, w: size, upsampleFactor, applied: set.applied }));
    }
    // Warm-up (JIT, and the worker threads started and ready), then the median of three timed
    // runs (the machine may be shared).
    await registerPairs(set.reference, set.moving, { backend: 'cpu', upsampleFactor, threads: threadsArg });
    await registerWorkerStatus();
    const runs: { run: Run; cpuMs: number }[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await registerPairs(set.reference, set.moving, { backend: 'cpu', upsampleFactor, threads: threadsArg });
      const seconds = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      runs.push({ run: summarise(r.shifts, set.applied, nCpu, seconds), cpuMs: (c.user + c.system) / 1000 });
    }
    runs.sort((a, b) => a.run.seconds - b.run.seconds);
    const median = runs[1];
    cpuRun = median.run;
    out.cpu = { ...cpuRun, processCpuMsPerPair: +(median.cpuMs / nCpu).toFixed(2), fastestMsPerPair: runs[0].run.msPerPair };
  }
  if (gpuRun && cpuRun) out.gpuOverCpu = +(gpuRun.pairsPerSecond / cpuRun.pairsPerSecond).toFixed(2);
  if (process.argv.includes('--strategies')) out.strategies = await strategies();
  out.loadAverage1mAfter = +loadavg()[0].toFixed(2);
  disposeSharedGpuContext();
  if (json) {
    console.log(JSON.stringify(out));
    return;
  }
  console.log(`Registration, ${size}² pairs, upsample ${upsampleFactor}, adapter: ${out.adapter ?? 'none'}; load ${out.loadAverage1m} → ${out.loadAverage1mAfter} on ${out.cores} cores`);
  for (const [name, r] of [['GPU (batched)', gpuRun], [`CPU (${out.cpuThreads} thr.)`, cpuRun]] as const) {
    if (r) console.log(`  ${name.padEnd(15)} ${String(r.pairs).padStart(4)} pairs  ${r.seconds.toFixed(2).padStart(7)} s  ${r.pairsPerSecond.toFixed(1).padStart(7)} pairs/s  ${r.msPerPair.toFixed(2).padStart(7)} ms/pair  max error ${r.maxShiftErrorPx} px`);
  }
  if (cpuRun) {
    const c = out.cpu as { processCpuMsPerPair: number; fastestMsPerPair: number };
    console.log(`  CPU median of 3 runs; fastest ${c.fastestMsPerPair} ms/pair; process CPU time ${c.processCpuMsPerPair} ms/pair`);
  }
  if (out.gpuOverCpu) console.log(`  GPU / CPU: ${out.gpuOverCpu}×`);
  if (out.gpu && 'error' in (out.gpu as object)) console.log(`  GPU: ${(out.gpu as { error: string }).error}`);
  if (out.strategies) {
    console.log('  registerStack strategies (XANES-like stack, 43 energies, 128², rms / max error vs simulated drift, px):');
    for (const s of out.strategies as { label: string; photons: number; rmsPx: number; maxPx: number }[]) {
      console.log(`    ${String(s.photons).padStart(6)} photons/px  ${s.label.padEnd(24)} ${s.rmsPx.toFixed(3)} / ${s.maxPx.toFixed(3)}`);
    }
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
