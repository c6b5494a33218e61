/**
 * A small float32 TIFF layout builder (no compression, one strip per page, little-endian),
 * shared by the streaming file writer (tiff.ts) and the in-memory encoder (browser downloads).
 *
 * File layout:  header | page 0 … page d−1 (contiguous float32 rows) | IFD 0 … IFD d−1.
 * The pixel data are contiguous and come first because ImageJ/Fiji reads an "ImageJ=…
 * images=d" stack as one block starting at the first strip; the IFDs go last so a
 * streaming writer can learn min/max (for ImageJ's display range) before writing them,
 * then patch the header's first-IFD offset.
 *
 * Classic TIFF offsets are 32-bit, so files above 4 GiB are written as BigTIFF (version
 * 43, 64-bit offsets): tifffile, libtiff, GDAL and Fiji's Bio-Formats importer read it;
 * plain ImageJ 1.x "File > Open" does not (use File > Import > Bio-Formats).
 */

const ASCII = 2, SHORT = 3, LONG = 4, RATIONAL = 5, LONG8 = 16;
const TYPE_SIZE: Record<number, number> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [RATIONAL]: 8, [LONG8]: 8 };

interface IfdEntry {
  tag: number;
  type: number;
  /** Numbers (SHORT/LONG/LONG8), [num, den] pairs flattened (RATIONAL), or bytes (ASCII). */
  values: number[] | Uint8Array;
}

export interface TiffPageLayout {
  width: number;
  height: number;
  pages: number;
  bigTiff: boolean;
  headerBytes: number;
  /** Byte offset of page 0's pixels; page k is at dataOffset + k * pageBytes. */
  dataOffset: number;
  pageBytes: number;
  /** Where the IFD block starts (just after the pixel data). */
  ifdOffset: number;
}

export interface TiffMeta {
  /** Pixel size (m) in x and y; written as resolution tags + ImageJ `unit=micron`. */
  pixelSizeM?: number;
  /** Spacing between pages (m), for volumes; ImageJ `spacing=` (µm). */
  spacingM?: number;
  /** Free text, kept as `noteN=` lines in the ImageJ description. */
  description?: string;
  /** Force BigTIFF (normally chosen automatically above 4 GiB). */
  bigTiff?: boolean;
}

const CLASSIC_LIMIT = 2 ** 32 - 1;

export function planTiff(width: number, height: number, pages: number, meta: TiffMeta = {}): TiffPageLayout {
  const pageBytes = width * height * 4;
  const dataBytes = pageBytes * pages;
  // Generous bound on IFD + description bytes, to decide classic vs big before writing.
  const overhead = 16 + pages * 400 + 4096 + (meta.description?.length ?? 0) * 2;
  const bigTiff = meta.bigTiff ?? dataBytes + overhead > CLASSIC_LIMIT;
  const headerBytes = bigTiff ? 16 : 8;
  const dataOffset = 16; // 16-aligned pixels, after the (possibly shorter) header
  return { width, height, pages, bigTiff, headerBytes, dataOffset, pageBytes, ifdOffset: dataOffset + dataBytes };
}

/** The file header, pointing at the first IFD. */
export function tiffHeader(layout: TiffPageLayout): Uint8Array {
  const out = new Uint8Array(layout.dataOffset);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x49); // 'II' little-endian
  v.setUint8(1, 0x49);
  if (layout.bigTiff) {
    v.setUint16(2, 43, true);
    v.setUint16(4, 8, true); // offset size
    v.setUint16(6, 0, true);
    v.setBigUint64(8, BigInt(layout.ifdOffset), true);
  } else {
    v.setUint16(2, 42, true);
    v.setUint32(4, layout.ifdOffset, true);
  }
  return out;
}

/** Best rational approximation num/den with both in uint32 range (value > 0). */
export function toRational(value: number): [number, number] {
  if (!(value > 0) || !Number.isFinite(value)) return [0, 1];
  let den = 1_000_000;
  while (den > 1 && value * den > CLASSIC_LIMIT) den = Math.floor(den / 10);
  return [Math.min(CLASSIC_LIMIT, Math.round(value * den)), den];
}

function imagejDescription(pages: number, meta: TiffMeta, min: number, max: number): string {
  const lines = ['ImageJ=1.11a'];
  if (pages > 1) lines.push(`images=${pages}`, `slices=${pages}`);
  if (meta.pixelSizeM) lines.push('unit=micron');
  if (pages > 1 && meta.spacingM) lines.push(`spacing=${+(meta.spacingM * 1e6).toPrecision(12)}`);
  if (pages > 1) lines.push('loop=false');
  if (Number.isFinite(min) && Number.isFinite(max)) lines.push(`min=${min}`, `max=${max}`);
  (meta.description ?? '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .forEach((l, i) => lines.push(`note${i + 1}=${l.replace(/[^\x20-\x7e]/g, '?')}`));
  return lines.join('\n') + '\n';
}

function pageEntries(layout: TiffPageLayout, page: number, meta: TiffMeta, description?: string): IfdEntry[] {
  const offType = layout.bigTiff ? LONG8 : LONG;
  const e: IfdEntry[] = [
    { tag: 256, type: LONG, values: [layout.width] },
    { tag: 257, type: LONG, values: [layout.height] },
    { tag: 258, type: SHORT, values: [32] },
    { tag: 259, type: SHORT, values: [1] }, // no compression
    { tag: 262, type: SHORT, values: [1] }, // BlackIsZero
  ];
  if (description !== undefined) {
    const bytes = new Uint8Array(description.length + 1);
    for (let i = 0; i < description.length; i++) bytes[i] = description.charCodeAt(i) & 0x7f;
    e.push({ tag: 270, type: ASCII, values: bytes });
  }
  e.push(
    { tag: 273, type: offType, values: [layout.dataOffset + page * layout.pageBytes] },
    { tag: 277, type: SHORT, values: [1] },
    { tag: 278, type: LONG, values: [layout.height] },
    { tag: 279, type: offType, values: [layout.pageBytes] },
  );
  if (meta.pixelSizeM) {
    // ImageJ convention: pixels per unit with ResolutionUnit = none and unit=micron.
    const r = toRational(1 / (meta.pixelSizeM * 1e6));
    e.push({ tag: 282, type: RATIONAL, values: r }, { tag: 283, type: RATIONAL, values: r }, { tag: 296, type: SHORT, values: [1] });
  }
  e.push({ tag: 339, type: SHORT, values: [3] }); // SampleFormat = IEEE float
  return e;
}

function entryBytes(e: IfdEntry): number {
  const count = e.values instanceof Uint8Array ? e.values.length : e.type === RATIONAL ? e.values.length / 2 : e.values.length;
  return count * TYPE_SIZE[e.type];
}

/** Encodes one IFD at `offset` followed by its out-of-line values; returns the bytes. */
function encodeIfd(entries: IfdEntry[], offset: number, next: number, big: boolean): Uint8Array {
  const entrySize = big ? 20 : 12;
  const inline = big ? 8 : 4;
  const ifdSize = (big ? 8 : 2) + entries.length * entrySize + (big ? 8 : 4);
  let extras = 0;
  for (const e of entries) {
    const n = entryBytes(e);
    if (n > inline) extras += n + (n & 1);
  }
  const out = new Uint8Array(ifdSize + extras);
  const v = new DataView(out.buffer);
  let p = 0;
  if (big) { v.setBigUint64(0, BigInt(entries.length), true); p = 8; } else { v.setUint16(0, entries.length, true); p = 2; }
  let extra = ifdSize;
  for (const e of entries) {
    const n = entryBytes(e);
    const count = e.values instanceof Uint8Array ? e.values.length : e.type === RATIONAL ? e.values.length / 2 : e.values.length;
    v.setUint16(p, e.tag, true);
    v.setUint16(p + 2, e.type, true);
    if (big) v.setBigUint64(p + 4, BigInt(count), true); else v.setUint32(p + 4, count, true);
    const valueAt = big ? p + 12 : p + 8;
    let w = valueAt;
    if (n > inline) {
      if (big) v.setBigUint64(valueAt, BigInt(offset + extra), true); else v.setUint32(valueAt, offset + extra, true);
      w = extra;
      extra += n + (n & 1);
    }
    if (e.values instanceof Uint8Array) out.set(e.values, w);
    else for (const x of e.values) {
      if (e.type === SHORT) { v.setUint16(w, x, true); w += 2; }
      else if (e.type === LONG || e.type === RATIONAL) { v.setUint32(w, x, true); w += 4; }
      else { v.setBigUint64(w, BigInt(x), true); w += 8; }
    }
    p += entrySize;
  }
  if (big) v.setBigUint64(p, BigInt(next), true); else v.setUint32(p, next, true);
  return out;
}

/** All IFDs (page 0 carries the ImageJ description), laid out from layout.ifdOffset. */
export function tiffIfds(layout: TiffPageLayout, meta: TiffMeta, min: number, max: number): Uint8Array {
  const desc = imagejDescription(layout.pages, meta, min, max);
  const blocks: Uint8Array[] = [];
  let offset = layout.ifdOffset;
  for (let k = 0; k < layout.pages; k++) {
    const entries = pageEntries(layout, k, meta, k === 0 ? desc : undefined);
    // Size is independent of the next pointer's value: encode once to measure, again to link.
    const size = encodeIfd(entries, offset, 0, layout.bigTiff).length;
    const aligned = size + ((8 - (size % 8)) % 8);
    const next = k + 1 < layout.pages ? offset + aligned : 0;
    const block = new Uint8Array(aligned);
    block.set(encodeIfd(entries, offset, next, layout.bigTiff));
    blocks.push(block);
    offset += aligned;
  }
  const out = new Uint8Array(offset - layout.ifdOffset);
  let p = 0;
  for (const b of blocks) { out.set(b, p); p += b.length; }
  return out;
}

/** Finite min and max of `data` merged into `acc` ([min, max]). */
export function accumulateRange(data: Float32Array, acc: [number, number]): void {
  let lo = acc[0], hi = acc[1];
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x < lo) lo = x; // NaN compares false: skipped
    if (x > hi) hi = x;
  }
  acc[0] = lo;
  acc[1] = hi;
}

/** Little-endian bytes of a float32 array (a view when the host is little-endian). */
export function float32Bytes(data: Float32Array): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const v = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) v.setFloat32(i * 4, data[i], true);
  return out;
}

/**
 * Whole TIFF in memory ([h,w] or [pages,h,w]); for browser downloads and small files.
 * Node callers should prefer writeTiff (streams, atomic).
 */
export function encodeTiff(arr: { data: Float32Array; shape: readonly number[] }, meta: TiffMeta = {}): Uint8Array {
  const [pages, height, width] = arr.shape.length === 2 ? [1, arr.shape[0], arr.shape[1]] : [arr.shape[0], arr.shape[1], arr.shape[2]];
  const layout = planTiff(width, height, pages, meta);
  const range: [number, number] = [Infinity, -Infinity];
  accumulateRange(arr.data, range);
  const ifds = tiffIfds(layout, meta, range[0], range[1]);
  const out = new Uint8Array(layout.ifdOffset + ifds.length);
  out.set(tiffHeader(layout), 0);
  out.set(float32Bytes(arr.data), layout.dataOffset);
  out.set(ifds, layout.ifdOffset);
  return out;
}
