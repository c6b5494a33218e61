import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import { CxiFrameSource, CxiWriter, listCxiEntries, openCxiEntries, openCxiEntry, writeCxi } from '../src/io/cxi.ts';
import type { CxiEntryInput, CxiFrameArray } from '../src/io/cxi.ts';
import { describeFile, formatDescription } from '../src/io/describe.ts';
import { h5 } from '../src/io/h5.ts';
import type { Dataset, Group } from '../src/io/h5.ts';
import { EV_TO_J } from '../src/io/units.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyxanes-io-cxi-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const N = 6, H = 8, W = 10;

function entry(frames: CxiFrameArray, energyEv: number, extra: Partial<CxiEntryInput> = {}): CxiEntryInput {
  const positionsM = new Float64Array(2 * N);
  for (let i = 0; i < N; i++) {
    positionsM[2 * i] = (i % 3) * 2e-7 - 1e-7; // x, includes negative values
    positionsM[2 * i + 1] = Math.floor(i / 3) * 4e-7;
  }
  return { frames, shape: [N, H, W], positionsM, energyEv, detectorDistanceM: 5, detectorPixelM: [75e-6, 55e-6], ...extra };
}

function ramp<T extends CxiFrameArray>(ctor: { new (n: number): T }, scale = 1): T {
  const a = new ctor(N * H * W);
  for (let i = 0; i < a.length; i++) a[i] = (i * 37) % 1000 * scale;
  return a;
}

/** Reads a raw dataset straight through h5wasm (what h5py would see). */
async function raw(path: string, ds: string): Promise<{ value: unknown; units?: string; dtype: unknown }> {
  const lib = await h5();
  const f = new lib.File(path, 'r');
  try {
    const d = f.get(ds) as Dataset;
    const units = d.attrs.units?.value as string | undefined;
    return { value: d.value, units, dtype: d.dtype };
  } finally {
    f.close();
  }
}

async function expectPtyxError(p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<PtyxanesError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PtyxanesError);
  for (const part of parts) expect((err as Error).message).toMatch(part);
  return err as PtyxanesError;
}

describe('CXI write/read round trip', () => {
  it('keeps units, signs, mask and every dtype', async () => {
    const path = join(dir, 'round.cxi');
    const mask = new Uint8Array(H * W).fill(1);
    mask[5] = 0;
    mask[17] = 0;
    const inputs = [
      entry(ramp(Uint16Array), 8333.3, { validMask: mask, angleDeg: -37.5, attrs: { scan: 'a', index: 3 } }),
      entry(ramp(Uint32Array, 70000), 8340),
      entry(ramp(Int32Array, -3), 8350),
      entry(ramp(Float32Array, 0.25), 8420.5),
    ];
    await writeCxi(path, inputs);

    // What another reader sees: SI units, the sample's translation, CXI mask.
    expect((await raw(path, '/cxi_version')).value).toBe(160);
    const e = await raw(path, '/entry_1/instrument_1/source_1/energy');
    expect(e.units).toBe('J');
    expect(e.value as number).toBeCloseTo(8333.3 * EV_TO_J, 25);
    const t = await raw(path, '/entry_1/sample_1/geometry_1/translation');
    expect(t.units).toBe('m');
    const tv = t.value as Float64Array;
    for (let i = 0; i < N; i++) {
      expect(tv[3 * i]).toBe(-inputs[0].positionsM[2 * i] || 0);
      expect(tv[3 * i + 1]).toBe(-inputs[0].positionsM[2 * i + 1] || 0);
      expect(tv[3 * i + 2]).toBe(0);
    }
    const m = (await raw(path, '/entry_1/instrument_1/detector_1/mask')).value as Uint32Array;
    expect(Array.from(m).filter((x) => x !== 0).length).toBe(2);
    expect(m[5]).not.toBe(0);
    expect(m[0]).toBe(0);
    expect((await raw(path, '/entry_1/instrument_1/detector_1/y_pixel_size')).value).toBe(55e-6);
    expect((await raw(path, '/entry_1/sample_1/geometry_1/angle')).units).toBe('degrees');
    // Soft link as CXI readers expect.
    expect(((await raw(path, '/entry_2/instrument_1/detector_1/data')).value as Uint32Array)[1]).toBe(37 * 70000);

    const list = await listCxiEntries(path);
    expect(list.map((x) => x.name)).toEqual(['entry_1', 'entry_2', 'entry_3', 'entry_4']);
    expect(list.map((x) => x.dtype)).toEqual(['uint16', 'uint32', 'int32', 'float32']);
    expect(list[0]).toMatchObject({ nFrames: N, height: H, width: W, angleDeg: -37.5 });
    expect(list[3].angleDeg).toBeUndefined();

    const sources = await openCxiEntries(path);
    for (let k = 0; k < inputs.length; k++) {
      const s = sources[k];
      expect(s.geometry.energyEv).toBeCloseTo(inputs[k].energyEv, 9);
      expect(s.geometry.detectorDistanceM).toBe(5);
      expect(s.geometry.detectorPixelM).toEqual([75e-6, 55e-6]);
      expect(Array.from(s.geometry.positionsM)).toEqual(Array.from(inputs[k].positionsM));
      const all = await s.readFrames(0, N);
      expect(all).toBeInstanceOf(Float32Array);
      expect(Array.from(all)).toEqual(Array.from(inputs[k].frames, Number));
    }
    expect(Array.from(sources[0].validMask)).toEqual(Array.from(mask));
    expect(sources[1].validMask.every((v) => v === 1)).toBe(true);
    expect(sources[0].geometry.angleDeg).toBe(-37.5);
    expect(sources[0].label).toBe(`${path}:/entry_1`);
  });

  it('streams blocks in and reads blocks out (several HDF5 slices per read)', async () => {
    const path = join(dir, 'stream.cxi');
    const w = await CxiWriter.create(path, { compression: 1 });
    const frames = ramp(Float32Array, 1.5);
    const per = H * W;
    for (const energyEv of [8300, 8310]) {
      await w.beginEntry({ ...entry(frames, energyEv), dtype: 'uint32' });
      // float counts converted to the declared integer type (rounded), in uneven blocks
      await w.appendFrames(frames.subarray(0, 2 * per));
      await w.appendFrames(frames.subarray(2 * per, 3 * per));
      await w.appendFrames(frames.subarray(3 * per));
      await w.endEntry();
    }
    // Nothing at the final path until close().
    await expect(readdir(dir)).resolves.not.toContain('stream.cxi');
    await w.close();
    const saved = CxiFrameSource.sliceBytes;
    CxiFrameSource.sliceBytes = 2 * per * 8; // force 2-frame slices
    try {
      const s = await openCxiEntry(path, 'entry_2');
      expect(s.dtype).toBe('uint32');
      const a = await s.readFrames(1, 4);
      const b = await s.readFrames(5, 1);
      const expected = Array.from(frames, (x) => Math.round(x));
      expect(Array.from(a)).toEqual(expected.slice(per, 5 * per));
      expect(Array.from(b)).toEqual(expected.slice(5 * per));
      await expectPtyxError(s.readFrames(4, 3), 'frame range outside');
      // The file closes itself when idle and reopens on the next read.
      const idle = CxiFrameSource.idleMs;
      CxiFrameSource.idleMs = 5;
      await s.readFrames(0, 1);
      await new Promise((r) => setTimeout(r, 30));
      expect(Array.from(await s.readFrames(5, 1))).toEqual(expected.slice(5 * per));
      CxiFrameSource.idleMs = idle;
      s.close();
      await expectPtyxError(s.readFrames(0, 1), 'closed');
    } finally {
      CxiFrameSource.sliceBytes = saved;
    }
    const text = formatDescription(await describeFile(path));
    expect(text).toContain('entry_2: 6 frames of 8 × 10 uint32, 8310.00 eV');
    expect(text).toContain('/entry_1/data_1/data  [6, 8, 10] uint32 (counts)');
  });

  it('stores float counts as a declared integer type (rounded, clamped)', async () => {
    const path = join(dir, 'dtype.cxi');
    const frames = ramp(Float32Array, 0.7);
    frames[0] = -5;
    frames[1] = 1e6;
    await writeCxi(path, [{ ...entry(frames, 8333), dtype: 'uint16' }]);
    const s = await openCxiEntry(path);
    expect(s.dtype).toBe('uint16');
    const back = await s.readFrames(0, N);
    expect(back[0]).toBe(0);
    expect(back[1]).toBe(65535);
    expect(Array.from(back.subarray(2))).toEqual(Array.from(frames.subarray(2), (x) => Math.round(x)));
  });

  it('refuses existing outputs, leaves no temporary files on failure', async () => {
    const path = join(dir, 'once.cxi');
    await writeCxi(path, [entry(ramp(Uint16Array), 8333)]);
    await expectPtyxError(writeCxi(path, [entry(ramp(Uint16Array), 8333)]), 'already exists', path);
    await writeCxi(path, [entry(ramp(Uint16Array), 8334)], { overwrite: true });
    expect((await listCxiEntries(path))[0].energyEv).toBeCloseTo(8334, 9);

    const w = await CxiWriter.create(join(dir, 'partial.cxi'));
    await w.beginEntry({ ...entry(ramp(Uint16Array), 8333), dtype: 'uint16' });
    await w.appendFrames(ramp(Uint16Array).subarray(0, H * W));
    await expectPtyxError(w.endEntry(), 'missing frames');
    await expectPtyxError(w.close(), 'unfinished entry');
    const names = await readdir(dir);
    expect(names.filter((n) => n.includes('partial'))).toEqual([]);

    await expectPtyxError(writeCxi(join(dir, 'bad.cxi'), [{ ...entry(ramp(Uint16Array), 8333), positionsM: new Float64Array(4) }]), 'positionsM', 'expected 12');
  });

  it('names the directory when the output cannot be written', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, 'x');
    await expectPtyxError(writeCxi(join(file, 'sub', 'out.cxi'), [entry(ramp(Uint16Array), 8333)]), 'output directory', file);
  });
});

describe('CXI foreign layouts', () => {
  it('reads another writer’s layout: detector data path, µm translation, keV energy, mm distance, 1 = good mask', async () => {
    const path = join(dir, 'other.cxi');
    const lib = await h5();
    const f = new lib.File(path, 'w');
    const frames = ramp(Int32Array);
    const det = f.create_group('entry_1').create_group('instrument_1').create_group('detector_1');
    det.create_dataset({ name: 'data', data: frames, shape: [N, H, W], dtype: '<i' });
    det.create_dataset({ name: 'distance', data: 3500, dtype: '<d' }).create_attribute('units', 'mm');
    det.create_dataset({ name: 'x_pixel_size', data: 75e-6, dtype: '<d' }); // no y: square pixels
    const weights = new Uint8Array(H * W).fill(1);
    weights[3] = 0;
    det.create_dataset({ name: 'weights', data: weights, shape: [H, W], dtype: '<B' });
    (f.get('entry_1/instrument_1') as Group).create_group('source_1').create_dataset({ name: 'energy', data: 8.3425, dtype: '<d' });
    const t = new Float64Array(3 * N);
    for (let i = 0; i < N; i++) { t[3 * i] = 0.5 * i; t[3 * i + 1] = -0.25 * i; }
    const geo = f.create_group('entry_1/sample_1').create_group('geometry_1');
    geo.create_dataset({ name: 'translation', data: t, shape: [N, 3], dtype: '<d' }).create_attribute('units', 'um');
    f.close();

    const s = await openCxiEntry(path, undefined, { maskPath: 'instrument_1/detector_1/weights', maskGood: 'nonzero' });
    expect(s.geometry.energyEv).toBeCloseTo(8342.5, 9);
    expect(s.geometry.detectorDistanceM).toBeCloseTo(3.5, 12);
    expect(s.geometry.detectorPixelM).toEqual([75e-6, 75e-6]);
    expect(s.geometry.positionsM[2]).toBeCloseTo(-0.5e-6, 15); // probe = −sample translation
    expect(s.geometry.positionsM[3]).toBeCloseTo(0.25e-6, 15);
    expect(s.validMask[3]).toBe(0);
    expect(s.validMask[4]).toBe(1);
    expect(s.dataPath).toBe('/entry_1/instrument_1/detector_1/data');
    expect(Array.from(await s.readFrames(2, 2))).toEqual(Array.from(frames.subarray(2 * H * W, 4 * H * W)));

    const swapped = await openCxiEntry(path, 'entry_1', { maskPath: 'instrument_1/detector_1/weights', maskGood: 'nonzero', swapXY: true, flipY: true });
    expect(swapped.geometry.positionsM[2]).toBeCloseTo(0.25e-6, 15);
    expect(swapped.geometry.positionsM[3]).toBeCloseTo(0.5e-6, 15);
  });

  it('reads a PtyPy-style file: 4D scan grid, separate fast/slow probe positions, keV', async () => {
    const path = join(dir, 'ptypy.h5');
    const lib = await h5();
    const f = new lib.File(path, 'w');
    const ny = 2, nx = 3;
    const frames = ramp(Uint32Array, 3);
    const e = f.create_group('entry_1');
    e.create_group('data_1').create_dataset({ name: 'data', data: frames, shape: [ny, nx, H, W], dtype: '<I' });
    const fast = new Float64Array(N), slow = new Float64Array(N);
    for (let i = 0; i < N; i++) { fast[i] = (i % nx) * 1e-7; slow[i] = Math.floor(i / nx) * 2e-7; }
    const pos = e.create_group('positions');
    pos.create_dataset({ name: 'fast', data: fast });
    pos.create_dataset({ name: 'slow', data: slow });
    const src = e.create_group('instrument_1').create_group('source_1');
    src.create_dataset({ name: 'energy', data: 8.35, dtype: '<d' });
    const d = (f.get('entry_1/instrument_1') as Group).create_group('detector_1');
    d.create_dataset({ name: 'distance', data: 5.0, dtype: '<d' });
    d.create_dataset({ name: 'x_pixel_size', data: 172e-6, dtype: '<d' });
    d.create_dataset({ name: 'y_pixel_size', data: 172e-6, dtype: '<d' });
    f.close();

    const opts = { positionXPath: 'positions/fast', positionYPath: 'positions/slow', translationIs: 'probe' as const };
    const s = await openCxiEntry(path, undefined, opts);
    expect(s.nFrames).toBe(N);
    expect(s.geometry.energyEv).toBeCloseTo(8350, 9);
    expect(Array.from(s.geometry.positionsM).slice(0, 6)).toEqual([0, 0, 1e-7, 0, 2e-7, 0]);
    expect(s.geometry.positionsM[7]).toBe(2e-7);
    const saved = CxiFrameSource.sliceBytes;
    CxiFrameSource.sliceBytes = 1; // one frame per slice: crosses the rows of the 4D grid
    try {
      expect(Array.from(await s.readFrames(1, 4))).toEqual(Array.from(frames.subarray(H * W, 5 * H * W)));
    } finally {
      CxiFrameSource.sliceBytes = saved;
    }
    const entries = await listCxiEntries(path, opts);
    expect(entries[0]).toMatchObject({ name: 'entry_1', nFrames: 6, dtype: 'uint32' });
    // Energy overridden by the caller.
    expect((await openCxiEntry(path, undefined, { ...opts, energyEv: 8000 })).geometry.energyEv).toBe(8000);
  });
});

describe('CXI bad input: one clear error naming file and field', () => {
  async function build(name: string, fill: (f: InstanceType<Awaited<ReturnType<typeof h5>>['File']>) => void): Promise<string> {
    const path = join(dir, name);
    const lib = await h5();
    const f = new lib.File(path, 'w');
    fill(f);
    f.close();
    return path;
  }
  const basic = (energy: number, nPos = N) => (f: InstanceType<Awaited<ReturnType<typeof h5>>['File']>) => {
    const e = f.create_group('entry_1');
    e.create_group('data_1').create_dataset({ name: 'data', data: new Uint16Array(N * H * W), shape: [N, H, W], dtype: '<H' });
    const g = e.create_group('sample_1').create_group('geometry_1');
    g.create_dataset({ name: 'translation', data: new Float64Array(3 * nPos), shape: [nPos, 3], dtype: '<d' });
    const ins = e.create_group('instrument_1');
    ins.create_group('source_1').create_dataset({ name: 'energy', data: energy, dtype: '<d' });
    const d = ins.create_group('detector_1');
    d.create_dataset({ name: 'distance', data: 5, dtype: '<d' });
    d.create_dataset({ name: 'x_pixel_size', data: 75e-6, dtype: '<d' });
  };

  it('missing file', async () => {
    await expectPtyxError(openCxiEntry(join(dir, 'nope.cxi')), 'not found', 'nope.cxi');
  });

  it('not HDF5', async () => {
    const p = join(dir, 'text.cxi');
    await writeFile(p, 'hello, this is not HDF5\n');
    await expectPtyxError(listCxiEntries(p), 'not an HDF5 file', 'text.cxi');
  });

  it('dataset path absent', async () => {
    const p = await build('nodata.cxi', (f) => f.create_group('entry_1').create_group('data_1'));
    await expectPtyxError(openCxiEntry(p), 'frame dataset absent', '/entry_1/data_1/data');
    const q = await build('ok.cxi', basic(8333));
    await expectPtyxError(openCxiEntry(q, undefined, { dataPath: 'data_9/data' }), '/entry_1/data_9/data');
    await expectPtyxError(openCxiEntry(q, 'entry_7'), 'entry absent', '/entry_7');
  });

  it('energy in no unit range, or missing', async () => {
    const p = await build('badenergy.cxi', basic(500));
    const err = await expectPtyxError(openCxiEntry(p), 'energy', 'instrument_1/source_1/energy', '500');
    expect(err.file).toBe(p);
    await expectPtyxError(openCxiEntry(await build('negenergy.cxi', basic(-1))), 'positive');
    const r = await build('noenergy.cxi', (f) => {
      const e = f.create_group('entry_1');
      e.create_group('data_1').create_dataset({ name: 'data', data: new Uint16Array(H * W), shape: [1, H, W], dtype: '<H' });
    });
    await expectPtyxError(listCxiEntries(r), 'energy missing', 'source_1/energy');
  });

  it('frames and positions of different counts', async () => {
    const p = await build('count.cxi', basic(8333, N - 1));
    await expectPtyxError(openCxiEntry(p), 'frames and positions of different counts', 'translation', `expected ${N}`, `found ${N - 1}`);
  });
});
