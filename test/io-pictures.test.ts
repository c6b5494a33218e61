import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzlibSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorAt, colormapLut } from '../src/io/colormaps.ts';
import { glyph, textWidth } from '../src/io/font.ts';
import { colorize, renderHistogram, renderMapWithColorbar } from '../src/io/pictures.ts';
import { crc32, encodePng, writePng } from '../src/io/png.ts';
import { formatTick, niceTicks } from '../src/io/raster.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyxanes-io-png-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small independent PNG decoder (8-bit RGBA, all five filter types) for checking. */
function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let p = 8;
  let width = 0, height = 0;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  while (p < png.length) {
    const len = v.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    types.push(type);
    expect(v.getUint32(p + 8 + len)).toBe(crc32(png, p + 4, p + 8 + len));
    const body = png.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = v.getUint32(p + 8);
      height = v.getUint32(p + 12);
      expect([...body.subarray(8)]).toEqual([8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no interlace
    }
    if (type === 'IDAT') idat.push(body);
    p += 12 + len;
  }
  expect(types[0]).toBe('IHDR');
  expect(types[types.length - 1]).toBe('IEND');
  const z = new Uint8Array(idat.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of idat) { z.set(c, o); o += c.length; }
  const raw = unzlibSync(z);
  const stride = width * 4;
  expect(raw.length).toBe((stride + 1) * height);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const cur = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? out[y * stride + x - 4] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4] : 0;
      const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      out[y * stride + x] = (cur + pred) & 0xff;
    }
  }
  return { width, height, rgba: out };
}

const pixel = (p: { rgba: Uint8Array; width: number }, x: number, y: number) => Array.from(p.rgba.subarray(4 * (y * p.width + x), 4 * (y * p.width + x) + 4));

describe('PNG', () => {
  it('encodes RGBA that an independent decoder reads back exactly', async () => {
    const w = 13, h = 7;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 97 + (i >> 3) * 13) & 0xff;
    const png = encodePng(rgba, w, h);
    const d = decodePng(png);
    expect([d.width, d.height]).toEqual([w, h]);
    expect(Buffer.from(d.rgba).equals(Buffer.from(rgba))).toBe(true);
    await writePng(join(dir, 'a.png'), rgba, w, h);
    expect(Buffer.from(await readFile(join(dir, 'a.png'))).equals(Buffer.from(png))).toBe(true);
    expect(() => encodePng(rgba, w + 1, h)).toThrow(/bytes/);
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('colour maps and pictures', () => {
  it('colorize maps min/max to the ends, clamps, and paints NaN', () => {
    const lut = colormapLut('valence');
    const out = colorize(new Float32Array([2, 3.5, 10, NaN, 2.75]), 5, 1, { min: 2, max: 3.5, cmap: 'valence', nanColor: [1, 2, 3, 4] });
    expect(Array.from(out.subarray(0, 4))).toEqual([lut[0], lut[1], lut[2], 255]);
    expect(Array.from(out.subarray(4, 8))).toEqual([lut[765], lut[766], lut[767], 255]);
    expect(Array.from(out.subarray(8, 12))).toEqual(Array.from(out.subarray(4, 8)));
    expect(Array.from(out.subarray(12, 16))).toEqual([1, 2, 3, 4]);
    // valence: blue at Ni2+, red at the top, a light neutral in the middle
    const [lo, hi, mid] = [colorAt('valence', 0), colorAt('valence', 1), colorAt('valence', 0.5)];
    expect(lo[2]).toBeGreaterThan(lo[0] + 80);
    expect(hi[0]).toBeGreaterThan(hi[2] + 80);
    expect(Math.min(mid[0], mid[1], mid[2])).toBeGreaterThan(200);
    // viridis is monotonic in lightness (approximately: luma increases)
    const luma = (c: number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    for (let t = 0.1; t <= 1.0001; t += 0.1) expect(luma(colorAt('viridis', t))).toBeGreaterThan(luma(colorAt('viridis', t - 0.1)));
    expect(colorAt('gray', 0)).toEqual([0, 0, 0, 255]);
    expect(colorAt('gray', 1)).toEqual([255, 255, 255, 255]);
  });

  it('renderMapWithColorbar enlarges pixels by `scale` and draws a bar from max (top) to min', () => {
    const w = 4, h = 3;
    const values = new Float32Array([2, 2.5, 3, 3.5, NaN, 2, 2, 2, 3, 3, 3, 3]);
    const pic = renderMapWithColorbar(values, w, h, { min: 2, max: 3.5, cmap: 'viridis', label: 'Ni oxidation state', scale: 5 });
    const expected = colorize(values, w, h, { min: 2, max: 3.5, cmap: 'viridis' });
    // Find the map: the first pixel equal to value (0,0)'s colour scanning rows.
    const c00 = Array.from(expected.subarray(0, 4));
    let ox = -1, oy = -1;
    outer: for (let y = 0; y < pic.height; y++) for (let x = 0; x < pic.width; x++) {
      if (pixel(pic, x, y).every((v, i) => v === c00[i])) { ox = x; oy = y; break outer; }
    }
    expect(ox).toBeGreaterThanOrEqual(0);
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) for (const [dx, dy] of [[0, 0], [4, 4], [2, 3]]) {
      expect(pixel(pic, ox + i * 5 + dx, oy + j * 5 + dy)).toEqual(Array.from(expected.subarray(4 * (j * w + i), 4 * (j * w + i) + 4)));
    }
    // Colour bar: a column right of the map whose top is the max colour and bottom the min colour.
    const top = colorAt('viridis', 1), bottom = colorAt('viridis', 0);
    let found = false;
    for (let x = ox + w * 5; x < pic.width && !found; x++) {
      const col = Array.from({ length: pic.height }, (_, y) => pixel(pic, x, y).join());
      const t = col.indexOf(top.join()), b = col.lastIndexOf(bottom.join());
      found = t >= 0 && b > t;
    }
    expect(found).toBe(true);
    const ink = Array.from({ length: pic.width * pic.height }, (_, i) => pic.rgba[4 * i] === 20).filter(Boolean).length;
    expect(ink).toBeGreaterThan(200); // tick labels and the rotated label are drawn
    const png = decodePng(encodePng(pic.rgba, pic.width, pic.height));
    expect(png.width).toBe(pic.width);
  });

  it('renderHistogram draws bars proportional to counts and the reference lines in order', () => {
    const edges = [2, 2.25, 2.5, 2.75, 3];
    const counts = [10, 40, 20, 0];
    const pic = renderHistogram({ binEdges: edges, counts, xLabel: 'Ni oxidation state', refLines: [{ x: 2.1, label: 'NiO' }, { x: 2.9, label: 'LiNiO2' }] });
    expect([pic.width, pic.height]).toEqual([640, 420]);
    const barCols: number[][] = [];
    const refCols: number[] = [];
    for (let x = 0; x < pic.width; x++) {
      let bar = 0, ref = 0;
      for (let y = 0; y < pic.height; y++) {
        const p = pixel(pic, x, y).join();
        if (p === '70,110,170,255') bar++;
        if (p === '190,30,30,255') ref++;
      }
      if (bar) barCols.push([x, bar]);
      if (ref > 50) refCols.push(x);
    }
    // The three most common column heights are the three non-empty bins: ratio 10:20:40 (±2 px).
    const freq = new Map<number, number>();
    for (const [, hgt] of barCols) freq.set(hgt, (freq.get(hgt) ?? 0) + 1);
    const [h10, h20, h40] = [...freq.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([hgt]) => hgt).sort((a, b) => a - b);
    expect(Math.abs(h40 / 4 - h10)).toBeLessThan(2);
    expect(Math.abs(h40 / 2 - h20)).toBeLessThan(2);
    expect(h40).toBeGreaterThan(200);
    // Two reference lines (thickness 2 at this size), the NiO line left of the LiNiO2 line.
    expect(refCols.length).toBeGreaterThanOrEqual(2);
    expect(refCols[refCols.length - 1] - refCols[0]).toBeGreaterThan(300);
    expect(() => renderHistogram({ binEdges: [0, 1], counts: [1, 2], xLabel: 'x' })).toThrow(/edges/);
  });

  it('font, ticks and labels', () => {
    expect(Array.from(glyph('1'))).toEqual([0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e]);
    expect(Array.from(glyph('\u2603'))).toEqual(Array.from(glyph('?')));
    for (const ch of 'NiO LiNiO2 0123456789.-+ abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ()/:%µ°') {
      if (ch !== ' ' && ch !== '?') expect(Array.from(glyph(ch))).not.toEqual(Array.from(glyph('?')));
    }
    expect(textWidth('NiO', 2)).toBe((3 * 6 - 1) * 2);
    expect(niceTicks(2, 3.5, 5).ticks).toEqual([2, 2.5, 3, 3.5]);
    expect(niceTicks(2, 3.5, 6).ticks).toEqual([2, 2.25, 2.5, 2.75, 3, 3.25, 3.5]);
    expect(niceTicks(2, 3.5, 8).ticks).toEqual([2, 2.2, 2.4, 2.6, 2.8, 3, 3.2, 3.4]);
    expect(niceTicks(0, 1234, 5).ticks).toEqual([0, 250, 500, 750, 1000, 1250].filter((t) => t <= 1234));
    expect(formatTick(2.25, 0.25)).toBe('2.25');
    expect(formatTick(1000, 200)).toBe('1000');
    expect(formatTick(0.1, 0.05)).toBe('0.10');
  });
});
