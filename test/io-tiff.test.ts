import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import { encodeTiff, readTiff, readTiffPages, tiffInfo, TiffWriter, writeTiff } from '../src/io/tiff.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyxanes-io-tiff-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function volume(d: number, h: number, w: number): Float32Array {
  const a = new Float32Array(d * h * w);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.37) * 1e3 + i * 1e-3;
  a[3] = NaN;
  a[a.length - 2] = -Infinity;
  return a;
}

function sameFloats(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`differ at ${i}: ${a[i]} vs ${b[i]}`);
}

describe('float32 TIFF', () => {
  it('round-trips a 2D image with NaN, readable by geotiff with ImageJ metadata', async () => {
    const path = join(dir, 'map.tif');
    const data = volume(1, 7, 9);
    await writeTiff(path, { data, shape: [7, 9] }, { pixelSizeM: 40e-9, description: 'oxidation state' });
    const back = await readTiff(path);
    expect(back.shape).toEqual([7, 9]);
    sameFloats(back.data, data);

    // Independently through geotiff on the raw bytes: tags as Fiji/tifffile expect.
    const bytes = await readFile(path);
    expect([...bytes.subarray(0, 4)]).toEqual([0x49, 0x49, 42, 0]); // little-endian classic TIFF
    const tiff = await fromArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const img = await tiff.getImage(0);
    expect(img.getSampleFormat()).toBe(3);
    expect(img.getBitsPerSample()).toBe(32);
    const fd = img.getFileDirectory();
    const desc = (await fd.loadValue('ImageDescription')) as string;
    expect(desc.startsWith('ImageJ=1.11a\n')).toBe(true);
    expect(desc).toContain('unit=micron');
    expect(desc).toContain('note1=oxidation state');
    const xres = (await fd.loadValue('XResolution')) as unknown as number[];
    expect(xres[0] / xres[1]).toBeCloseTo(25, 9); // 25 pixels per µm = 40 nm pixels
    const ras = (await img.readRasters({ interleave: true })) as unknown as Float32Array;
    sameFloats(new Float32Array(ras), data);
  });

  it('round-trips a 3D stack (contiguous pages, ImageJ images=) and reads page ranges', async () => {
    const path = join(dir, 'stack.tif');
    const [d, h, w] = [5, 6, 4];
    const data = volume(d, h, w);
    await writeTiff(path, { data, shape: [d, h, w] }, { pixelSizeM: 1e-7, spacingM: 2e-7 });
    const back = await readTiff(path);
    expect(back.shape).toEqual([d, h, w]);
    sameFloats(back.data, data);
    const info = await tiffInfo(path);
    expect(info).toMatchObject({ pages: 5, height: 6, width: 4, bitsPerSample: 32, sampleFormat: 3 });
    expect(info.description).toContain('images=5\nslices=5\n');
    expect(info.description).toContain('spacing=0.2');
    // ImageJ reads `images` pages contiguously from the first strip: check that layout.
    const bytes = await readFile(path);
    const first = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true); // IFD0 offset
    expect(first).toBe(16 + d * h * w * 4);
    const pixels = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 16, bytes.byteOffset + 16 + d * h * w * 4));
    sameFloats(pixels, data);
    const part = await readTiffPages(path, 2, 2);
    expect(part.shape).toEqual([2, h, w]);
    sameFloats(part.data, data.subarray(2 * h * w, 4 * h * w));
  });

  it('writes BigTIFF (64-bit offsets) that geotiff reads, and encodes in memory identically', async () => {
    const path = join(dir, 'big.tif');
    const data = volume(3, 5, 5);
    await writeTiff(path, { data, shape: [3, 5, 5] }, { bigTiff: true });
    const bytes = await readFile(path);
    expect([...bytes.subarray(0, 4)]).toEqual([0x49, 0x49, 43, 0]);
    sameFloats((await readTiff(path)).data, data);
    const mem = encodeTiff({ data, shape: [3, 5, 5] }, { bigTiff: true });
    expect(Buffer.from(mem).equals(bytes)).toBe(true);
  });

  it('streams pages with TiffWriter; a short stack is discarded, not left behind', async () => {
    const w = await TiffWriter.create(join(dir, 'streamed.tif'), { pages: 3, height: 2, width: 2 });
    await w.writePages(new Float32Array([1, 2, 3, 4]));
    await w.writePages(new Float32Array([5, 6, 7, 8, 9, 10, 11, 12]));
    await w.close();
    expect(Array.from((await readTiff(join(dir, 'streamed.tif'))).data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const short = await TiffWriter.create(join(dir, 'short.tif'), { pages: 3, height: 2, width: 2 });
    await short.writePages(new Float32Array(4));
    await expect(short.close()).rejects.toThrow(/before all pages/);
    expect((await readdir(dir)).filter((n) => n.includes('short'))).toEqual([]);
  });

  it('rejects bad shapes and unreadable files, naming the file', async () => {
    await expect(writeTiff(join(dir, 'x.tif'), { data: new Float32Array(5), shape: [2, 3] })).rejects.toThrow(/x\.tif.*data length/);
    const notTiff = join(dir, 'not.tif');
    await writeFile(notTiff, 'PK\x03\x04 definitely a zip');
    const e1 = await readTiff(notTiff).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(PtyxanesError);
    expect((e1 as Error).message).toMatch(/not\.tif.*not a TIFF/);
    const broken = join(dir, 'broken.tif');
    await writeFile(broken, Buffer.from([0x49, 0x49, 42, 0, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    const e2 = await readTiff(broken).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(PtyxanesError);
    expect((e2 as Error).message).toMatch(/broken\.tif.*unreadable TIFF/);
    await expect(readTiff(join(dir, 'absent.tif'))).rejects.toThrow(/absent\.tif.*not found/);
  });
});
