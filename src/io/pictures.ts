/**
 * Pictures for people: a colour-mapped map with a colour bar and tick labels, and a
 * histogram with axes and labelled reference lines (e.g. NiO, LiNiO2), drawn into RGBA
 * with the built-in 5×7 font. Encode with png.ts (encodePng / writePng). Pure code:
 * runs in the browser and in Node.
 */
import { colorAt, colorize, DEFAULT_NAN_COLOR } from './colormaps.ts';
import type { ColormapName, Rgba } from './colormaps.ts';
import { GLYPH_H, textWidth } from './font.ts';
import { formatTick, niceTicks, Raster } from './raster.ts';

export { colorize } from './colormaps.ts';
export type { ColormapName, Rgba } from './colormaps.ts';

export interface Picture {
  rgba: Uint8Array;
  width: number;
  height: number;
}

const INK: Rgba = [20, 20, 20, 255];
const GRID: Rgba = [225, 225, 225, 255];
const BAR: Rgba = [70, 110, 170, 255];
const REF: Rgba = [190, 30, 30, 255];

export interface MapPictureOptions {
  min: number;
  max: number;
  cmap: ColormapName;
  /** Colour-bar label, e.g. 'Ni oxidation state'. */
  label: string;
  /** Integer enlargement of each map pixel (default: map about 400 px on its long side). */
  scale?: number;
  nanColor?: Rgba;
  /** Optional title above the map. */
  title?: string;
  /** Brightness 0..1 per map pixel (e.g. depth shading of a rendering); default 1. */
  shade?: Float32Array;
}

/** Map [height, width] (row-major, row 0 at the top) with a vertical colour bar on its right. */
export function renderMapWithColorbar(values: Float32Array | Float64Array, width: number, height: number, opts: MapPictureOptions): Picture {
  const scale = Math.max(1, Math.floor(opts.scale ?? Math.max(1, Math.floor(400 / Math.max(width, height)))));
  const mapW = width * scale;
  const mapH = height * scale;
  const fs = mapH >= 240 ? 2 : 1; // font scale
  const textH = GLYPH_H * fs;
  const pad = 6 * fs;
  const titleH = opts.title ? textH + pad : 0;
  const barH = Math.max(mapH, 120 * fs);
  const barW = 12 * fs;
  const { ticks, step } = niceTicks(Math.min(opts.min, opts.max), Math.max(opts.min, opts.max), 5);
  const labels = ticks.map((t) => formatTick(t, step));
  const tickW = Math.max(0, ...labels.map((l) => textWidth(l, fs)));
  const W = pad + mapW + 2 * pad + barW + 3 * fs + tickW + pad + textH + pad;
  const H = pad + titleH + Math.max(mapH, barH) + pad + Math.ceil(textH / 2);
  const r = new Raster(Math.max(W, pad * 2 + textWidth(opts.title ?? '', fs)), H);
  if (opts.title) r.text(opts.title, pad, pad, INK, fs);
  const top = pad + titleH;
  const rgba = colorize(values, width, height, { min: opts.min, max: opts.max, cmap: opts.cmap, nanColor: opts.nanColor ?? DEFAULT_NAN_COLOR[opts.cmap] });
  if (opts.shade) for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) rgba[4 * i + c] = Math.round(rgba[4 * i + c] * Math.min(1, Math.max(0, opts.shade[i])));
  r.blit(rgba, width, height, pad, top + Math.floor((barH - mapH) / 2) * (barH > mapH ? 1 : 0), scale);
  // Colour bar: value increases upwards.
  const bx = pad + mapW + 2 * pad;
  const lo = Math.min(opts.min, opts.max), hi = Math.max(opts.min, opts.max);
  for (let y = 0; y < barH; y++) {
    const t = 1 - y / Math.max(1, barH - 1);
    r.fillRect(bx, top + y, barW, 1, colorAt(opts.cmap, opts.max >= opts.min ? t : 1 - t));
  }
  r.strokeRect(bx - 1, top - 1, barW + 2, barH + 2, INK);
  ticks.forEach((t, i) => {
    const y = top + Math.round((1 - (hi > lo ? (t - lo) / (hi - lo) : 0.5)) * (barH - 1));
    r.fillRect(bx + barW, y, 3 * fs, fs, INK);
    r.text(labels[i], bx + barW + 4 * fs, y - Math.floor(textH / 2), INK, fs);
  });
  // Label, rotated, right of the tick labels and centred on the bar.
  const lw = textWidth(opts.label, fs);
  r.text(opts.label, bx + barW + 4 * fs + tickW + pad, top + Math.max(0, Math.floor((barH - lw) / 2)), INK, fs, 'ccw');
  return { rgba: r.rgba, width: r.width, height: r.height };
}

export interface HistogramOptions {
  /** counts.length + 1 increasing edges. */
  binEdges: number[];
  counts: number[];
  xLabel: string;
  yLabel?: string;
  title?: string;
  /** Vertical reference lines, e.g. [{ x: 2, label: 'NiO' }, { x: 3, label: 'LiNiO2' }]. */
  refLines?: { x: number; label: string }[];
  width?: number;
  height?: number;
}

/** Bar histogram with axes, tick labels and labelled dashed reference lines. */
export function renderHistogram(opts: HistogramOptions): Picture {
  const { binEdges: edges, counts } = opts;
  if (edges.length !== counts.length + 1 || counts.length === 0) {
    throw new RangeError(`renderHistogram: ${edges.length} edges for ${counts.length} counts (need counts + 1)`);
  }
  const W = Math.max(200, Math.round(opts.width ?? 640));
  const H = Math.max(150, Math.round(opts.height ?? 420));
  const fs = W >= 480 && H >= 320 ? 2 : 1;
  const textH = GLYPH_H * fs;
  const pad = 6 * fs;
  const refs = opts.refLines ?? [];
  let x0 = edges[0], x1 = edges[edges.length - 1];
  for (const l of refs) if (Number.isFinite(l.x)) { x0 = Math.min(x0, l.x); x1 = Math.max(x1, l.x); }
  if (!(x1 > x0)) { x0 -= 0.5; x1 += 0.5; }
  const xPad = (x1 - x0) * 0.02;
  x0 -= xPad; x1 += xPad;
  const cMax = Math.max(1, ...counts.filter(Number.isFinite));
  const yt = niceTicks(0, cMax, 5);
  const yMax = yt.ticks[yt.ticks.length - 1] >= cMax ? yt.ticks[yt.ticks.length - 1] : cMax;
  const yLabels = yt.ticks.map((t) => formatTick(t, yt.step));
  const yTickW = Math.max(...yLabels.map((l) => textWidth(l, fs)));
  const refRows = Math.min(3, refs.length);
  const left = pad + textH + pad + yTickW + 3 * fs;
  const top = pad + (opts.title ? textH + pad : 0) + refRows * (textH + 2 * fs) + pad;
  const right = W - pad - Math.ceil(textWidth('0.00', fs) / 2);
  const bottom = H - pad - textH - pad - textH - 4 * fs;
  const pw = right - left, ph = bottom - top;
  const r = new Raster(W, H);
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * pw;
  const py = (c: number) => bottom - (c / yMax) * ph;
  if (opts.title) r.text(opts.title, Math.round((W - textWidth(opts.title, fs)) / 2), pad, INK, fs);
  // Grid and y ticks.
  yt.ticks.forEach((t, i) => {
    const y = Math.round(py(t));
    if (t > 0) r.fillRect(left + 1, y, pw - 1, 1, GRID);
    r.fillRect(left - 3 * fs, y, 3 * fs, 1, INK);
    r.text(yLabels[i], left - 4 * fs - textWidth(yLabels[i], fs), y - Math.floor(textH / 2), INK, fs);
  });
  // Bars.
  counts.forEach((c, i) => {
    if (!(c > 0)) return;
    const a = Math.round(px(edges[i])), b = Math.max(a + 1, Math.round(px(edges[i + 1])));
    const y = Math.round(py(c));
    r.fillRect(a, y, b - a, bottom - y, BAR);
    if (b - a >= 4) r.fillRect(b - 1, y, 1, bottom - y, [255, 255, 255, 255]); // separate adjacent bars
  });
  // Axes and x ticks.
  r.fillRect(left, bottom, pw + 1, 1, INK);
  r.fillRect(left, top, 1, ph + 1, INK);
  const xt = niceTicks(x0, x1, Math.max(3, Math.floor(pw / (textWidth('0.00', fs) + 12 * fs))));
  for (const t of xt.ticks) {
    const x = Math.round(px(t));
    const s = formatTick(t, xt.step);
    r.fillRect(x, bottom + 1, 1, 3 * fs, INK);
    r.text(s, x - Math.floor(textWidth(s, fs) / 2), bottom + 5 * fs, INK, fs);
  }
  r.text(opts.xLabel, Math.round(left + (pw - textWidth(opts.xLabel, fs)) / 2), H - pad - textH, INK, fs);
  const yl = opts.yLabel ?? 'counts';
  r.text(yl, pad, Math.round(top + (ph - textWidth(yl, fs)) / 2), INK, fs, 'ccw');
  // Reference lines, labels staggered in rows above the plot so neighbours do not collide.
  refs.forEach((l, i) => {
    if (!Number.isFinite(l.x)) return;
    const x = Math.round(px(l.x));
    r.vline(x, top, bottom, REF, 4 * fs, fs);
    const row = i % Math.max(1, refRows);
    const ly = top - pad - (refRows - row) * (textH + 2 * fs) + 2 * fs;
    const lw = textWidth(l.label, fs);
    const lx = Math.min(W - lw - 1, Math.max(0, x - Math.floor(lw / 2)));
    r.text(l.label, lx, ly, REF, fs);
    r.vline(x, ly + textH + fs, top, REF, 0, fs);
  });
  return { rgba: r.rgba, width: W, height: H };
}
