/**
 * One ePIE reconstruction of a CXI file as a separate process (so its peak memory is its
 * own), for side-by-side runs with a peer (scripts/bench-ptycho.ts --peer):
 *
 *   npx tsx scripts/ptycho-case.ts CASE.cxi|CASE.json OUT.npz [--iterations N] [--mode sequential|parallel]
 *        [--subpixel nearest|fourier] [--threads T] [--probe mean-pattern|aperture:UM|gaussian:UM]
 *        [--engine epie|mpie] [--translation-is probe|sample]
 *
 * CASE.json (with CASE.json.f32 beside it: float32 frames) is the same case without HDF5
 * (bench-ptycho-peer.ts writes it with h5py): under tsx's loader, importing h5wasm costs
 * ~600 MB of resident memory by itself (src/io/h5.ts), which this separates from ePIE's own.
 * Writes the object as OUT.npz ('obj', complex64, as score_object.py reads it) and prints one
 * JSON line of timings (seconds per iteration, set-up, peak RSS) and the final error.
 */
import { writeFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { MemoryFrameSource, type FrameSource } from '../src/core/frames.ts';
import { reconstructEpie, type EpieOptions } from '../src/ptycho/index.ts';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const [input, out] = argv;
if (!input || !out) throw new Error('usage: ptycho-case.ts CASE.cxi OUT.npz [options]');

/** A .npy file of complex64 [h, w] from interleaved float32. */
function npyComplex(data: Float32Array, h: number, w: number): Uint8Array {
  let header = `{'descr': '<c8', 'fortran_order': False, 'shape': (${h}, ${w}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  head.set(new TextEncoder().encode(header), 10);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  return all;
}

const t0 = performance.now();
async function open(path: string): Promise<FrameSource> {
  if (!path.endsWith('.json')) {
    const { openCxiEntry } = await import('../src/io/index.ts');
    return openCxiEntry(path, undefined, { translationIs: arg('--translation-is', 'probe') as 'probe' });
  }
  const g = JSON.parse(readFileSync(path, 'utf8'));
  const raw = readFileSync(`${path}.f32`);
  const frames = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const geometry = { energyEv: g.energyEv, detectorDistanceM: g.detectorDistanceM, detectorPixelM: g.detectorPixelM, positionsM: Float64Array.from(g.positionsM) };
  return new MemoryFrameSource(frames, g.height, g.width, geometry, undefined, path);
}
const source = await open(input);
const opts: EpieOptions = {
  backend: 'cpu',
  iterations: Number(arg('--iterations', '50')),
  mode: arg('--mode', 'sequential') as 'sequential',
  subpixel: arg('--subpixel', 'nearest') as 'nearest',
  threads: Number(arg('--threads', '0')),
};
const probe = arg('--probe', '');
if (probe) (opts as Record<string, unknown>).probeInit = probe.includes(':') ? { [probe.split(':')[0]]: { diameterM: Number(probe.split(':')[1]) * 1e-6 } } : probe;
const engine = arg('--engine', '');
if (engine) (opts as Record<string, unknown>).engine = engine;
const r = await reconstructEpie(source, opts);
const [h, w] = r.object.shape;
writeFileSync(out, zipSync({ 'obj.npy': npyComplex(r.object.data, h, w) }, { level: 0 }));
const t = r.timings;
console.log(JSON.stringify({ sPerIteration: t.perIterationS, setupS: t.setupS, loadS: t.loadS, iterateS: t.iterateS, wallS: (performance.now() - t0) / 1000, peakRssMB: t.peakRssBytes / 2 ** 20, threads: t.threads, finalError: r.errors.at(-1) }));
process.exit(0);
