/**
 * Canvas drawing for the page: images through the library's colour maps (the same as the
 * CLI's pictures), a cyclic map for phase, the library's pictures (map + colour bar,
 * histogram), small line plots and the scan-position scatter.
 */
import { colorize, colorAt, type ColormapName } from '../../io/colormaps.ts';
import type { Picture } from '../../io/pictures.ts';
import { percentileRange } from './range.ts';

export { percentileRange };

function putRgba(canvas: HTMLCanvasElement, rgba: Uint8Array, w: number, h: number): void {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  img.data.set(rgba);
  ctx.putImageData(img, 0, 0);
}

/** A [h, w] array through a colour map (one canvas pixel per array pixel; CSS scales it). */
export function drawArray(canvas: HTMLCanvasElement, v: Float32Array, h: number, w: number, cmap: ColormapName, range?: [number, number]): [number, number] {
  const [min, max] = range ?? percentileRange(v);
  putRgba(canvas, colorize(v, w, h, { min, max, cmap }), w, h);
  return [min, max];
}

/**
 * Phase (rad) on a cyclic colour wheel, so ±π meet without a seam (as PtyPy's live view).
 * A weak phase object (1–99 % spread under π/2) is stretched to its own range first, or it
 * would show as one flat colour; returns the range shown.
 */
export function drawPhase(canvas: HTMLCanvasElement, phase: Float32Array, h: number, w: number): [number, number] {
  let [lo, hi] = percentileRange(phase);
  if (hi - lo >= Math.PI / 2) [lo, hi] = [-Math.PI, Math.PI];
  // Stretched ranges use 80 % of the wheel, so the two ends stay distinct colours.
  const span = hi - lo >= 2 * Math.PI - 1e-6 ? 2 * Math.PI : (hi - lo) / 0.8;
  const out = new Uint8Array(4 * h * w);
  for (let p = 0; p < h * w; p++) {
    const t = Number.isFinite(phase[p]) ? ((((Math.min(hi, Math.max(lo, phase[p])) - lo) / span) % 1) + 1) % 1 : 0;
    // Hue wheel at constant lightness (three phase-shifted cosines).
    for (let c = 0; c < 3; c++) out[4 * p + c] = Math.round(255 * (0.5 + 0.42 * Math.cos(2 * Math.PI * (t - c / 3))));
    out[4 * p + 3] = 255;
  }
  putRgba(canvas, out, w, h);
  return [lo, hi];
}

/** Intensity pattern on a log scale (log10(1 + counts)). */
export function drawLogPattern(canvas: HTMLCanvasElement, counts: Float32Array, h: number, w: number): [number, number] {
  const v = Float32Array.from(counts, (c) => Math.log10(1 + Math.max(0, c)));
  let max = 0;
  for (const x of v) if (x > max) max = x;
  return drawArray(canvas, v, h, w, 'viridis', [0, max || 1]);
}

export function drawPicture(canvas: HTMLCanvasElement, pic: Picture): void {
  putRgba(canvas, pic.rgba, pic.width, pic.height);
}

/** A vertical colour bar with ticks, for a map drawn with drawArray. */
export function drawColorbar(canvas: HTMLCanvasElement, cmap: ColormapName, min: number, max: number, label: string): void {
  const W = 90;
  const H = 260;
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const top = 10;
  const barH = H - 20;
  for (let y = 0; y < barH; y++) {
    const [r, g, b] = colorAt(cmap, 1 - y / (barH - 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(4, top + y, 16, 1);
  }
  ctx.strokeStyle = '#222';
  ctx.strokeRect(3.5, top - 0.5, 17, barH + 1);
  ctx.fillStyle = '#222';
  ctx.font = '11px sans-serif';
  for (let k = 0; k <= 4; k++) {
    const v = min + ((max - min) * k) / 4;
    const y = top + barH - 1 - ((barH - 1) * k) / 4;
    ctx.fillRect(20, Math.round(y), 4, 1);
    ctx.fillText(v.toFixed(2), 26, y + 4);
  }
  ctx.save();
  ctx.translate(W - 6, top + barH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(label, 0, 0);
  ctx.restore();
}

export interface Series {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  label?: string;
  points?: boolean;
}

/** Line plot with axes; `logY` for error curves; vertical marks (e.g. the edge energy). */
export function drawPlot(canvas: HTMLCanvasElement, series: Series[], opts: { xLabel: string; yLabel: string; logY?: boolean; marks?: { x: number; label: string; color: string }[] }): void {
  const W = canvas.width || 420;
  const H = canvas.height || 220;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const tf = (y: number) => (opts.logY ? Math.log10(Math.max(y, 1e-30)) : y);
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const y = tf(s.y[i]);
      if (!Number.isFinite(y)) continue;
      x0 = Math.min(x0, s.x[i]);
      x1 = Math.max(x1, s.x[i]);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  for (const m of opts.marks ?? []) if (Number.isFinite(m.x)) (x0 = Math.min(x0, m.x)), (x1 = Math.max(x1, m.x));
  if (!(x1 > x0)) [x0, x1] = [x0 - 1 || 0, x0 + 1 || 1];
  if (!(y1 > y0)) [y0, y1] = [(y0 || 0) - 1, (y0 || 0) + 1];
  const pad = (y1 - y0) * 0.06;
  y0 -= pad;
  y1 += pad;
  const L = 64;
  const B = 34;
  const px = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - 10);
  const py = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - B - 10);
  ctx.strokeStyle = '#222';
  ctx.beginPath();
  ctx.moveTo(L, 10);
  ctx.lineTo(L, H - B);
  ctx.lineTo(W - 10, H - B);
  ctx.stroke();
  ctx.fillStyle = '#222';
  ctx.font = '11px sans-serif';
  for (let k = 0; k <= 4; k++) {
    const xv = x0 + ((x1 - x0) * k) / 4;
    const yv = y0 + ((y1 - y0) * k) / 4;
    ctx.fillText(Math.abs(xv) >= 1000 ? xv.toFixed(0) : xv.toPrecision(3), px(xv) - 12, H - B + 14);
    ctx.fillText(opts.logY ? `1e${yv.toFixed(1)}` : yv.toPrecision(3), 18, py(yv) + 4);
  }
  ctx.fillText(opts.xLabel, W / 2 - 30, H - 4);
  ctx.save();
  ctx.translate(10, H / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(opts.yLabel, -30, 0);
  ctx.restore();
  for (const m of opts.marks ?? []) {
    if (!Number.isFinite(m.x)) continue;
    ctx.strokeStyle = m.color;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(px(m.x), 10);
    ctx.lineTo(px(m.x), H - B);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = m.color;
    ctx.fillText(m.label, px(m.x) + 3, 22);
  }
  series.forEach((s, si) => {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < s.x.length; i++) {
      const y = tf(s.y[i]);
      if (!Number.isFinite(y)) continue;
      if (!started) ctx.moveTo(px(s.x[i]), py(y));
      else ctx.lineTo(px(s.x[i]), py(y));
      started = true;
      if (s.points) ctx.fillRect(px(s.x[i]) - 2, py(y) - 2, 4, 4);
    }
    ctx.stroke();
    if (s.label) ctx.fillText(s.label, W - 80, H - B - 8 - 13 * si);
  });
}

/** Scan positions (µm), probe positions over the sample, y down as object rows. */
export function drawPositions(canvas: HTMLCanvasElement, positionsM: Float64Array): void {
  const W = canvas.width || 260;
  const H = canvas.height || 260;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const n = positionsM.length / 2;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, positionsM[2 * i]);
    x1 = Math.max(x1, positionsM[2 * i]);
    y0 = Math.min(y0, positionsM[2 * i + 1]);
    y1 = Math.max(y1, positionsM[2 * i + 1]);
  }
  const span = Math.max(x1 - x0, y1 - y0, 1e-9);
  const s = (Math.min(W, H) - 40) / span;
  ctx.fillStyle = '#2a5599';
  for (let i = 0; i < n; i++) {
    ctx.beginPath();
    ctx.arc(20 + (positionsM[2 * i] - x0) * s, 20 + (positionsM[2 * i + 1] - y0) * s, 2.2, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = '#222';
  ctx.font = '11px sans-serif';
  ctx.fillText(`${n} positions, ${((x1 - x0) * 1e6).toFixed(2)} × ${((y1 - y0) * 1e6).toFixed(2)} µm`, 6, H - 6);
}

/** Saves bytes or text as a file (an object URL and a clicked link). */
export function download(name: string, bytes: Uint8Array | string, type: string): void {
  const blob = new Blob([typeof bytes === 'string' ? bytes : (bytes as Uint8Array<ArrayBuffer>)], { type });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
}
