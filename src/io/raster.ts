/**
 * Minimal RGBA raster for drawing pictures without a canvas (same code in Node and the
 * browser): filled rectangles, lines, blits and 5×7 bitmap text (optionally rotated).
 */
import type { Rgba } from './colormaps.ts';
import { ADVANCE, GLYPH_H, GLYPH_W, glyph, textWidth } from './font.ts';

export class Raster {
  readonly rgba: Uint8Array;
  constructor(readonly width: number, readonly height: number, background: Rgba = [255, 255, 255, 255]) {
    this.rgba = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  set(x: number, y: number, c: Rgba): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = 4 * (y * this.width + x);
    this.rgba[o] = c[0]; this.rgba[o + 1] = c[1]; this.rgba[o + 2] = c[2]; this.rgba[o + 3] = c[3];
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgba): void {
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) {
      const o = 4 * (yy * this.width + xx);
      this.rgba[o] = c[0]; this.rgba[o + 1] = c[1]; this.rgba[o + 2] = c[2]; this.rgba[o + 3] = c[3];
    }
  }

  /** Outline of a rectangle, 1 px. */
  strokeRect(x: number, y: number, w: number, h: number, c: Rgba): void {
    this.fillRect(x, y, w, 1, c);
    this.fillRect(x, y + h - 1, w, 1, c);
    this.fillRect(x, y, 1, h, c);
    this.fillRect(x + w - 1, y, 1, h, c);
  }

  /** Vertical line from y0 to y1 (inclusive); `dash` = on/off length in px (0 = solid). */
  vline(x: number, y0: number, y1: number, c: Rgba, dash = 0, thickness = 1): void {
    const [a, b] = y0 <= y1 ? [y0, y1] : [y1, y0];
    for (let y = Math.round(a); y <= Math.round(b); y++) {
      if (dash && Math.floor((y - a) / dash) % 2 === 1) continue;
      for (let t = 0; t < thickness; t++) this.set(x + t, y, c);
    }
  }

  /** Copies an RGBA image at (x, y), each pixel enlarged to scale×scale. */
  blit(src: Uint8Array, sw: number, sh: number, x: number, y: number, scale = 1): void {
    for (let sy = 0; sy < sh; sy++) for (let sx = 0; sx < sw; sx++) {
      const i = 4 * (sy * sw + sx);
      const c: Rgba = [src[i], src[i + 1], src[i + 2], src[i + 3]];
      this.fillRect(x + sx * scale, y + sy * scale, scale, scale, c);
    }
  }

  /**
   * Draws text with its top-left at (x, y). `rotate`: 'ccw' turns it 90° counter-clockwise
   * (reading bottom to top, for y-axis labels); (x, y) is then the top-left of the rotated box.
   */
  text(s: string, x: number, y: number, c: Rgba, scale = 1, rotate?: 'ccw'): void {
    const chars = [...s];
    const len = textWidth(s, scale);
    chars.forEach((ch, k) => {
      const g = glyph(ch);
      for (let r = 0; r < GLYPH_H; r++) for (let col = 0; col < GLYPH_W; col++) {
        if (!((g[r] >> (GLYPH_W - 1 - col)) & 1)) continue;
        const u = k * ADVANCE + col; // along the text
        if (rotate === 'ccw') this.fillRect(x + r * scale, y + len - (u + 1) * scale, scale, scale, c);
        else this.fillRect(x + u * scale, y + r * scale, scale, scale, c);
      }
    });
  }
}

/** "Nice" tick positions (steps of 1, 2, 2.5 or 5 × 10^k) covering [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 5): { ticks: number[]; step: number } {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  const raw = (hi - lo) / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw * 0.999) ?? 10 * p;
  const ticks: number[] = [];
  // Integer multiples of the step, rounded, so 2.2 is not 2.2000000000000002.
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++) ticks.push(+(k * step).toPrecision(12) || 0);
  return { ticks, step };
}

/** Formats a tick value with just enough decimals for `step`. */
export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + (/^2\.?5/.test(String(step / 10 ** Math.floor(Math.log10(step)))) ? 1 : 0));
  return v.toFixed(Math.min(6, decimals));
}
