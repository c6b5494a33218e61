/**
 * Manual check (not in CI) that files larger than the 4 GiB classic limits stream with
 * bounded memory: a CXI file written block by block with CxiWriter and read back in
 * blocks, and a BigTIFF written page by page with TiffWriter and read back.
 *
 *   npx tsx scripts/check-io-large.ts [GiB=4.5] [DIR=os.tmpdir()]
 *
 * Prints the peak resident memory, which should stay far below the file size and not
 * grow with it (measured here: ~1.1 GB for both 1 GiB and 4.2 GiB, of which ~600 MB is
 * the one-off cost of loading h5wasm under tsx; BLOCK=frames per append, default 256).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CxiWriter, openCxiEntry } from '../src/io/cxi.ts';
import { readTiffPages, TiffWriter } from '../src/io/tiff.ts';

const gib = Number(process.argv[2] ?? 4.5);
const dir = await mkdtemp(join(process.argv[3] ?? tmpdir(), 'ptyxanes-large-'));
const h = 256, w = 256, per = h * w;
const n = Math.ceil((gib * 2 ** 30) / (per * 4));
const block = Number(process.env.BLOCK ?? 256); // frames per append (256 = 64 MiB)
let peak = 0;
const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
const frameValue = (i: number) => (i * 7919) % 100003;

try {
  let t0 = performance.now();
  const cxi = join(dir, 'large.cxi');
  const wr = await CxiWriter.create(cxi);
  const positionsM = new Float64Array(2 * n).map((_, i) => (i % 100) * 1e-7);
  await wr.beginEntry({ shape: [n, h, w], positionsM, energyEv: 8333, detectorDistanceM: 5, detectorPixelM: [75e-6, 75e-6], dtype: 'uint32' });
  const buf = new Uint32Array(block * per);
  for (let s = 0; s < n; s += block) {
    const k = Math.min(block, n - s);
    for (let f = 0; f < k; f++) buf.fill(frameValue(s + f), f * per, (f + 1) * per);
    await wr.appendFrames(buf.subarray(0, k * per));
    sample();
  }
  await wr.endEntry();
  await wr.close();
  const size = (await stat(cxi)).size;
  console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)}`);
  console.log(`CXI: ${n} frames, ${(size / 2 ** 30).toFixed(2)} GiB written in ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
  t0 = performance.now();
  const src = await openCxiEntry(cxi);
  let bad = 0;
  for (let s = 0; s < n; s += block) {
    const k = Math.min(block, n - s);
    const got = await src.readFrames(s, k);
    for (let f = 0; f < k; f++) if (got[f * per] !== frameValue(s + f) || got[(f + 1) * per - 1] !== frameValue(s + f)) bad++;
    sample();
  }
  console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)}`);
  console.log(`CXI: read back in ${((performance.now() - t0) / 1e3).toFixed(1)} s, ${bad} bad frames`);
  await rm(cxi);

  t0 = performance.now();
  const tif = join(dir, 'large.tif');
  const tw = await TiffWriter.create(tif, { pages: n, height: h, width: w });
  const fbuf = new Float32Array(block * per);
  for (let s = 0; s < n; s += block) {
    const k = Math.min(block, n - s);
    for (let f = 0; f < k; f++) fbuf.fill(frameValue(s + f) + 0.5, f * per, (f + 1) * per);
    await tw.writePages(fbuf.subarray(0, k * per));
    sample();
  }
  await tw.close();
  console.log(`TIFF: ${((await stat(tif)).size / 2 ** 30).toFixed(2)} GiB in ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
  const last = await readTiffPages(tif, n - 2, 2);
  sample();
  console.log(`TIFF: last pages ${last.data[0]}, ${last.data[per]} (expected ${frameValue(n - 2) + 0.5}, ${frameValue(n - 1) + 0.5}) of ${last.pages}`);
  console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
