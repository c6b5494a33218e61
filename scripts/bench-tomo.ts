/**
 * Tomography benchmark, ptyxanes beside scikit-image in the same run (Debian's
 * python3-skimage at /usr/bin/python3; skipped with a note where missing):
 *  1. one SIRT iteration of 128³ from 180 angles, CPU path (all cores) and GPU path,
 *     against one pass of scikit-image's iradon_sart over the same 128 slices;
 *  2. aligned SIRT on a misaligned 64³ / 120-angle case (shifts σ = 3 px, axis 2 px off)
 *     against scikit-image's SART×2 on the PRE-aligned projections: RMSE (inside the
 *     reconstruction circle, ours after undoing alignment's gauge) and wall time.
 * Each side is timed alternately (ours, peer, ours, peer) and the best of the runs kept;
 * the machine's load is recorded next to the figures.
 *
 *   npx tsx scripts/bench-tomo.ts [--quick] [--skip-gpu] [--skip-peer] [--json]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostInfo } from './host-info.ts';
import { adapterLabel } from '../src/gpu/context.ts';
import { disposeSharedGpuContext, sharedGpuContext } from '../src/gpu/backend.ts';
import { alignProjections, fitSinusoid, forwardProject, halfTurnAngles, makeGeometry, sheppLogan3d, shutdownTomoWorkers, sirt } from '../src/tomo/index.ts';
import type { RealArray } from '../src/core/arrays.ts';
import { shiftStack } from '../src/register/shift.ts';
import { gaussianRandom, seededRandom } from '../src/register/synthetic.ts';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const skipGpu = process.argv.includes('--skip-gpu');
const skipPeer = process.argv.includes('--skip-peer') || !existsSync('/usr/bin/python3');
const peerScript = fileURLToPath(new URL('./peer-skimage-tomo.py', import.meta.url));
const N = quick ? 64 : 128;
const ANGLES = quick ? 90 : 180;
const ROUNDS = quick ? 1 : 2;

function peer(args: string[]): Record<string, number> | { error: string } {
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', [peerScript, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!);
  } catch (e) {
    return { error: ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').pop()! };
  }
}

/** Process CPU seconds so far (all threads, workers included). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Seconds per SIRT iteration: (time of k+1 iterations − time of 1) / k, so set-up is not
 * counted; wall time and process CPU time (both threads), the second being the fair figure
 * on a loaded machine.
 */
async function sirtIteration(backend: 'cpu' | 'gpu', proj: RealArray, angles: Float64Array, k: number): Promise<{ wall: number; cpu: number }> {
  const c0 = cpuSeconds();
  const t1 = (await sirt(proj, angles, { backend, iterations: 1 })).seconds;
  const c1 = cpuSeconds();
  const tk = (await sirt(proj, angles, { backend, iterations: k + 1 })).seconds;
  const c2 = cpuSeconds();
  return { wall: Math.max(1e-9, (tk - t1) / k), cpu: Math.max(1e-9, (c2 - c1 - (c1 - c0)) / k) };
}

function rmseInside(a: Float32Array, b: Float32Array, nz: number, n: number): number {
  let s = 0;
  let c = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        if ((x - (n - 1) / 2) ** 2 + (y - (n - 1) / 2) ** 2 >= (0.45 * n) ** 2) continue;
        const i = (z * n + y) * n + x;
        s += (a[i] - b[i]) ** 2;
        c++;
      }
  return Math.sqrt(s / c);
}

const out: Record<string, unknown> = { ...hostInfo(), date: new Date().toISOString() };
const load0 = loadavg()[0];

// 1. one SIRT iteration
const angles = halfTurnAngles(ANGLES);
const truth = sheppLogan3d(N, N);
const proj = await forwardProject(truth, angles, { backend: 'cpu' });
const cpuIt: number[] = [];
const cpuItCpu: number[] = [];
const peerPass: number[] = [];
const peerPassCpu: number[] = [];
let peerInfo: Record<string, unknown> = {};
for (let r = 0; r < ROUNDS; r++) {
  const it = await sirtIteration('cpu', proj, angles, quick ? 2 : 3);
  cpuIt.push(it.wall);
  cpuItCpu.push(it.cpu);
  if (!skipPeer) {
    const p = peer(['sart-pass', String(N), String(ANGLES), quick ? '2' : '4']);
    if ('error' in p) peerInfo = p;
    else {
      peerPass.push(p.secondsPerVolume);
      peerPassCpu.push(p.cpuSecondsPerVolume);
      peerInfo = p;
    }
  }
}
const cpuBest = Math.min(...cpuIt);
out.sirtIteration = {
  case: `${N}³ from ${ANGLES} angles`,
  cpuSecondsPerIteration: +cpuBest.toFixed(3),
  cpuRuns: cpuIt.map((v) => +v.toFixed(3)),
  skimageSartPassSeconds: peerPass.length ? +Math.min(...peerPass).toFixed(2) : null,
  skimage: peerInfo,
  speedupOverSkimage: peerPass.length ? +(Math.min(...peerPass) / cpuBest).toFixed(1) : null,
  // CPU time: ours summed over both threads, so on an idle 2-core machine our wall time would be about half of it
  cpuSecondsPerIterationAllThreads: +Math.min(...cpuItCpu).toFixed(3),
  skimageCpuSecondsPerPass: peerPassCpu.length ? +Math.min(...peerPassCpu).toFixed(2) : null,
  speedupInCpuTime: peerPassCpu.length ? +(Math.min(...peerPassCpu) / Math.min(...cpuItCpu)).toFixed(1) : null,
};
if (!skipGpu) {
  try {
    const ctx = await sharedGpuContext();
    const gpuIt = (await sirtIteration('gpu', proj, angles, quick ? 2 : 3)).wall;
    (out.sirtIteration as Record<string, unknown>).gpu = { adapter: adapterLabel(ctx.info), software: ctx.info.isSoftware, secondsPerIteration: +gpuIt.toFixed(3), gpuOverCpu: +(cpuBest / gpuIt).toFixed(2) };
  } catch (e) {
    (out.sirtIteration as Record<string, unknown>).gpu = { error: (e as Error).message.split('\n')[0] };
  }
}

// 2. aligned SIRT on a misaligned case vs SART×2 on pre-aligned projections
{
  const n = quick ? 48 : 64;
  const nA = quick ? 60 : 120;
  const a2 = halfTurnAngles(nA);
  // scale 0.7: the object stays inside the field of view after ±3σ shifts (alignment
  // cannot recover what a shift pushed off the detector; real samples sit inside the field)
  const vol = sheppLogan3d(n, n, 0.7);
  const clean = await forwardProject(vol, a2, { backend: 'cpu', centreCol: (n - 1) / 2 + 2 });
  const gauss = gaussianRandom(seededRandom(3));
  const shifts = Float64Array.from({ length: 2 * nA }, () => 3 * gauss());
  // Take out of the random shifts what no alignment can see (a common horizontal shift is an
  // axis move, X·cos θ + Y·sin θ a volume translation, a common vertical shift a volume
  // shift): the volume then sits where the truth does and is scored without resampling
  // (the axis offset stays, as the 2 px given to the projector).
  {
    const g = makeGeometry({ anglesDeg: a2, rows: n, cols: n });
    const [k, X, Y] = fitSinusoid(g, shifts, 2, 1);
    let my = 0;
    for (let a = 0; a < nA; a++) my += shifts[2 * a] / nA;
    for (let a = 0; a < nA; a++) {
      shifts[2 * a] -= my;
      shifts[2 * a + 1] -= k + X * g.table[4 * a] + Y * g.table[4 * a + 1];
    }
  }
  const measured = shiftStack(clean, shifts, 'fourier', 0);
  const runs: { seconds: number; rmse: number; passes: number }[] = [];
  const peers: { seconds: number; rmse: number }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-tomo-'));
  writeFileSync(join(dir, 'vol.f32'), Buffer.from(vol.data.buffer));
  let iterations = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const al = await alignProjections(measured, a2, { backend: 'cpu', min: 0 });
    // then a few OS-SIRT iterations (20 subsets, as the alignment's passes), warm-started
    iterations = 3;
    const s = await sirt(al.aligned, a2, { backend: 'cpu', centreCol: al.centreCol, iterations, subsets: 20, min: 0, initial: al.volume });
    const seconds = (performance.now() - t0) / 1000;
    runs.push({ seconds, rmse: rmseInside(s.volume.data, vol.data, n, n), passes: al.passes.length });
    if (!skipPeer) {
      const p = peer(['sart2', join(dir, 'vol.f32'), String(n), String(n), String(nA)]);
      if (!('error' in p)) peers.push({ seconds: p.seconds, rmse: p.rmse });
      else out.peerError = p.error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const pBest = peers.length ? peers.reduce((a, b) => (b.seconds < a.seconds ? b : a)) : null;
  out.alignedSirt = {
    case: `${n}³, ${nA} angles, shifts σ 3 px + axis 2 px off`,
    ours: { ...best, osSirtIterationsAfterAlignment: iterations, seconds: +best.seconds.toFixed(2), rmse: +best.rmse.toFixed(4) },
    skimageSart2PreAligned: pBest ? { seconds: +pBest.seconds.toFixed(2), rmse: +pBest.rmse.toFixed(4) } : null,
  };
}
out.loadAverage1m = +load0.toFixed(2);
out.loadAverage1mAfter = +loadavg()[0].toFixed(2);
await shutdownTomoWorkers();
disposeSharedGpuContext();

if (json) console.log(JSON.stringify(out));
else {
  const s = out.sirtIteration as Record<string, unknown>;
  console.log(`Tomography, load ${out.loadAverage1m} → ${out.loadAverage1mAfter} on ${out.cores} cores`);
  console.log(`  SIRT iteration ${s.case}: CPU ${s.cpuSecondsPerIteration} s; scikit-image iradon_sart pass ${s.skimageSartPassSeconds ?? '—'} s → ${s.speedupOverSkimage ?? '—'}×`);
  console.log(`    in CPU time: ours ${s.cpuSecondsPerIterationAllThreads} s (all threads), scikit-image ${s.skimageCpuSecondsPerPass ?? '—'} s → ${s.speedupInCpuTime ?? '—'}×`);
  if (s.gpu) console.log(`  GPU: ${JSON.stringify(s.gpu)}`);
  const a = out.alignedSirt as Record<string, unknown>;
  console.log(`  aligned SIRT ${a.case}: ours ${JSON.stringify(a.ours)}; scikit-image SART×2 pre-aligned ${JSON.stringify(a.skimageSart2PreAligned)}`);
}
