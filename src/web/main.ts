/**
 * The ptyxanes page: wiring between the DOM and the Worker (engine.worker.ts), which does
 * all reading and computing with the library. Nothing here computes science.
 */
import type { CxiReadOptions } from '../io/cxi-read.ts';
import type { EntrySummary, FromWorker, RunSettings } from './protocol.ts';
import { drawArray, drawLogPattern, drawPhase, drawPlot, drawPositions } from './ui/draw.ts';
import { FitSection } from './ui/fit-view.ts';
import { VolumeSection } from './ui/volume-view.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });
const send = (m: import('./protocol.ts').ToWorker) => worker.postMessage(m);

let entries: EntrySummary[] = [];
let currentFiles: File[] | null = null;
let currentEntry = '';
const errorCurves: { energyEv: number; errors: number[] }[] = [];
let runStart = 0;

const fitSection = new FitSection((row, col) => send({ type: 'spectrum', row, col }));
const volumeSection = new VolumeSection((params) => send({ type: 'volume-draw', params }));
// The volume is rendered by the Worker with its GPU device, into this canvas.
if ('transferControlToOffscreen' in HTMLCanvasElement.prototype) {
  const off = $<HTMLCanvasElement>('vol-render').transferControlToOffscreen();
  worker.postMessage({ type: 'volume-canvas', canvas: off }, [off]);
}

function showError(msg: string | null): void {
  const el = $('error');
  el.hidden = !msg;
  el.textContent = msg ?? '';
}

function gpuStatus(m: Extract<FromWorker, { type: 'gpu' }>): void {
  const el = $('gpu-status');
  if (m.available) {
    el.textContent = `WebGPU: ${m.adapter}${m.isSoftware ? ' (a software adapter: "auto" runs on the CPU path, which is faster there; choose GPU to force it)' : ''}.`;
    el.dataset.gpu = 'yes';
  } else {
    // One message saying what is missing and how to get it; the CPU path works anyway.
    el.classList.add('warn');
    el.dataset.gpu = 'no';
    el.textContent =
      `WebGPU is not available here (${m.reason ?? 'no adapter'}). Everything still runs on the CPU path, fine for small scans. ` +
      'To use your GPU: Chrome or Edge 113+ (on Linux start with --enable-unsafe-webgpu --enable-features=Vulkan), Safari 18+, or Firefox 141+ (Windows; elsewhere set dom.webgpu.enabled in about:config).';
    const backend = $<HTMLSelectElement>('backend');
    backend.value = 'cpu';
    (backend.querySelector('option[value=gpu]') as HTMLOptionElement).disabled = true;
  }
}

function readOptions(): CxiReadOptions {
  const form = $('reader');
  const o: Record<string, unknown> = {};
  for (const el of Array.from(form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[name], select[name]'))) {
    if (el instanceof HTMLInputElement && el.type === 'checkbox') {
      if (el.checked) o[el.name] = true;
    } else if (el.value !== '') {
      o[el.name] = el instanceof HTMLInputElement && el.type === 'number' ? Number(el.value) : el.value;
    }
  }
  // Defaults are left to the reader: only what the user changed is sent.
  if (o.translationIs === 'sample') delete o.translationIs;
  if (o.energyUnit === 'auto') delete o.energyUnit;
  if (o.maskGood === 'zero') delete o.maskGood;
  return o as CxiReadOptions;
}

function openFiles(files: File[]): void {
  if (!files.length) return;
  currentFiles = files;
  showError(null);
  $('file-info').textContent = `Opening ${files.map((f) => f.name).join(', ')}…`;
  $('loaded').hidden = false;
  send({ type: 'open', files, read: readOptions(), backend: $<HTMLSelectElement>('backend').value as RunSettings['backend'] });
}

function setupLoad(): void {
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    openFiles(Array.from(e.dataTransfer?.files ?? []));
  });
  $<HTMLInputElement>('file').addEventListener('change', (e) => {
    openFiles(Array.from((e.target as HTMLInputElement).files ?? []));
  });
  $('reload').addEventListener('click', () => currentFiles && openFiles(currentFiles));
  let seed = 0;
  $('simulate').addEventListener('click', () => {
    currentFiles = null;
    showError(null);
    $('loaded').hidden = false;
    $('file-info').textContent = 'Simulating…';
    send({ type: 'simulate', seed: ++seed });
  });
  $<HTMLInputElement>('frame').addEventListener('input', (e) => send({ type: 'pattern', entry: currentEntry, index: Number((e.target as HTMLInputElement).value) }));
}

function showLoaded(m: Extract<FromWorker, { type: 'loaded' }>): void {
  $('reconstruct').hidden = false;
  $('fit').hidden = $('volume').hidden = true;
  $('live').hidden = true;
  entries = [...m.entries].sort((a, b) => a.energyEv - b.energyEv);
  const e0 = entries[0];
  const bad = m.validMask.length - m.validMask.reduce((s, v) => s + v, 0);
  $('file-info').textContent =
    `${m.file} (${(m.bytes / 2 ** 20).toFixed(1)} MiB${currentFiles ? '' : ' in memory'}): ${entries.length} energies from ${e0.energyEv.toFixed(1)} to ${entries[entries.length - 1].energyEv.toFixed(1)} eV, ` +
    `${e0.nFrames} patterns of ${e0.height}×${e0.width} per energy, detector at ${m.geometry.distanceM} m with ${(m.geometry.pixelM[0] * 1e6).toFixed(1)} µm pixels, ${bad} masked pixels.`;
  const body = $('entries').querySelector('tbody')!;
  body.replaceChildren(
    ...entries.map((e) => {
      const tr = document.createElement('tr');
      tr.innerHTML = `<td><input type="checkbox" checked data-entry="${e.name}" /></td><td>${e.name}</td><td>${e.energyEv.toFixed(2)}</td><td>${e.nFrames}</td><td>${e.height}×${e.width}</td>`;
      tr.style.cursor = 'pointer';
      tr.addEventListener('click', (ev) => {
        if ((ev.target as HTMLElement).tagName === 'INPUT') return;
        currentEntry = e.name;
        send({ type: 'pattern', entry: e.name, index: Number($<HTMLInputElement>('frame').value) });
      });
      return tr;
    }),
  );
  drawPositions($('positions'), m.positionsM);
  const frame = $<HTMLInputElement>('frame');
  frame.max = String(e0.nFrames - 1);
  frame.value = '0';
  currentEntry = m.entries[0].name;
  $<HTMLButtonElement>('start').disabled = false;
  $('run-status').textContent = '';
  listEnergies(entries);
  document.body.dataset.loaded = 'yes';
}

function listEnergies(list: EntrySummary[]): void {
  $('energy-progress').replaceChildren(
    ...list.map((e) => {
      const li = document.createElement('li');
      li.textContent = `${e.energyEv.toFixed(1)} eV`;
      return li;
    }),
  );
}

/** The ticked entries (untick some to try settings on a few energies first). */
function chosenEntries(): string[] {
  return Array.from(document.querySelectorAll<HTMLInputElement>('#entries tbody input[data-entry]'))
    .filter((c) => c.checked)
    .map((c) => c.dataset.entry!);
}

function settings(): RunSettings {
  const num = (id: string) => Number($<HTMLInputElement>(id).value);
  return {
    iterations: num('iterations'),
    warmIterations: num('warm-iterations'),
    alpha: num('alpha'),
    beta: num('beta'),
    probeModes: num('modes'),
    mode: $<HTMLSelectElement>('mode').value as RunSettings['mode'],
    backend: $<HTMLSelectElement>('backend').value as RunSettings['backend'],
    probeInit: $<HTMLSelectElement>('probe-init').value as RunSettings['probeInit'],
  };
}

let paused = false;

function setRunning(on: boolean): void {
  $<HTMLButtonElement>('start').disabled = on;
  $<HTMLButtonElement>('cancel').disabled = !on;
  $<HTMLButtonElement>('pause').disabled = !on;
  paused = false;
  $('pause').textContent = 'Pause after this energy';
  document.body.dataset.running = on ? 'yes' : 'no';
}

function progress(m: Extract<FromWorker, { type: 'progress' }>): void {
  if (m.stage === 'simulate') {
    $('file-info').textContent = `Simulating: ${m.message ?? ''} (${m.done}/${m.total})`;
    return;
  }
  $('run-status').textContent = `${m.stage}: ${m.message ?? ''}`;
  if (m.stage !== 'ptycho' || m.total === 0) return;
  const frac = m.done / Math.max(1, m.total);
  $<HTMLProgressElement>('progress').value = frac;
  const el = (performance.now() - runStart) / 1000;
  $('eta').textContent = frac > 0.02 ? `${el.toFixed(0)} s, about ${((el / frac) * (1 - frac)).toFixed(0)} s of ePIE left` : `${el.toFixed(0)} s`;
  const i = Math.floor(m.done);
  Array.from($('energy-progress').children).forEach((li, k) => {
    li.className = k < i ? 'done' : k === i ? 'active' : '';
  });
  // The running energy's error, live.
  const e = m.values?.energyEv;
  const err = m.values?.error;
  if (e !== undefined && err !== undefined) {
    let c = errorCurves.find((x) => x.energyEv === e);
    if (!c) errorCurves.push((c = { energyEv: e, errors: [] }));
    c.errors.push(err);
    drawErrors();
  }
}

function drawErrors(): void {
  const colors = ['#2a5599', '#b22', '#286', '#a60', '#639', '#077', '#555'];
  drawPlot(
    $('errors'),
    errorCurves.map((c, i) => ({ x: c.errors.map((_, k) => k + 1), y: c.errors, color: colors[i % colors.length] })),
    { xLabel: 'iteration', yLabel: 'Fourier error', logY: true },
  );
}

function energyDone(m: Extract<FromWorker, { type: 'energy' }>): void {
  const [h, w] = m.shape;
  drawArray($('obj-amp'), m.modulus, h, w, 'gray');
  const [p0, p1] = drawPhase($('obj-phase'), m.phase, h, w);
  $('phase-caption').textContent = `object phase, ramp removed (${p0.toFixed(2)} to ${p1.toFixed(2)} rad on the colour wheel)`;
  $('live').hidden = false;
  drawArray($('probe'), m.probe, m.probeShape[0], m.probeShape[1], 'viridis', [0, Math.max(...m.probe)]);
  const c = errorCurves.find((x) => x.energyEv === m.energyEv);
  if (c) c.errors = m.errors;
  else errorCurves.push({ energyEv: m.energyEv, errors: m.errors });
  drawErrors();
  const li = $('energy-progress').children[m.index] as HTMLElement | undefined;
  if (li) {
    li.className = 'done';
    li.dataset.error = String(m.errors[m.errors.length - 1]);
    li.textContent = `${m.energyEv.toFixed(1)} eV: ${m.seconds.toFixed(1)} s, error ${m.errors[m.errors.length - 1]?.toExponential(2)} (${m.backend})`;
  }
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'gpu':
      return gpuStatus(m);
    case 'loaded':
      return showLoaded(m);
    case 'pattern': {
      drawLogPattern($('pattern'), m.data, m.height, m.width);
      $('pattern-caption').textContent = `${m.entry}, pattern ${m.index}: log₁₀(1 + counts)`;
      return;
    }
    case 'progress':
      return progress(m);
    case 'energy':
      return energyDone(m);
    case 'fit':
      $('run-status').textContent = m.fit.source === 'results.h5' ? 'results loaded' : 'fit done';
      if (m.fit.source !== 'run') $('loaded').hidden = $('reconstruct').hidden = true;
      $('volume').hidden = true;
      return fitSection.show(m.fit);
    case 'spectrum':
      return fitSection.showSpectrum(m);
    case 'volume':
      $('loaded').hidden = $('reconstruct').hidden = $('fit').hidden = true;
      return volumeSection.show(m.volume);
    case 'volume-rendering':
      return volumeSection.renderingReady(m.ok, m.message);
    case 'done':
      setRunning(false);
      $('run-status').textContent = `done in ${m.seconds.toFixed(1)} s${m.note ? `: ${m.note}` : ''}`;
      $<HTMLProgressElement>('progress').value = 1;
      return;
    case 'cancelled':
      setRunning(false);
      $('run-status').textContent = 'cancelled';
      return;
    case 'error':
      setRunning(false);
      showError(m.message);
      return;
  }
};
worker.onerror = (e) => showError(`worker failed: ${e.message}`);

$('start').addEventListener('click', () => {
  showError(null);
  errorCurves.length = 0;
  runStart = performance.now();
  $('live').hidden = false;
  setRunning(true);
  const chosen = chosenEntries();
  // One line per chosen energy, in the order they run (by energy, as the worker sorts them).
  listEnergies(entries.filter((e) => chosen.includes(e.name)));
  send({ type: 'run', settings: settings(), entries: chosen });
});
$('cancel').addEventListener('click', () => send({ type: 'cancel' }));
$('pause').addEventListener('click', () => {
  paused = !paused;
  $('pause').textContent = paused ? 'Resume' : 'Pause after this energy';
  send({ type: 'pause', paused });
});
setupLoad();
$<HTMLInputElement>('all-entries').addEventListener('change', (e) => {
  const on = (e.target as HTMLInputElement).checked;
  for (const c of Array.from(document.querySelectorAll<HTMLInputElement>('#entries tbody input[data-entry]'))) c.checked = on;
});
if (!('gpu' in navigator)) gpuStatus({ type: 'gpu', available: false, reason: 'this browser has no navigator.gpu' });
