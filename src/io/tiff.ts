/**
 * Float32 TIFF files for images [h,w], stacks and volumes [d,h,w]: ImageJ/Fiji and
 * tifffile readable (ImageJ description, resolution tags from pixelSizeM, SampleFormat=3,
 * little-endian, uncompressed). NaN is stored as is (float32 NaN), e.g. outside masks.
 * Writing streams page by page to a temporary file renamed into place at the end, so
 * memory stays at one page and a crash never leaves a complete-looking file. Above
 * 4 GiB the file becomes BigTIFF (see tiff-encode.ts for who reads that).
 * Reading goes through geotiff (any TIFF: compressed, integer, BigTIFF), converting to
 * float32; it returns the whole array (bounded by memory: read big volumes in pieces
 * with readTiffPages).
 */
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PtyxanesError } from '../core/errors.ts';
import { commitTemp, ensureWritableDir, removeQuietly, requireInputFile, tempPathFor } from './files.ts';
import { accumulateRange, float32Bytes, planTiff, tiffHeader, tiffIfds } from './tiff-encode.ts';
import type { TiffMeta, TiffPageLayout } from './tiff-encode.ts';
import { readGeoTiffPages } from './tiff-read.ts';
import { dirname } from 'node:path';

export { encodeTiff } from './tiff-encode.ts';
export type { TiffMeta } from './tiff-encode.ts';

/** Streaming float32 TIFF writer: pages in order, then close() (atomic rename). */
export class TiffWriter {
  private written = 0;
  private readonly range: [number, number] = [Infinity, -Infinity];
  private done = false;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly layout: TiffPageLayout,
    private readonly meta: TiffMeta,
  ) {}

  static async create(path: string, dims: { pages: number; height: number; width: number }, meta: TiffMeta = {}): Promise<TiffWriter> {
    const abs = resolve(path);
    for (const [k, v] of Object.entries(dims)) {
      if (!Number.isInteger(v) || v < 1) throw new PtyxanesError('bad TIFF dimension', { file: abs, field: k, expected: 'a positive integer', found: String(v) });
    }
    await ensureWritableDir(dirname(abs));
    const layout = planTiff(dims.width, dims.height, dims.pages, meta);
    const tmp = tempPathFor(abs);
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'w');
    } catch (err) {
      throw new PtyxanesError('cannot write file', { file: abs, expected: 'a writable path', found: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
    await fh.write(tiffHeader(layout), 0, layout.dataOffset, 0);
    return new TiffWriter(abs, tmp, fh, layout, meta);
  }

  /** Appends one or more whole pages (length a multiple of h*w). */
  async writePages(data: Float32Array): Promise<void> {
    const per = this.layout.width * this.layout.height;
    if (this.done) throw new PtyxanesError('TIFF writer already closed', { file: this.path });
    if (data.length % per !== 0 || this.written + data.length / per > this.layout.pages) {
      await this.abort();
      throw new PtyxanesError('page data does not fit the declared stack', {
        file: this.path,
        expected: `${this.layout.pages - this.written} more pages of ${this.layout.height}×${this.layout.width}`,
        found: `${data.length / per} pages`,
      });
    }
    accumulateRange(data, this.range);
    const bytes = float32Bytes(data);
    await this.fh.write(bytes, 0, bytes.length, this.layout.dataOffset + this.written * this.layout.pageBytes);
    this.written += data.length / per;
  }

  /** Writes the directories and moves the finished file into place. */
  async close(): Promise<void> {
    if (this.done) return;
    if (this.written !== this.layout.pages) {
      await this.abort();
      throw new PtyxanesError('TIFF closed before all pages were written', { file: this.path, expected: `${this.layout.pages} pages`, found: `${this.written}` });
    }
    const ifds = tiffIfds(this.layout, this.meta, this.range[0], this.range[1]);
    await this.fh.write(ifds, 0, ifds.length, this.layout.ifdOffset);
    await this.fh.sync();
    await this.fh.close();
    this.done = true;
    await commitTemp(this.tmp, this.path);
  }

  /** Discards the temporary file. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => undefined);
    await removeQuietly(this.tmp);
  }
}

function stackDims(path: string, shape: readonly number[], n: number): { pages: number; height: number; width: number } {
  const ok = (shape.length === 2 || shape.length === 3) && shape.every((s) => Number.isInteger(s) && s > 0);
  if (!ok) throw new PtyxanesError('cannot write TIFF of this shape', { file: path, field: 'shape', expected: '[h,w] or [d,h,w]', found: `[${shape.join(',')}]` });
  const dims = shape.length === 2 ? { pages: 1, height: shape[0], width: shape[1] } : { pages: shape[0], height: shape[1], width: shape[2] };
  if (dims.pages * dims.height * dims.width !== n) {
    throw new PtyxanesError('data length does not match shape', { file: path, field: 'data', expected: String(dims.pages * dims.height * dims.width), found: String(n) });
  }
  return dims;
}

/** Writes a float32 image [h,w] or stack/volume [d,h,w]; atomic (temporary file + rename). */
export async function writeTiff(path: string, arr: { data: Float32Array; shape: readonly number[] }, meta: TiffMeta = {}): Promise<void> {
  const dims = stackDims(resolve(path), arr.shape, arr.data.length);
  const w = await TiffWriter.create(path, dims, meta);
  try {
    // Bounded chunks: fs writes above 2 GiB fail, and this keeps page-order streaming.
    const per = dims.height * dims.width;
    const pagesPerWrite = Math.max(1, Math.floor((64 << 20) / (per * 4)));
    for (let p = 0; p < dims.pages; p += pagesPerWrite) {
      await w.writePages(arr.data.subarray(p * per, Math.min(dims.pages, p + pagesPerWrite) * per));
    }
    await w.close();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

const TIFF_MAGIC = [
  [0x49, 0x49, 0x2a, 0x00],
  [0x4d, 0x4d, 0x00, 0x2a],
  [0x49, 0x49, 0x2b, 0x00],
  [0x4d, 0x4d, 0x00, 0x2b],
];

/** Opens a TIFF lazily (geotiff reads byte ranges from the file); caller must close(). */
async function openGeoTiff(abs: string) {
  const head = new Uint8Array(4);
  const fh = await open(abs, 'r');
  let got = 0;
  try {
    got = (await fh.read(head, 0, 4, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  const sig = [...head.subarray(0, got)];
  if (got < 4 || !TIFF_MAGIC.some((m) => m.every((b, i) => sig[i] === b))) {
    throw new PtyxanesError('not a TIFF file', { file: abs, expected: 'TIFF signature II*\\0 or MM\\0*', found: got < 4 ? `${got} bytes` : `bytes ${sig.map((b) => b.toString(16).padStart(2, '0')).join(' ')}` });
  }
  const { fromFile } = await import('geotiff');
  let tiff: Awaited<ReturnType<typeof fromFile>> | undefined;
  try {
    tiff = await fromFile(abs);
    const count = await tiff.getImageCount();
    return { tiff, count };
  } catch (err) {
    if (tiff) await tiff.close();
    throw new PtyxanesError('unreadable TIFF', { file: abs, expected: 'a valid TIFF', found: String((err as Error).message ?? err) });
  }
}

/** Reads pages [start, start+count) of a single-channel TIFF as float32 [count,h,w]. */
export async function readTiffPages(path: string, start = 0, count?: number): Promise<{ data: Float32Array; shape: number[]; pages: number }> {
  const abs = await requireInputFile(path, 'TIFF file');
  const { tiff, count: pages } = await openGeoTiff(abs);
  try {
    return await readGeoTiffPages(abs, tiff, pages, start, count);
  } finally {
    await tiff.close();
  }
}

/** Whole TIFF as float32: [h,w] for one page, [pages,h,w] for a stack. */
export async function readTiff(path: string): Promise<{ data: Float32Array; shape: number[] }> {
  const { data, shape } = await readTiffPages(path);
  return { data, shape };
}

/** Page count and page shape without reading pixels (for `ptyxanes info`). */
export async function tiffInfo(path: string): Promise<{ pages: number; height: number; width: number; bitsPerSample: number; sampleFormat: number; bytes: number; description?: string }> {
  const abs = await requireInputFile(path, 'TIFF file');
  const { tiff, count } = await openGeoTiff(abs);
  try {
    const img = await tiff.getImage(0);
    const fd = img.getFileDirectory();
    const bits = (await fd.loadValue('BitsPerSample')) as ArrayLike<number> | number | undefined;
    const desc = fd.hasTag('ImageDescription') ? await fd.loadValue('ImageDescription') : undefined;
    const st = await stat(abs);
    return {
      pages: count,
      height: img.getHeight(),
      width: img.getWidth(),
      bitsPerSample: typeof bits === 'number' ? bits : bits?.[0] ?? 0,
      sampleFormat: img.getSampleFormat(),
      bytes: st.size,
      description: typeof desc === 'string' ? desc.replace(/\0+$/, '') : undefined,
    };
  } catch (err) {
    if (err instanceof PtyxanesError) throw err;
    throw new PtyxanesError('unreadable TIFF', { file: abs, expected: 'a valid TIFF', found: String((err as Error).message ?? err) });
  } finally {
    await tiff.close();
  }
}

/**
 * Rows [y0, y0+n) of every page of a single-channel TIFF stack, as float32 [pages, n, w]:
 * a z slab of a projection stack (pages = angles, rows = the rotation axis) read without
 * holding the whole file, for tomography that streams in slabs. Keeps the file open across
 * calls: `open()` once, `read()` per slab, `close()`.
 */
export class TiffRowReader {
  private constructor(
    readonly path: string,
    private readonly tiff: Awaited<ReturnType<typeof openGeoTiff>>['tiff'],
    readonly pages: number,
    readonly height: number,
    readonly width: number,
  ) {}

  static async open(path: string): Promise<TiffRowReader> {
    const abs = await requireInputFile(path, 'TIFF file');
    const { tiff, count } = await openGeoTiff(abs);
    try {
      const img = await tiff.getImage(0);
      if (img.getSamplesPerPixel() !== 1) throw new PtyxanesError('expected a single-channel image', { file: abs, field: 'page 0', expected: '1 sample per pixel', found: String(img.getSamplesPerPixel()) });
      return new TiffRowReader(abs, tiff, count, img.getHeight(), img.getWidth());
    } catch (err) {
      await tiff.close();
      if (err instanceof PtyxanesError) throw err;
      throw new PtyxanesError('unreadable TIFF', { file: abs, expected: 'a valid TIFF', found: String((err as Error).message ?? err) });
    }
  }

  async read(y0: number, n: number): Promise<Float32Array> {
    const { pages, height: h, width: w } = this;
    if (!(y0 >= 0 && n >= 1 && y0 + n <= h)) throw new PtyxanesError('row range outside the image', { file: this.path, expected: `rows within 0..${h - 1}`, found: `${y0}..${y0 + n - 1}` });
    const out = new Float32Array(pages * n * w);
    try {
      for (let p = 0; p < pages; p++) {
        const img = await this.tiff.getImage(p);
        if (img.getHeight() !== h || img.getWidth() !== w) throw new PtyxanesError('pages of different sizes', { file: this.path, field: `page ${p}`, expected: `${h}×${w}`, found: `${img.getHeight()}×${img.getWidth()}` });
        const ras = (await img.readRasters({ window: [0, y0, w, y0 + n], interleave: true })) as unknown as ArrayLike<number>;
        out.set(ras instanceof Float32Array ? ras : Float32Array.from(ras), p * n * w);
      }
    } catch (err) {
      if (err instanceof PtyxanesError) throw err;
      throw new PtyxanesError('unreadable TIFF', { file: this.path, expected: 'readable image data', found: String((err as Error).message ?? err) });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.tiff.close();
  }
}
