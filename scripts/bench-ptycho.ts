/**
 * ePIE benchmark: seconds per iteration and pattern-updates per second on the CPU and GPU
 * paths, sequential and parallel, for (a) 128² × 400 positions and (b) 256² × 2,500; then
 * the evidence for the default mode (convergence of both modes on the same noisy data),
 * iterations a warm start saves across energies, and memory while streaming patterns.
 *
 *   npx tsx scripts/bench-ptycho.ts [--json] [--quick] [--cases a,b|none] [--backends cpu,gpu]
 *        [--modes sequential,parallel] [--subpixel fourier,nearest] [--iterations N]
 *        [--skip-converge] [--skip-warm] [--skip-stream] [--stream-frames N]
 *        [--stream-mode resident|streamed] [--stream-backend cpu|gpu] [--converge-backend cpu|gpu]
 * Peak RSS is the process's: run the streaming part alone (--cases none --skip-converge
 * --skip-warm) for a clean figure.
 *
 * With PTYPY_PATH=<folder holding ptypy/> it first runs ptyxanes and PtyPy's numpy EPIE on the
 * shared case side by side (bench-ptycho-peer.ts; Debian python3-numpy/scipy/h5py/skimage):
 *   PTYPY_PATH=/work/peer-ptypy npx tsx scripts/bench-ptycho.ts --peer-only [--peer-iterations 50]
 *        [--peer-rounds 2] [--peer-variants sequential,sequential:raw,sequential:engine=epie,parallel:threads=1]
 *        [--peer-pin CPU]   (taskset: PtyPy and the one-thread variants on that core, one core each)
 *
 * --subpixel nearest rounds positions to whole pixels, as PtyPy does (the fair per-update
 * comparison with its ePIE); 'fourier' (the default in reconstructEpie) shifts exactly.
 *
 * --quick: one iteration for (b) and shorter convergence/streaming runs. Synthetic data
 * (src/ptycho/synthetic.ts): defocused-pupil probe of diameter n/3, 70 % overlap, jittered
 * raster, subpixel positions; reconstructions start from a 20 %-smaller model probe.
 * Reference: PtyPy's numpy ePIE measured on this machine, 1.35 s per iteration for 400
 * frames of 128² (≈ 300 pattern-updates/s).
 */
import { loadavg } from 'node:os';
import type { FrameSource } from '../src/core/frames.ts';
import { adapterLabel } from '../src/gpu/context.ts';
import { disposeSharedGpuContext, sharedGpuContext } from '../src/gpu/backend.ts';
import { defocusedPupilProbe, makeSyntheticPtycho, normalizedRmsError, reconstructEpie, warmStartInit } from '../src/ptycho/index.ts';
import type { EpieMode, EpieOptions, EpieResult } from '../src/ptycho/index.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { autoBatchSize } from '../src/ptycho/options.ts';
import { resampleObject } from '../src/ptycho/resample.ts';
import { presetConfig, simulateInMemory } from '../src/sim/index.ts';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const cases = arg('--cases', 'a,b').split(',').filter((c) => c && c !== 'none');
const backends = arg('--backends', 'cpu,gpu').split(',') as ('cpu' | 'gpu')[];
const modes = arg('--modes', 'sequential,parallel').split(',') as EpieMode[];
const subpixels = arg('--subpixel', 'fourier,nearest').split(',') as ('fourier' | 'nearest')[];
const log = (s: string) => {
  if (!json) console.log(s);
};
const PTYPY_UPDATES_PER_S = 400 / 1.35;

const CASES: Record<string, { n: number; grid: number; iterations: number }> = {
  a: { n: 128, grid: 20, iterations: 3 },
  b: { n: 256, grid: 50, iterations: quick ? 1 : 2 },
};

const modelProbe = (n: number) => ({ data: defocusedPupilProbe(n, (n / 3) * 0.8), shape: [n, n] });

let ctx: GpuContext | null = null;
async function gpu(): Promise<GpuContext | null> {
  if (ctx) return ctx;
  try {
    ctx = await sharedGpuContext();
  } catch {
    ctx = null;
  }
  return ctx;
}

const report: Record<string, unknown> = { date: new Date().toISOString(), loadAverage: loadavg()[0], ptypyUpdatesPerS: PTYPY_UPDATES_PER_S };

async function throughput(): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  for (const c of cases) {
    const spec = CASES[c];
    if (!spec) throw new Error(`unknown case '${c}' (a or b)`);
    const t0 = performance.now();
    const d = makeSyntheticPtycho({ n: spec.n, scanX: spec.grid, scanY: spec.grid, photons: 1e6, seed: 1 });
    log(`case ${c}: ${spec.n}² × ${d.source.nFrames} positions (synthetic data in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    for (const backend of backends) {
      if (backend === 'gpu' && !(await gpu())) {
        log('  gpu: no adapter, skipped');
        continue;
      }
      for (const mode of modes) for (const subpixel of subpixels) {
        const r = await reconstructEpie(d.source, { backend, ctx: ctx ?? undefined, mode, subpixel, iterations: Number(arg('--iterations', String(spec.iterations))), probeInit: modelProbe(spec.n) });
        const t = r.timings;
        const row = {
          case: c, n: spec.n, positions: d.source.nFrames, backend, mode, subpixel, threads: t.threads,
          sPerIteration: t.perIterationS, updatesPerS: t.patternUpdatesPerS, vsPtyPy: t.patternUpdatesPerS / PTYPY_UPDATES_PER_S,
          setupS: t.setupS, peakRssMB: t.peakRssBytes / 2 ** 20, gpuMB: t.gpuBytes / 2 ** 20, adapter: t.adapter,
        };
        rows.push(row);
        log(`  ${backend} ${mode.padEnd(10)} ${subpixel.padEnd(7)} threads ${t.threads}: ${t.perIterationS.toFixed(3)} s/iteration, ${t.patternUpdatesPerS.toFixed(0)} updates/s (${row.vsPtyPy.toFixed(2)}× PtyPy), setup ${t.setupS.toFixed(2)} s, peak RSS ${row.peakRssMB.toFixed(0)} MB, GPU ${row.gpuMB.toFixed(0)} MB`);
      }
    }
  }
  report.throughput = rows;
}

/**
 * Both modes on the same data: error per iteration, NRMS to truth, time to a common error.
 * (1) synthetic 128² × 400 at 10⁶ photons/frame from a 20 %-small model probe; (2) one
 * energy of the simulator's 2d-small preset (zone-plate probe with central stop, Poisson
 * counts, dead pixels) from the zone-plate model.
 */
async function convergence(): Promise<void> {
  const iterations = quick ? 12 : 30;
  const backend = arg('--converge-backend', 'cpu') as 'cpu' | 'gpu';
  const d = makeSyntheticPtycho({ n: 128, scanX: 20, scanY: 20, photons: 1e6, seed: 2 });
  const exp = await simulateInMemory({ ...presetConfig('2d-small'), energiesEv: [8300] });
  const e = exp.entries[0];
  const datasets = [
    { name: 'synthetic 128² × 400', source: d.source, probeInit: modelProbe(128) as EpieOptions['probeInit'], truth: (_r: EpieResult) => d.object.data },
    {
      name: 'simulator 2d-small, 64² × 300, 8300 eV',
      source: e.source,
      probeInit: { zonePlate: e.probe } as EpieOptions['probeInit'],
      truth: (r: EpieResult) => resampleObject(e.object.data, e.object.shape[0], e.object.shape[1], e.grid.originM, e.grid.pixelM, r.object.shape[0], r.object.shape[1], r.originM, r.pixelSizeM),
    },
  ];
  const all: unknown[] = [];
  for (const set of datasets) {
    log(`  ${set.name} (${backend}):`);
    all.push({ data: set.name, iterations, rows: await compareModes(set, iterations, backend) });
  }
  report.convergence = all;
}

async function compareModes(set: { source: FrameSource; probeInit: EpieOptions['probeInit']; truth: (r: EpieResult) => Float32Array }, iterations: number, backend: 'cpu' | 'gpu') {
  const out: Record<string, unknown>[] = [];
  const results: Record<string, EpieResult> = {};
  for (const mode of ['sequential', 'parallel'] as const) {
    const r = await reconstructEpie(set.source, { backend, ctx: ctx ?? undefined, mode, iterations, probeInit: set.probeInit });
    results[mode] = r;
    const [H, W] = r.object.shape;
    out.push({ mode, backend, batchSize: mode === 'parallel' ? autoBatchSize(set.source.nFrames) : 1, errors: r.errors, nrms: normalizedRmsError(r.object.data, set.truth(r), H, W, r.illuminatedMask), sPerIteration: r.timings.perIterationS });
  }
  const target = Math.max(...Object.values(results).map((r) => r.errors.at(-1)!));
  for (const row of out) {
    const e = row.errors as number[];
    const k = e.findIndex((x) => x <= target) + 1;
    row.iterationsToCommonError = k;
    row.secondsToCommonError = k * (row.sPerIteration as number);
    log(`    ${String(row.mode).padEnd(10)} (batch ${row.batchSize}): error ${e[0].toExponential(2)} → ${e.at(-1)!.toExponential(2)} in ${iterations} iterations, NRMS ${(row.nrms as number).toFixed(3)}, ${k} iterations (${(row.secondsToCommonError as number).toFixed(1)} s) to ${target.toExponential(2)}`);
  }
  return out;
}

/** Two energies 20 eV apart: iterations to the cold start's final error, cold vs warm. */
async function warmStart(): Promise<void> {
  const n = 64;
  const iterations = quick ? 20 : 40;
  const d1 = makeSyntheticPtycho({ n, scanX: 12, scanY: 12, energyEv: 8340, photons: 1e6, seed: 3 });
  const d2 = makeSyntheticPtycho({ n, energyEv: 8360, photons: 1e6, seed: 4, positionsM: d1.source.geometry.positionsM, objectFrom: { object: d1.object, originM: d1.scan.originM, pixelSizeM: d1.pixelSizeM } });
  const base: EpieOptions = { backend: 'cpu', mode: 'sequential', iterations, probeInit: modelProbe(n) };
  const first = await reconstructEpie(d1.source, base);
  const cold = await reconstructEpie(d2.source, base);
  const warm = await reconstructEpie(d2.source, { ...base, ...warmStartInit(first, d2.source) });
  const target = cold.errors.at(-1)!;
  const k = warm.errors.findIndex((x) => x <= target) + 1;
  report.warmStart = { n, positions: d1.source.nFrames, iterations, coldFinalError: target, warmIterationsToColdError: k, saved: iterations - k };
  log(`  cold start reaches ${target.toExponential(2)} after ${iterations} iterations; warm start after ${k} (saves ${iterations - k})`);
}

/** A FrameSource of many patterns made on the fly from a few (throughput/memory only: not a consistent dataset). */
function tiledSource(base: FrameSource & { frames: Float32Array }, nFrames: number, stepM: number): FrameSource {
  const per = base.height * base.width;
  const side = Math.ceil(Math.sqrt(nFrames));
  const positionsM = new Float64Array(2 * nFrames);
  for (let j = 0; j < nFrames; j++) {
    positionsM[2 * j] = (j % side) * stepM;
    positionsM[2 * j + 1] = Math.floor(j / side) * stepM;
  }
  return {
    nFrames, height: base.height, width: base.width, validMask: base.validMask, label: `tiled ${nFrames}`,
    geometry: { ...base.geometry, positionsM },
    async readFrames(start: number, count: number) {
      const out = new Float32Array(count * per);
      for (let i = 0; i < count; i++) out.set(base.frames.subarray(((start + i) % base.nFrames) * per, ((start + i) % base.nFrames + 1) * per), i * per);
      return out;
    },
  };
}

/**
 * Memory while streaming: one configuration per process (peak RSS is process-wide and the
 * heap rarely shrinks), e.g. --stream-mode resident|streamed --stream-frames N. Patterns are
 * made on the fly from 100 real ones, so the host holds only what ePIE keeps.
 */
async function streaming(): Promise<void> {
  const n = 128;
  const nFrames = Number(arg('--stream-frames', quick ? '2000' : '8000'));
  const streamed = arg('--stream-mode', 'streamed') === 'streamed';
  const backend = arg('--stream-backend', 'cpu') as 'cpu' | 'gpu';
  const d = makeSyntheticPtycho({ n, scanX: 10, scanY: 10, photons: 1e6, seed: 5 });
  const src = tiledSource(d.source, nFrames, d.pixelSizeM * 13);
  const dataMB = (nFrames * n * n * 4) / 2 ** 20;
  const baseMB = process.memoryUsage().rss / 2 ** 20;
  const budget = streamed ? { hostBudgetBytes: 64 * 2 ** 20, chunkBytes: 32 * 2 ** 20, gpuBudgetBytes: 64 * 2 ** 20 } : {};
  if (backend === 'gpu' && !(await gpu())) throw new Error('--stream-backend gpu: no adapter');
  const r = await reconstructEpie(src, { backend, ctx: ctx ?? undefined, mode: 'parallel', subpixel: 'nearest', iterations: 1, probeInit: modelProbe(n), ...budget });
  const t = r.timings;
  const label = streamed ? 'streamed (host budget 64 MiB, chunks 32 MiB)' : 'resident';
  report.streaming = { label, backend, frames: nFrames, dataMB, rssBeforeMB: baseMB, peakRssMB: t.peakRssBytes / 2 ** 20, hostResident: t.hostResident, gpuResident: t.gpuResident, chunks: t.chunks, gpuMB: t.gpuBytes / 2 ** 20, sPerIteration: t.perIterationS };
  log(`  ${label}, ${backend}: ${nFrames} × ${n}² (${dataMB.toFixed(0)} MB of patterns), ${t.chunks} chunks, RSS ${baseMB.toFixed(0)} MB before → peak ${(t.peakRssBytes / 2 ** 20).toFixed(0)} MB, GPU buffers ${(t.gpuBytes / 2 ** 20).toFixed(0)} MB, ${t.perIterationS.toFixed(1)} s/iteration`);
}

log(`ePIE benchmark (load average ${loadavg()[0].toFixed(1)})`);
if (process.env.PTYPY_PATH) {
  // Side by side with PtyPy on the shared case (bench-ptycho-peer.ts); --peer-only skips the rest.
  log(`side by side with PtyPy's numpy EPIE (${arg('--peer-iterations', '50')} iterations, whole-pixel positions):`);
  const { peerComparison } = await import('./bench-ptycho-peer.ts');
  // MODE[:option=value…][:raw] (raw: the case without HDF5, see ptycho-case.ts)
  const variants = arg('--peer-variants', 'sequential,sequential:raw,sequential:engine=epie,parallel').split(',').map((v) => {
    const [mode, ...rest] = v.split(':');
    const opts = rest.filter((r) => r !== 'raw');
    return { name: `ptyxanes ${v}`, raw: rest.includes('raw'), args: ['--mode', mode, ...opts.flatMap((r) => ['--' + r.split('=')[0], r.split('=')[1]])] };
  });
  report.peer = await peerComparison({
    ptypyPath: process.env.PTYPY_PATH,
    peersDir: arg('--peers-dir', '../shared/peers'),
    workDir: arg('--peer-dir', '/tmp/ptyxanes-peer'),
    iterations: Number(arg('--peer-iterations', '50')),
    rounds: Number(arg('--peer-rounds', '2')),
    variants,
    pinCpu: argv.includes('--peer-pin') ? Number(arg('--peer-pin', '1')) : undefined,
    log,
  });
  if (argv.includes('--peer-only')) {
    if (json) console.log(JSON.stringify(report, null, 2));
    process.exit(0);
  }
}
const g = backends.includes('gpu') ? await gpu() : null;
report.adapter = g ? adapterLabel(g.info) : null;
log(`GPU: ${report.adapter ?? 'none'}`);
await throughput();
if (!argv.includes('--skip-converge')) {
  log('convergence, sequential vs parallel:');
  await convergence();
}
if (!argv.includes('--skip-warm')) {
  log('warm start across energies:');
  await warmStart();
}
if (!argv.includes('--skip-stream')) {
  log('memory while streaming:');
  await streaming();
}
if (json) console.log(JSON.stringify(report, null, 2));
disposeSharedGpuContext();
