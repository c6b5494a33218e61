/**
 * `pipeline 2d` on a foreign layout: the 2d-small sample rewritten as a directory of
 * PtyPy-style HDF5 files, one per energy (4D scan-grid data, separate fast/slow probe
 * positions, energy in keV, a 1 = good weights mask), gives the same maps as the native CXI
 * file read directly. Short ePIE runs: the question is the reading, not the accuracy.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h5 } from '../src/io/h5.ts';
import { listCxiEntries, openCxiEntry } from '../src/io/cxi.ts';
import { readTiff } from '../src/io/tiff.ts';
import { rmsOverFinite } from './helpers/maps.ts';
import { runPipeline2d, type Pipeline2dResult } from '../src/pipeline/pipeline2d.ts';
import { main } from '../src/cli/main.ts';
import { createProgressReporter } from '../src/cli/progress.ts';
import { simulate } from '../src/sim/index.ts';

let dir: string;
let nativeCxi: string;
let foreignDir: string;
const FOREIGN_FLAGS = ['--position-x-path', 'positions/fast', '--position-y-path', 'positions/slow', '--translation-is', 'probe', '--mask-path', 'instrument_1/detector_1/weights', '--mask-good', 'nonzero'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyxanes-foreign-'));
  await simulate('2d-small', { outDir: join(dir, 'sample') });
  nativeCxi = join(dir, 'sample', 'data.cxi');
  foreignDir = join(dir, 'ptypy');
  await mkdir(foreignDir);
  const lib = await h5();
  for (const info of await listCxiEntries(nativeCxi)) {
    const s = await openCxiEntry(nativeCxi, info.name);
    const frames = await s.readFrames(0, s.nFrames);
    const counts = Uint32Array.from(frames, (v) => Math.round(v));
    const n = s.nFrames;
    const fast = new Float64Array(n);
    const slow = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      fast[i] = s.geometry.positionsM[2 * i];
      slow[i] = s.geometry.positionsM[2 * i + 1];
    }
    const f = new lib.File(join(foreignDir, `scan_${Math.round(info.energyEv)}eV.h5`), 'w');
    const e = f.create_group('entry_1');
    // A 4D scan grid [rows, cols, h, w]: 20 × 15 positions.
    e.create_group('data_1').create_dataset({ name: 'data', data: counts, shape: [15, n / 15, s.height, s.width], dtype: '<I' });
    const pos = e.create_group('positions');
    pos.create_dataset({ name: 'fast', data: fast });
    pos.create_dataset({ name: 'slow', data: slow });
    const inst = e.create_group('instrument_1');
    inst.create_group('source_1').create_dataset({ name: 'energy', data: s.geometry.energyEv / 1000, dtype: '<d' });
    const det = inst.create_group('detector_1');
    det.create_dataset({ name: 'distance', data: s.geometry.detectorDistanceM, dtype: '<d' });
    det.create_dataset({ name: 'x_pixel_size', data: s.geometry.detectorPixelM[0], dtype: '<d' });
    det.create_dataset({ name: 'y_pixel_size', data: s.geometry.detectorPixelM[1], dtype: '<d' });
    det.create_dataset({ name: 'weights', data: Uint8Array.from(s.validMask), shape: [s.height, s.width], dtype: '<B' });
    f.close();
    await s.close?.();
  }
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pipeline 2d on a foreign (PtyPy-style) layout', () => {
  it('gives the maps and shifts of the native CXI file (`ptyxanes pipeline 2d` with the layout flags)', async () => {
    const native = await runPipeline2d({ backend: 'cpu', epie: { iterations: 10 }, warmIterations: 5, input: nativeCxi, outDir: join(dir, 'run-native') });
    let out = '';
    let err = '';
    const code = await main(['pipeline', '2d', '--input', foreignDir, '--out', join(dir, 'run-foreign'), '--backend', 'cpu', '--iterations', '10', '--warm-iterations', '5', '--json', ...FOREIGN_FLAGS], {
      out: (t) => (out += t),
      err: (t) => (err += `${t}\n`),
      progress: () => createProgressReporter({ quiet: true }),
      signal: new AbortController().signal,
    });
    expect(code, err).toBe(0);
    const foreign = JSON.parse(out) as Pipeline2dResult;
    expect(foreign.energiesEv).toEqual(native.energiesEv);
    expect(foreign.grid.shape).toEqual(native.grid.shape);
    for (const [i, s] of foreign.grid.shiftsPx.entries()) {
      expect(Math.abs(s[0] - native.grid.shiftsPx[i][0]), `row shift ${i}`).toBeLessThan(0.02);
      expect(Math.abs(s[1] - native.grid.shiftsPx[i][1]), `col shift ${i}`).toBeLessThan(0.02);
    }
    const a = await readTiff(foreign.files.oxidationState);
    const b = await readTiff(native.files.oxidationState);
    const { rms, n } = rmsOverFinite(a.data, b.data);
    expect(n).toBeGreaterThan(100);
    expect(rms).toBeLessThan(0.01);
  }, 600_000);
});
