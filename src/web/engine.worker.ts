/**
 * The page's Worker: opens dropped files (h5wasm + WORKERFS), runs the 2D chain through the
 * library (series.ts), and reads finished results. One GPU device for the Worker's life
 * (the library's shared context), so runs after the first start at once.
 */
import { PtyxanesError } from '../core/errors.ts';
import type { FrameSource } from '../core/frames.ts';
import { resolveBackend, sharedGpuContext, type Backend } from '../gpu/backend.ts';
import { parseEnergies } from '../io/text.ts';
import { readTiffBlob } from '../io/tiff-read.ts';
import { fitXanes, type XanesResult } from '../xanes/fit.ts';
import { pixelModel } from './worker/pixel-model.ts';
import { adapterLabel } from '../gpu/context.ts';
import { entryInfos, entryNames, openEntry, type CxiReadOptions } from '../io/cxi-read.ts';
import { simulateInMemory } from '../sim/memory.ts';
import { loadReferenceSetAsync } from '../xanes/references.ts';
import { demoSampleConfig } from './worker/demo-sample.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { fitView, isResultsFile, readResultsFit, readResultsVolume, resultsRank } from './worker/results.ts';
import { VolumeRenderer } from './worker/volume-render.ts';
import { percentileRange } from './ui/range.ts';
import { mountFile, openMounted } from './worker/h5-browser.ts';
import { MIN_FIT_ENERGIES, runSeries } from './worker/series.ts';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

/** The loaded energies: CXI entries (read on demand) or a simulated sample in memory. */
let sources: { name: string; source: FrameSource }[] = [];
let running: AbortController | null = null;
/** Set while paused: resolving it lets the run go on. */
let resume: { promise: Promise<void>; release: () => void } | null = null;

function setPaused(paused: boolean): void {
  if (paused && !resume) {
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    resume = { promise, release };
  } else if (!paused && resume) {
    resume.release();
    resume = null;
  }
}
/** The last fit: its stack and maps answer pixel clicks. */
let lastFit: import('./protocol.ts').FitView | null = null;
/** The fit behind lastFit when it was made here (results.h5 keep no template). */
let lastXanes: XanesResult | null = null;

async function probeGpu(): Promise<void> {
  try {
    const ctx = await sharedGpuContext();
    ctx.device.lost.then((l) => post({ type: 'error', message: `GPU device lost (${l.reason}): ${l.message}. Reload the page to get a new one; the CPU path still works.` }));
    post({ type: 'gpu', available: true, adapter: adapterLabel(ctx.info), isSoftware: ctx.info.isSoftware });
  } catch (e) {
    post({ type: 'gpu', available: false, reason: (e as Error).message });
  }
}

async function open(files: File[], read: CxiReadOptions, backend: Backend): Promise<void> {
  for (const s of sources) s.source.close?.();
  sources = [];
  const tiff = files.find((f) => /\.tiff?$/i.test(f.name));
  if (tiff) return fitTiffStack(tiff, files.filter((f) => f !== tiff), backend);
  const file = files[0];
  const path = await mountFile(file);
  const f = await openMounted(path);
  try {
    if (isResultsFile(f)) {
      if (resultsRank(f) === 3) await showVolume(readResultsVolume(f, file.name));
      else {
        lastFit = readResultsFit(f, file.name);
        lastXanes = null;
        post({ type: 'fit', fit: lastFit });
      }
      return;
    }
    entryInfos(f, file.name, read); // checks every entry's metadata, with the field named
    sources = entryNames(f).map((e) => ({ name: e, source: openEntry(f, path, e, read, openMounted) }));
  } finally {
    f.close();
  }
  await announce(file.name, file.size);
}

/** Tells the page what was loaded and shows the first pattern. */
async function announce(name: string, bytes: number): Promise<void> {
  const first = sources[0].source;
  post({
    type: 'loaded',
    file: name,
    bytes,
    entries: sources.map(({ name, source: s }) => ({ name, energyEv: s.geometry.energyEv, nFrames: s.nFrames, height: s.height, width: s.width })),
    positionsM: first.geometry.positionsM,
    validMask: first.validMask,
    geometry: { distanceM: first.geometry.detectorDistanceM, pixelM: first.geometry.detectorPixelM },
  });
  await pattern(sources[0].name, 0);
}

/** `ptyxanes fit` in the page: a registered −ln|O| stack [nE, h, w] straight to the XANES fit. */
async function fitTiffStack(tiff: File, others: File[], backend: Backend): Promise<void> {
  const t0 = performance.now();
  const stack = await readTiffBlob(tiff, tiff.name);
  if (stack.shape.length !== 3) throw new PtyxanesError('not a stack', { file: tiff.name, expected: 'pages [energies, h, w]', found: `[${stack.shape.join(', ')}]` });
  const sidecar = others.find((f) => /\.(txt|csv|dat|json)$/i.test(f.name));
  let energiesEv: number[];
  if (sidecar) energiesEv = Array.from(parseEnergies(sidecar.name, await sidecar.text()));
  else {
    // Stacks written by `ptyxanes pipeline 2d` name their energies in the ImageJ description.
    const listed = /energies \(eV\): ([\d.,\s]+)/.exec(stack.description ?? '')?.[1];
    if (!listed) throw new PtyxanesError('energies of the stack unknown', { file: tiff.name, expected: 'an energy list dropped with it (one per page: .txt, .csv or .json, as `ptyxanes fit --energies`)', found: 'none' });
    energiesEv = listed.split(',').map(Number);
  }
  const resolved = await resolveBackend(backend);
  await loadReferenceSetAsync();
  const xanes = await fitXanes({ data: stack.data, shape: stack.shape }, energiesEv, {
    backend: resolved.kind,
    onProgress: (ev) => post({ type: 'progress', stage: ev.stage, done: ev.done, total: ev.total, message: ev.message }),
  });
  const label = resolved.kind === 'gpu' ? `gpu: ${adapterLabel(resolved.ctx.info)}` : 'cpu';
  lastFit = { ...fitView(xanes, { data: stack.data, shape: stack.shape }, NaN, label), source: 'stack' };
  lastXanes = xanes;
  post({ type: 'fit', fit: lastFit });
  post({ type: 'done', seconds: (performance.now() - t0) / 1000, fitted: true });
}

async function simulateDemo(seed: number): Promise<void> {
  for (const s of sources) s.source.close?.();
  sources = [];
  await loadReferenceSetAsync(); // the simulator's edge model uses the shipped spectra (fetched here)
  const sim = await simulateInMemory(demoSampleConfig(), { seed, onProgress: (ev) => post({ type: 'progress', stage: 'simulate', done: ev.done, total: ev.total, message: ev.message }) });
  sources = sim.entries.map((e) => ({ name: `${e.energyEv.toFixed(1)} eV`, source: e.source }));
  const bytes = sim.entries.reduce((b, e) => b + e.source.frames.byteLength, 0);
  await announce(`simulated sample, seed ${seed}`, bytes);
}

let volumeCanvas: OffscreenCanvas | null = null;
let renderer: VolumeRenderer | null = null;

/** Sends the volume to the page (slices, histogram) and uploads it for rendering. */
async function showVolume(v: import('./protocol.ts').VolumeView): Promise<void> {
  post({ type: 'volume', volume: v });
  try {
    if (!volumeCanvas) throw new Error('no canvas');
    renderer ??= new VolumeRenderer(await sharedGpuContext(), volumeCanvas);
    const [a, b] = percentileRange(v.state, 0.05, 0.95);
    await renderer.setVolume(v.state, v.shape, [Math.min(1.8, a), Math.max(3.2, b)]);
    post({ type: 'volume-rendering', ok: true });
  } catch (e) {
    post({ type: 'volume-rendering', ok: false, message: `volume rendering needs WebGPU (${(e as Error).message}); the slices work without it` });
  }
}

async function pattern(entry: string, index: number): Promise<void> {
  const s = sources.find((x) => x.name === entry)?.source;
  if (!s) throw new PtyxanesError('entry not loaded', { field: entry });
  const i = Math.max(0, Math.min(s.nFrames - 1, index));
  // A copy: in-memory sources hand out views of their frames, which a transfer would detach.
  const data = (await s.readFrames(i, 1)).slice();
  post({ type: 'pattern', entry, index: i, data, height: s.height, width: s.width }, [data.buffer]);
}

async function run(settings: import('./protocol.ts').RunSettings, names: string[]): Promise<void> {
  if (!sources.length) throw new PtyxanesError('load a CXI file first');
  const chosen = sources.filter((s) => names.includes(s.name)).map((s) => s.source);
  if (!chosen.length) throw new PtyxanesError('no energies chosen', { expected: 'at least one entry ticked' });
  running = new AbortController();
  const t0 = performance.now();
  try {
    const out = await runSeries(chosen, settings, {
      signal: running.signal,
      beforeEnergy: async () => {
        if (resume) post({ type: 'progress', stage: 'ptycho', done: 0, total: 0, message: 'paused' });
        await resume?.promise;
      },
      onProgress: (ev) => post({ type: 'progress', stage: ev.stage, done: ev.done, total: ev.total, message: ev.message, values: ev.values }),
      onEnergy: (r, index, total) => {
        const [n, m] = r.probe.shape.slice(-2);
        // First (strongest) mode's amplitude (modes are sorted by power).
        const probe = new Float32Array(n * m);
        for (let k = 0; k < n * m; k++) probe[k] = Math.hypot(r.probe.data[2 * k], r.probe.data[2 * k + 1]);
        const modulus = Float32Array.from(r.modulus.data);
        const phase = Float32Array.from(r.phase.data);
        post(
          { type: 'energy', index, total, energyEv: r.energyEv, modulus, phase, shape: [r.object.shape[0], r.object.shape[1]], probe, probeShape: [n, m], errors: r.errors, seconds: r.timings.totalS, backend: r.timings.backend },
          [modulus.buffer, phase.buffer, probe.buffer],
        );
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (out.fit) {
      lastFit = fitView(out.fit.xanes, out.fit.stack, out.fit.grid.pixelSizeM, out.backend);
      lastXanes = out.fit.xanes;
      post({ type: 'fit', fit: lastFit });
      post({ type: 'done', seconds, fitted: true });
    } else {
      post({ type: 'done', seconds, fitted: false, note: `reconstructed ${chosen.length} energies; registration and the XANES fit need at least ${MIN_FIT_ENERGIES} (12 across the edge)` });
    }
  } finally {
    running = null;
    setPaused(false);
  }
}

function spectrum(row: number, col: number): void {
  const f = lastFit;
  if (!f) return;
  const [h, w] = f.shape;
  if (row < 0 || col < 0 || row >= h || col >= w) return;
  const p = row * w + col;
  const base = { type: 'spectrum' as const, row, col, energiesEv: f.energiesEv, state: f.state[p], std: f.stateStd[p], edgeEv: f.edgeEv[p], edgeStdEv: f.edgeStdEv[p] };
  if (!f.stack) return post({ ...base, values: [], normalized: false });
  const shown = lastXanes ? pixelModel(lastXanes, f.stack, p, h * w, f.edgeEv[p]) : null;
  if (shown) return post({ ...base, values: shown.values, normalized: true, model: shown.model });
  post({ ...base, values: f.energiesEv.map((_, e) => f.stack![e * h * w + p]), normalized: false });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  const fail = (e: unknown) => {
    const err = e as Error;
    if (err?.name === 'AbortError') post({ type: 'cancelled' });
    else post({ type: 'error', message: err?.message ?? String(e) });
  };
  try {
    if (m.type === 'open') open(m.files, m.read, m.backend).catch(fail);
    else if (m.type === 'simulate') simulateDemo(m.seed).catch(fail);
    else if (m.type === 'pattern') pattern(m.entry, m.index).catch(fail);
    else if (m.type === 'run') {
      if (running) post({ type: 'error', message: 'a run is already going: cancel it first' });
      else run(m.settings, m.entries).catch(fail);
    } else if (m.type === 'cancel') {
      running?.abort();
      setPaused(false); // a paused run wakes up to see the cancel
    } else if (m.type === 'pause') setPaused(m.paused);
    else if (m.type === 'spectrum') spectrum(m.row, m.col);
    else if (m.type === 'volume-canvas') volumeCanvas = m.canvas;
    else if (m.type === 'volume-draw') renderer?.draw(m.params);
  } catch (e) {
    fail(e);
  }
};

void probeGpu();
