/**
 * The 3D results section: orthogonal slices of the oxidation-state volume [z, y, x] with a
 * movable cursor, the volume rendering (drawn by the Worker on its GPU into a transferred
 * canvas), the histogram with NiO/LiNiO2 lines, and downloads.
 */
import { colorize } from '../../io/colormaps.ts';
import { encodePng } from '../../io/png.ts';
import { renderHistogram } from '../../io/pictures.ts';
import { encodeTiff } from '../../io/tiff-encode.ts';
import { histogram, histogramCsv, type Histogram } from '../../xanes/histogram.ts';
import type { VolumeView } from '../protocol.ts';
import type { VolumeViewParams } from '../worker/volume-render.ts';
import { download, drawColorbar, drawPicture, percentileRange } from './draw.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

type Plane = 'xy' | 'xz' | 'yz';

export class VolumeSection {
  private v: VolumeView | null = null;
  private cursor = [0, 0, 0]; // z, y, x
  private range: [number, number] = [2, 3];
  private hist: Histogram | null = null;
  private view: VolumeViewParams = { yawDeg: 35, pitchDeg: 25, threshold: 3, cut: true };
  private rendering = false;

  constructor(private readonly draw3d: (p: VolumeViewParams) => void) {
    for (const [axis, id] of [[0, 'z'], [1, 'y'], [2, 'x']] as const) {
      $<HTMLInputElement>(id).addEventListener('input', (e) => {
        this.cursor[axis] = Number((e.target as HTMLInputElement).value);
        this.drawSlices();
      });
    }
    for (const plane of ['xy', 'xz', 'yz'] as Plane[]) $(`slice-${plane}`).addEventListener('click', (e) => this.clickSlice(plane, e as MouseEvent));
    const th = $<HTMLInputElement>('vol-threshold');
    th.addEventListener('input', () => {
      this.view.threshold = Number(th.value);
      $('vol-threshold-value').textContent = this.view.threshold.toFixed(2);
      this.render();
    });
    $<HTMLInputElement>('vol-cut').addEventListener('change', (e) => {
      this.view.cut = (e.target as HTMLInputElement).checked;
      this.render();
    });
    // Drag to rotate.
    const canvas = $('vol-render');
    let drag: { x: number; y: number } | null = null;
    canvas.addEventListener('pointerdown', (e) => (drag = { x: e.clientX, y: e.clientY }));
    window.addEventListener('pointerup', () => (drag = null));
    canvas.addEventListener('pointermove', (e) => {
      if (!drag) return;
      this.view.yawDeg += (e.clientX - drag.x) * 0.5;
      this.view.pitchDeg = Math.max(-89, Math.min(89, this.view.pitchDeg + (e.clientY - drag.y) * 0.5));
      drag = { x: e.clientX, y: e.clientY };
      this.render();
    });
    for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-vdownload]'))) b.addEventListener('click', () => this.download(b.dataset.vdownload!));
  }

  show(v: VolumeView): void {
    this.v = v;
    $('volume').hidden = false;
    const [nz, ny, nx] = v.shape;
    this.cursor = [nz >> 1, ny >> 1, nx >> 1];
    for (const [axis, id, n] of [[0, 'z', nz], [1, 'y', ny], [2, 'x', nx]] as const) {
      const s = $<HTMLInputElement>(id);
      s.max = String(n - 1);
      s.value = String(this.cursor[axis]);
    }
    const [a, b] = percentileRange(v.state, 0.05, 0.95);
    this.range = [Math.min(1.8, a), Math.max(3.2, b)];
    drawColorbar($('vol-colorbar'), 'valence', this.range[0], this.range[1], 'Ni oxidation state');
    this.hist = histogram(v.state, { binWidth: 0.05 });
    drawPicture($('vol-histogram'), this.histogramPicture());
    const s = v.summary as { nFitted?: number; oxidationMean?: number };
    const el = $('volume-summary');
    el.dataset.mean = String(s.oxidationMean);
    el.textContent = `Volume ${nz}×${ny}×${nx} (z, y, x)${Number.isFinite(v.voxelSizeM) ? ` at ${(v.voxelSizeM * 1e9).toFixed(1)} nm` : ''}: ${s.nFitted} voxels with values, mean state ${s.oxidationMean?.toFixed(3)}.`;
    this.drawSlices();
    document.body.dataset.volume = 'ready';
  }

  renderingReady(ok: boolean, message?: string): void {
    this.rendering = ok;
    $('vol-render-caption').textContent = ok ? 'volume rendering (drag to rotate; dense above the threshold)' : (message ?? 'no volume rendering');
    this.render();
  }

  private render(): void {
    if (this.rendering) this.draw3d({ ...this.view });
  }

  private histogramPicture() {
    return renderHistogram({ binEdges: this.hist!.binEdges, counts: this.hist!.counts, xLabel: 'Ni oxidation state', yLabel: 'voxels', refLines: this.v!.refLines, width: 420, height: 260 });
  }

  /** One plane through the cursor as [rows, cols] values. */
  private slice(plane: Plane): { data: Float32Array; rows: number; cols: number } {
    const v = this.v!;
    const [nz, ny, nx] = v.shape;
    const [z, y, x] = this.cursor;
    const at = (k: number, j: number, i: number) => v.state[(k * ny + j) * nx + i];
    if (plane === 'xy') return { data: v.state.slice(z * ny * nx, (z + 1) * ny * nx), rows: ny, cols: nx };
    if (plane === 'xz') return { data: Float32Array.from({ length: nz * nx }, (_, p) => at(Math.floor(p / nx), y, p % nx)), rows: nz, cols: nx };
    return { data: Float32Array.from({ length: nz * ny }, (_, p) => at(Math.floor(p / ny), p % ny, x)), rows: nz, cols: ny };
  }

  private drawSlices(): void {
    if (!this.v) return;
    const [z, y, x] = this.cursor;
    const marks: Record<Plane, [number, number]> = { xy: [y, x], xz: [z, x], yz: [z, y] };
    for (const plane of ['xy', 'xz', 'yz'] as Plane[]) {
      const s = this.slice(plane);
      const scale = Math.max(1, Math.floor(240 / Math.max(s.rows, s.cols)));
      const canvas = $<HTMLCanvasElement>(`slice-${plane}`);
      canvas.width = s.cols * scale;
      canvas.height = s.rows * scale;
      const ctx = canvas.getContext('2d')!;
      const img = new ImageData(s.cols, s.rows);
      img.data.set(colorize(s.data, s.cols, s.rows, { min: this.range[0], max: this.range[1], cmap: 'valence' }));
      const tmp = new OffscreenCanvas(s.cols, s.rows);
      tmp.getContext('2d')!.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
      // The cursor: the other two planes' positions.
      const [r, c] = marks[plane];
      ctx.strokeStyle = '#ffd400';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(0, (r + 0.5) * scale);
      ctx.lineTo(canvas.width, (r + 0.5) * scale);
      ctx.moveTo((c + 0.5) * scale, 0);
      ctx.lineTo((c + 0.5) * scale, canvas.height);
      ctx.stroke();
    }
    $('cap-xy').textContent = `z = ${z} (rows y, columns x)`;
    $('cap-xz').textContent = `y = ${y} (rows z, columns x)`;
    $('cap-yz').textContent = `x = ${x} (rows z, columns y)`;
    const [, ny, nx] = this.v.shape;
    const p = (z * ny + y) * nx + x;
    const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
    $('voxel-info').textContent = `voxel (z ${z}, y ${y}, x ${x}): state ${fmt(this.v.state[p])} ± ${fmt(this.v.stateStd[p])}`;
  }

  private clickSlice(plane: Plane, e: MouseEvent): void {
    if (!this.v) return;
    const canvas = e.target as HTMLCanvasElement;
    const r = canvas.getBoundingClientRect();
    const s = this.slice(plane);
    const row = Math.min(s.rows - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * s.rows)));
    const col = Math.min(s.cols - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * s.cols)));
    if (plane === 'xy') [this.cursor[1], this.cursor[2]] = [row, col];
    else if (plane === 'xz') [this.cursor[0], this.cursor[2]] = [row, col];
    else [this.cursor[0], this.cursor[1]] = [row, col];
    ['z', 'y', 'x'].forEach((id, a) => ($<HTMLInputElement>(id).value = String(this.cursor[a])));
    this.drawSlices();
  }

  private download(kind: string): void {
    const v = this.v;
    if (!v) return;
    const meta = Number.isFinite(v.voxelSizeM) ? { pixelSizeM: v.voxelSizeM, spacingM: v.voxelSizeM } : {};
    if (kind === 'state-tif') download('oxidation_state_volume.tif', encodeTiff({ data: v.state, shape: v.shape }, { ...meta, description: 'Ni oxidation state [z, y, x]' }), 'image/tiff');
    else if (kind === 'hist-csv' && this.hist) download('oxidation_state_histogram.csv', histogramCsv(this.hist), 'text/csv');
    else if (kind === 'hist-png') {
      const p = this.histogramPicture();
      download('oxidation_state_histogram.png', encodePng(p.rgba, p.width, p.height), 'image/png');
    }
  }
}
