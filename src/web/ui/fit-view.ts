/**
 * The oxidation-state section: map with colour bar, histogram with NiO/LiNiO2 lines (the
 * library's histogram and picture code, as the CLI writes them), the threshold outline,
 * a pixel's spectrum, and the downloads.
 */
import { encodePng } from '../../io/png.ts';
import { renderHistogram, renderMapWithColorbar } from '../../io/pictures.ts';
import { encodeTiff } from '../../io/tiff-encode.ts';
import { histogram, histogramCsv, type Histogram } from '../../xanes/histogram.ts';
import type { FitView, FromWorker } from '../protocol.ts';
import { download, drawArray, drawColorbar, drawPicture, drawPlot, percentileRange } from './draw.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * State range shown: NiO–LiNiO2 (2–3) with a margin, widened to the data's 5–95 % (not
 * further: a few badly fitted edge pixels would wash out the map), within 0–4.
 */
function stateRange(v: Float32Array): [number, number] {
  const [a, b] = percentileRange(v, 0.05, 0.95);
  return [Math.max(0, Math.min(1.8, Math.floor(a * 10) / 10)), Math.min(4, Math.max(3.2, Math.ceil(b * 10) / 10))];
}

export class FitSection {
  private fit: FitView | null = null;
  private hist: Histogram | null = null;
  private range: [number, number] = [2, 3];
  private spectrum: Extract<FromWorker, { type: 'spectrum' }> | null = null;

  constructor(private readonly askSpectrum: (row: number, col: number) => void) {
    const map = $<HTMLCanvasElement>('map');
    map.addEventListener('click', (ev) => {
      if (!this.fit) return;
      const [h, w] = this.fit.shape;
      const r = map.getBoundingClientRect();
      const col = Math.floor(((ev.clientX - r.left) / r.width) * w);
      const row = Math.floor(((ev.clientY - r.top) / r.height) * h);
      this.askSpectrum(row, col);
    });
    $<HTMLInputElement>('threshold').addEventListener('input', () => this.drawOutline());
    for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-download]'))) b.addEventListener('click', () => this.download(b.dataset.download!));
  }

  show(fit: FitView): void {
    this.fit = fit;
    $('fit').hidden = false;
    const [h, w] = fit.shape;
    this.range = stateRange(fit.state);
    drawArray($('map'), fit.state, h, w, 'valence', this.range);
    drawColorbar($('colorbar'), 'valence', this.range[0], this.range[1], 'Ni oxidation state');
    this.hist = histogram(fit.state, { binWidth: 0.05 });
    drawPicture($('histogram'), this.histogramPicture());
    this.drawOutline();
    const s = fit.summary as { oxidationMean?: number; oxidationMedian?: number; nFitted?: number; medianOxidationStd?: number; edgeModel?: string; warnings?: string[] };
    const el = $('fit-summary');
    el.dataset.mean = String(s.oxidationMean);
    el.dataset.fitted = String(s.nFitted);
    el.textContent =
      `${fit.source === 'results.h5' ? 'Loaded' : 'Fitted'} ${h}×${w} pixels${Number.isFinite(fit.pixelSizeM) ? ` at ${(fit.pixelSizeM * 1e9).toFixed(1)} nm` : ''}, ${fit.energiesEv.length} energies; ` +
      `${s.nFitted} pixels with values, mean state ${s.oxidationMean?.toFixed(3)}` +
      (s.oxidationMedian !== undefined ? `, median ${s.oxidationMedian.toFixed(3)}` : '') +
      (s.medianOxidationStd !== undefined ? `, median uncertainty ±${s.medianOxidationStd.toFixed(3)}` : '') +
      ` (edge model ${s.edgeModel ?? '?'}; ${fit.backend}).` +
      (s.warnings?.length ? ` Warnings: ${s.warnings.join('; ')}` : '');
    for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-download]'))) b.disabled = b.dataset.download === 'spectrum-csv';
    document.body.dataset.fit = 'ready';
  }

  private histogramPicture() {
    return renderHistogram({ binEdges: this.hist!.binEdges, counts: this.hist!.counts, xLabel: 'Ni oxidation state', yLabel: 'pixels', refLines: this.fit!.refLines, width: 420, height: 260 });
  }

  /** Outlines pixels above the threshold (e.g. > Ni3+) over the map. */
  private drawOutline(): void {
    const t = Number($<HTMLInputElement>('threshold').value);
    $('threshold-value').textContent = t.toFixed(2);
    if (!this.fit) return;
    const [h, w] = this.fit.shape;
    const s = 4; // outline drawn at 4× the map's pixels
    const c = $<HTMLCanvasElement>('outline');
    c.width = w * s;
    c.height = h * s;
    const ctx = c.getContext('2d')!;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.fillStyle = '#111';
    const above = (r: number, q: number) => r >= 0 && q >= 0 && r < h && q < w && this.fit!.state[r * w + q] > t;
    for (let r = 0; r < h; r++) {
      for (let q = 0; q < w; q++) {
        if (!above(r, q)) continue;
        if (!above(r - 1, q)) ctx.fillRect(q * s, r * s, s, 1);
        if (!above(r + 1, q)) ctx.fillRect(q * s, (r + 1) * s - 1, s, 1);
        if (!above(r, q - 1)) ctx.fillRect(q * s, r * s, 1, s);
        if (!above(r, q + 1)) ctx.fillRect((q + 1) * s - 1, r * s, 1, s);
      }
    }
  }

  showSpectrum(m: Extract<FromWorker, { type: 'spectrum' }>): void {
    this.spectrum = m;
    const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '—');
    $('pixel-info').textContent = `pixel (row ${m.row}, col ${m.col}): state ${fmt(m.state, 3)} ± ${fmt(m.std, 3)}, half-maximum edge ${fmt(m.edgeEv, 2)} ± ${fmt(m.edgeStdEv, 2)} eV`;
    const marks = [{ x: m.edgeEv, label: 'edge (half max)', color: '#b22' }];
    $('spectrum').hidden = !m.values.length;
    const yLabel = m.normalized ? 'normalised μ' : '−ln|O|';
    const series = m.values.length ? [{ x: m.energiesEv, y: m.values, color: '#2a5599', points: true, label: m.normalized ? 'data' : '−ln|O|' }] : [];
    if (m.model) {
      series.push({ x: m.model.energiesEv, y: m.model.sum, color: '#b22', points: false, label: 'fit' });
      for (const part of m.model.parts) series.push({ x: m.model.energiesEv, y: part, color: '#d9a', points: false, label: '' });
    }
    drawPlot($('spectrum'), series, { xLabel: 'energy (eV)', yLabel, marks });
    (document.querySelector('[data-download=spectrum-csv]') as HTMLButtonElement).disabled = !m.values.length;
  }

  private download(kind: string): void {
    const f = this.fit;
    if (!f) return;
    const [h, w] = f.shape;
    const meta = Number.isFinite(f.pixelSizeM) ? { pixelSizeM: f.pixelSizeM } : {};
    if (kind === 'state-tif') download('oxidation_state.tif', encodeTiff({ data: f.state, shape: [h, w] }, { ...meta, description: 'Ni oxidation state' }), 'image/tiff');
    else if (kind === 'std-tif') download('oxidation_state_std.tif', encodeTiff({ data: f.stateStd, shape: [h, w] }, { ...meta, description: 'Ni oxidation state standard error' }), 'image/tiff');
    else if (kind === 'state-png') {
      const p = renderMapWithColorbar(f.state, w, h, { min: this.range[0], max: this.range[1], cmap: 'valence', label: 'Ni oxidation state' });
      download('oxidation_state.png', encodePng(p.rgba, p.width, p.height), 'image/png');
    } else if (kind === 'hist-png') {
      const p = this.histogramPicture();
      download('oxidation_state_histogram.png', encodePng(p.rgba, p.width, p.height), 'image/png');
    } else if (kind === 'hist-csv' && this.hist) download('oxidation_state_histogram.csv', histogramCsv(this.hist), 'text/csv');
    else if (kind === 'spectrum-csv' && this.spectrum) {
      const s = this.spectrum;
      const lines = [`# pixel row ${s.row} col ${s.col}: state ${s.state} ± ${s.std}, edge ${s.edgeEv} ± ${s.edgeStdEv} eV`, `energy_eV,${s.normalized ? 'normalized_mu' : 'attenuation'}`];
      s.energiesEv.forEach((e, i) => lines.push(`${e},${s.values[i]}`));
      download(`spectrum_r${s.row}_c${s.col}.csv`, lines.join('\n') + '\n', 'text/csv');
    }
  }
}
