/**
 * Reading TIFF pages through geotiff, without the filesystem: tiff.ts opens files for Node,
 * the browser page opens a dropped File (geotiff reads byte ranges of the Blob).
 */
import type { GeoTIFF } from 'geotiff';
import { PtyxanesError } from '../core/errors.ts';

/** Reads pages [start, start+count) of an open single-channel TIFF as float32 [count,h,w]; `abs` names it in errors. */
export async function readGeoTiffPages(abs: string, tiff: GeoTIFF, pages: number, start: number, count?: number): Promise<{ data: Float32Array; shape: number[]; pages: number }> {
  const n = count ?? pages - start;
  if (!(start >= 0 && n >= 1 && start + n <= pages)) {
    throw new PtyxanesError('page range outside the file', { file: abs, expected: `pages within 0..${pages - 1}`, found: `${start}..${start + n - 1}` });
  }
  let h = 0, w = 0;
  let out: Float32Array | undefined;
  try {
    for (let k = 0; k < n; k++) {
      const img = await tiff.getImage(start + k);
      if (k === 0) {
        h = img.getHeight();
        w = img.getWidth();
        out = new Float32Array(n * h * w);
      } else if (img.getHeight() !== h || img.getWidth() !== w) {
        throw new PtyxanesError('pages of different sizes', { file: abs, field: `page ${start + k}`, expected: `${h}×${w}`, found: `${img.getHeight()}×${img.getWidth()}` });
      }
      if (img.getSamplesPerPixel() !== 1) {
        throw new PtyxanesError('expected a single-channel image', { file: abs, field: `page ${start + k}`, expected: '1 sample per pixel', found: String(img.getSamplesPerPixel()) });
      }
      const ras = (await img.readRasters({ interleave: true })) as unknown as ArrayLike<number>;
      out!.set(ras instanceof Float32Array ? ras : Float32Array.from(ras), k * h * w);
    }
  } catch (err) {
    if (err instanceof PtyxanesError) throw err;
    throw new PtyxanesError('unreadable TIFF', { file: abs, expected: 'readable image data', found: String((err as Error).message ?? err) });
  }
  return { data: out!, shape: n === 1 && count === undefined ? [h, w] : [n, h, w], pages };
}

/** A dropped TIFF (File/Blob): all pages as float32, with its ImageJ description. */
export async function readTiffBlob(blob: Blob, name: string): Promise<{ data: Float32Array; shape: number[]; description?: string }> {
  const { fromBlob } = await import('geotiff');
  let tiff: GeoTIFF;
  try {
    tiff = await fromBlob(blob);
  } catch (err) {
    throw new PtyxanesError('unreadable TIFF', { file: name, expected: 'a valid TIFF', found: String((err as Error).message ?? err) });
  }
  const pages = await tiff.getImageCount();
  const { data, shape } = await readGeoTiffPages(name, tiff, pages, 0);
  const fd = (await tiff.getImage(0)).getFileDirectory();
  const desc = fd.hasTag('ImageDescription') ? await fd.loadValue('ImageDescription') : undefined;
  return { data, shape, description: typeof desc === 'string' ? desc.replace(/\0+$/, '') : undefined };
}
