/**
 * Line plots for people (profiles, fitted curves, overlaid histograms): several series
 * with optional error bars, axes with nice ticks, a legend and labelled dashed vertical
 * reference lines, drawn into RGBA with the built-in font like pictures.ts. Pure code:
 * runs in the browser and in Node; encode with png.ts.
 */
import type { Rgba } from './colormaps.ts';
import { GLYPH_H, textWidth } from './font.ts';
import type { Picture } from './pictures.ts';
import { formatTick, niceTicks, Raster } from './raster.ts';

export interface PlotSeries {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Symmetric error bars (± yErr), drawn where finite. */
  yErr?: ArrayLike<number>;
  label?: string;
  color?: Rgba;
  /** 'line' joins points, 'points' draws squares, 'steps' a histogram outline over bin centres (default 'line'). */
  style?: 'line' | 'points' | 'steps';
  /** Line thickness in px at font scale 1 (default 1). */
  width?: number;
}

export interface LinePlotOptions {
  series: PlotSeries[];
  xLabel: string;
  yLabel: string;
  title?: string;
  refLines?: { x: number; label: string }[];
  xRange?: [number, number];
  yRange?: [number, number];
  width?: number;
  height?: number;
}

/** A qualitative palette (Okabe & Ito 2008, readable with colour-vision deficiencies). */
export const PALETTE: Rgba[] = [
  [0, 114, 178, 255], [213, 94, 0, 255], [0, 158, 115, 255], [204, 121, 167, 255],
  [230, 159, 0, 255], [86, 180, 233, 255], [240, 228, 66, 255], [0, 0, 0, 255],
];

const INK: Rgba = [20, 20, 20, 255];
const GRID: Rgba = [225, 225, 225, 255];
const REF: Rgba = [190, 30, 30, 255];

function extent(series: PlotSeries[], axis: 'x' | 'y'): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (let i = 0; i < s.x.length; i++) {
    const v = axis === 'x' ? s.x[i] : s.y[i];
    const e = axis === 'y' && s.yErr && Number.isFinite(s.yErr[i]) ? s.yErr[i] : 0;
    if (!Number.isFinite(v) || !Number.isFinite(axis === 'x' ? s.y[i] : s.x[i])) continue;
    lo = Math.min(lo, v - e);
    hi = Math.max(hi, v + e);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (!(hi > lo)) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

export function renderLinePlot(opts: LinePlotOptions): Picture {
  const W = Math.max(240, Math.round(opts.width ?? 640));
  const H = Math.max(180, Math.round(opts.height ?? 420));
  const fs = W >= 480 && H >= 320 ? 2 : 1;
  const textH = GLYPH_H * fs;
  const pad = 6 * fs;
  let [x0, x1] = opts.xRange ?? extent(opts.series, 'x');
  for (const l of opts.refLines ?? []) if (!opts.xRange && Number.isFinite(l.x)) { x0 = Math.min(x0, l.x); x1 = Math.max(x1, l.x); }
  let [y0, y1] = opts.yRange ?? extent(opts.series, 'y');
  if (!opts.yRange) { const m = (y1 - y0) * 0.05; y0 -= m; y1 += m; }
  const xt = niceTicks(x0, x1, 6), yt = niceTicks(y0, y1, 5);
  const yLabels = yt.ticks.map((t) => formatTick(t, yt.step));
  const legend = opts.series.filter((s) => s.label);
  const refs = opts.refLines ?? [];
  const left = pad + textH + pad + Math.max(...yLabels.map((l) => textWidth(l, fs))) + 4 * fs;
  const legendTop = pad + (opts.title ? textH + pad : 0);
  const rowH = textH + 3 * fs;
  const top = legendTop + legend.length * rowH + (legend.length ? pad : 0) + (refs.length ? textH + 2 * pad : 0);
  const right = W - pad - Math.ceil(textWidth('0.00', fs) / 2);
  const bottom = H - pad - textH - pad - textH - 4 * fs;
  const pw = right - left, ph = bottom - top;
  const r = new Raster(W, H);
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * pw;
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0)) * ph;
  const inside = (x: number, y: number) => x >= left && x <= right && y >= top && y <= bottom;
  const dot = (x: number, y: number, c: Rgba, t: number) => { if (inside(x, y)) r.fillRect(x - Math.floor(t / 2), y - Math.floor(t / 2), t, t, c); };
  const line = (xa: number, ya: number, xb: number, yb: number, c: Rgba, t: number) => {
    const n = Math.max(1, Math.ceil(Math.hypot(xb - xa, yb - ya)));
    for (let k = 0; k <= n; k++) dot(Math.round(xa + ((xb - xa) * k) / n), Math.round(ya + ((yb - ya) * k) / n), c, t);
  };
  if (opts.title) r.text(opts.title, Math.round((W - textWidth(opts.title, fs)) / 2), pad, INK, fs);
  yt.ticks.forEach((t, i) => {
    const y = Math.round(py(t));
    if (y < top || y > bottom) return;
    r.fillRect(left + 1, y, pw - 1, 1, GRID);
    r.fillRect(left - 3 * fs, y, 3 * fs, 1, INK);
    r.text(yLabels[i], left - 4 * fs - textWidth(yLabels[i], fs), y - Math.floor(textH / 2), INK, fs);
  });
  for (const t of xt.ticks) {
    const x = Math.round(px(t));
    if (x < left || x > right) continue;
    const s = formatTick(t, xt.step);
    r.fillRect(x, bottom + 1, 1, 3 * fs, INK);
    r.text(s, x - Math.floor(textWidth(s, fs) / 2), bottom + 5 * fs, INK, fs);
  }
  opts.series.forEach((s, k) => {
    const c = s.color ?? PALETTE[k % PALETTE.length];
    const t = (s.width ?? 1) * fs;
    const pts: [number, number, number][] = [];
    for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) pts.push([px(s.x[i]), py(s.y[i]), i]);
    if (s.yErr) for (const [x, , i] of pts) {
      const e = s.yErr[i];
      if (Number.isFinite(e) && e > 0) line(Math.round(x), Math.round(py(s.y[i] - e)), Math.round(x), Math.round(py(s.y[i] + e)), c, fs);
    }
    const style = s.style ?? 'line';
    if (style === 'points') for (const [x, y] of pts) dot(Math.round(x), Math.round(y), c, 3 * fs);
    else if (style === 'line') for (let j = 1; j < pts.length; j++) line(pts[j - 1][0], pts[j - 1][1], pts[j][0], pts[j][1], c, t);
    else for (let j = 0; j < pts.length; j++) {
      // Steps: each value spans half-way to its neighbours.
      const xa = j ? (pts[j - 1][0] + pts[j][0]) / 2 : pts[j][0] - (pts.length > 1 ? (pts[1][0] - pts[0][0]) / 2 : 2);
      const xb = j + 1 < pts.length ? (pts[j][0] + pts[j + 1][0]) / 2 : pts[j][0] + (pts.length > 1 ? (pts[j][0] - pts[j - 1][0]) / 2 : 2);
      line(xa, pts[j][1], xb, pts[j][1], c, t);
      if (j + 1 < pts.length) line(xb, pts[j][1], xb, pts[j + 1][1], c, t);
    }
  });
  r.fillRect(left, bottom, pw + 1, 1, INK);
  r.fillRect(left, top, 1, ph + 1, INK);
  r.text(opts.xLabel, Math.round(left + (pw - textWidth(opts.xLabel, fs)) / 2), H - pad - textH, INK, fs);
  r.text(opts.yLabel, pad, Math.round(top + Math.max(0, (ph - textWidth(opts.yLabel, fs)) / 2)), INK, fs, 'ccw');
  refs.forEach((l) => {
    if (!Number.isFinite(l.x) || l.x < x0 || l.x > x1) return;
    const x = Math.round(px(l.x));
    r.vline(x, top, bottom, REF, 4 * fs, fs);
    const lw = textWidth(l.label, fs);
    r.text(l.label, Math.min(W - lw - 1, Math.max(0, x - Math.floor(lw / 2))), top - pad - textH, REF, fs);
  });
  // Legend above the plot (never over the data), one row per labelled series.
  legend.forEach((s, j) => {
    const c = s.color ?? PALETTE[opts.series.indexOf(s) % PALETTE.length];
    const y = legendTop + j * rowH;
    r.fillRect(left, y + Math.floor(textH / 2) - fs, 10 * fs, 2 * fs, c);
    r.text(s.label!, left + 14 * fs, y, INK, fs);
  });
  return { rgba: r.rgba, width: W, height: H };
}
