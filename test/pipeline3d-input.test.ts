/**
 * `pipeline 3d` refuses bad (energy, angle) grids before any work, with one line naming
 * the file, the energy and what differs: an energy missing an angle, angles that differ
 * between energies, an entry whose frames and positions differ in count.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { createProgressReporter } from '../src/cli/progress.ts';
import { PtyxanesError } from '../src/core/errors.ts';
import { writeCxi, type CxiEntryInput } from '../src/io/cxi.ts';
import { h5 } from '../src/io/h5.ts';
import { EV_TO_J } from '../src/io/units.ts';
import { discoverTomoSeries, angleTag } from '../src/pipeline/inputs3d.ts';
import { runPipeline3d } from '../src/pipeline/pipeline3d.ts';

const N = 4;
const H = 8;
const ENERGIES = [8300, 8340, 8350, 8420];
let root: string;

function entry(energyEv: number, angleDeg: number): CxiEntryInput {
  return {
    frames: new Uint16Array(N * H * H),
    shape: [N, H, H],
    positionsM: Float64Array.from({ length: 2 * N }, (_, i) => (i % 4) * 1e-7),
    energyEv,
    detectorDistanceM: 5,
    detectorPixelM: [75e-6, 75e-6],
    angleDeg,
  };
}

/** One file per energy, one entry per angle; `angles(e)` gives each energy's angles. */
async function dataset(name: string, angles: (e: number) => number[]): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const e of ENERGIES) await writeCxi(join(dir, `data-${e}.cxi`), angles(e).map((a) => entry(e, a)));
  return dir;
}

async function expectError(p: Promise<unknown>, ...parts: string[]): Promise<PtyxanesError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PtyxanesError);
  const msg = (err as Error).message;
  expect(msg.split('\n')).toHaveLength(1);
  for (const s of parts) expect(msg).toContain(s);
  return err as PtyxanesError;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ptyx-p3d-in-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pipeline 3d input checks', () => {
  it('reads a good grid, energies and angles sorted, from one file per energy or per (energy, angle)', async () => {
    const dir = await dataset('good', () => [90, 0, 180]);
    const s = await discoverTomoSeries(dir);
    expect(s.energiesEv).toEqual(ENERGIES);
    expect(s.anglesDeg).toEqual([0, 90, 180]);
    expect(s.entries.map((l) => l.map((e) => e.angleDeg))).toEqual(ENERGIES.map(() => [0, 90, 180]));
    const flat = join(root, 'flat');
    await mkdir(flat);
    for (const e of ENERGIES) for (const a of [0, 90, 180]) await writeCxi(join(flat, `d-${e}-${angleTag(a)}.cxi`), [entry(e, a)]);
    const t = await discoverTomoSeries(flat);
    expect(t.entries.map((l) => l.map((e) => [e.energyEv, e.angleDeg]))).toEqual(s.entries.map((l) => l.map((e) => [e.energyEv, e.angleDeg])));
  });

  it('an energy with a missing angle', async () => {
    const dir = await dataset('missing', (e) => (e === 8350 ? [0, 180] : [0, 90, 180]));
    const err = await expectError(runPipeline3d({ input: dir, outDir: join(root, 'out-missing') }), 'misses an angle', '8350 eV', 'missing 90°');
    expect(err.file).toContain('data-8350.cxi');
    // Nothing was started.
    expect(await readdir(root)).not.toContain('out-missing');
    // The command: one line on stderr, non-zero exit.
    let out = '';
    let errText = '';
    const code = await main(['pipeline', '3d', '--input', dir, '--out', join(root, 'out-cli'), '--quiet'], {
      out: (t) => (out += `${t}\n`),
      err: (t) => (errText += `${t}\n`),
      progress: () => createProgressReporter({ quiet: true }),
      signal: new AbortController().signal,
    });
    expect(code).not.toBe(0);
    expect(out).toBe('');
    expect(errText.trim().split('\n')).toHaveLength(1);
    expect(errText).toContain('misses an angle');
  });

  it('a series too short for the XANES fit is refused before any work', async () => {
    const dir = await dataset('short', () => [0, 90, 180]);
    await expectError(runPipeline3d({ input: dir, outDir: join(root, 'out-short') }), 'too few energies', 'expected at least 7', 'found 4');
    expect(await readdir(root)).not.toContain('out-short');
  });

  it('angles that differ between energies', async () => {
    const dir = await dataset('differ', (e) => (e === 8340 ? [0, 45, 180] : [0, 90, 180]));
    await expectError(discoverTomoSeries(dir), 'angles differ between energies', '8340 eV', 'missing 90°', 'extra 45°');
  });

  it('an entry whose frames and positions differ in count', async () => {
    const dir = await dataset('count', () => [0, 90, 180]);
    // Rewrite one energy by hand with a position short.
    const path = join(dir, 'data-8340.cxi');
    await rm(path);
    const lib = await h5();
    const f = new lib.File(path, 'w');
    [0, 90, 180].forEach((a, k) => {
      const e = f.create_group(`entry_${k + 1}`);
      e.create_group('data_1').create_dataset({ name: 'data', data: new Uint16Array(N * H * H), shape: [N, H, H], dtype: '<H' });
      const g = e.create_group('sample_1').create_group('geometry_1');
      const n = a === 90 ? N - 1 : N;
      g.create_dataset({ name: 'translation', data: new Float64Array(3 * n), shape: [n, 3], dtype: '<d' });
      g.create_dataset({ name: 'angle', data: a, dtype: '<d' });
      const ins = e.create_group('instrument_1');
      ins.create_group('source_1').create_dataset({ name: 'energy', data: 8340 * EV_TO_J, dtype: '<d' });
      const d = ins.create_group('detector_1');
      d.create_dataset({ name: 'distance', data: 5, dtype: '<d' });
      d.create_dataset({ name: 'x_pixel_size', data: 75e-6, dtype: '<d' });
    });
    f.close();
    const err = await expectError(discoverTomoSeries(dir), 'frames and positions of different counts', `expected ${N}`, `found ${N - 1}`);
    expect(err.file).toContain('data-8340.cxi');
    expect(err.field).toContain('entry_2');
  });

  it('--dry-run on a preset: tasks, projected times, disk and memory, nothing run', async () => {
    let out = '';
    const code = await main(['pipeline', '3d', '--preset', '3d-ci', '--dry-run', '--json', '--quiet'], {
      out: (t) => (out += `${t}\n`),
      err: () => undefined,
      progress: () => createProgressReporter({ quiet: true }),
      signal: new AbortController().signal,
    });
    expect(code).toBe(0);
    const plan = JSON.parse(out);
    expect(plan.reconstructions).toBe(16 * 16);
    expect(plan.positions).toBe(25);
    expect(plan.cpuPatternUpdatesPerS).toBeGreaterThan(0);
    expect(plan.cpuSeconds.total).toBeGreaterThan(plan.cpuSeconds.ptycho);
    expect(plan.inputBytes).toBe(16 * 16 * 25 * 64 * 64 * 2);
    expect(plan.peakMemoryBytes).toBeGreaterThan(0);
    // The peak is the largest stage's; the XANES stage streams z slabs within its budget
    // (3d-ci's volumes fit in one slab) and keeps a few whole result volumes.
    expect(plan.peakMemoryBytes).toBe(Math.max(plan.peakMemoryByStage.ptycho, plan.peakMemoryByStage.tomo, plan.peakMemoryByStage.xanes));
    expect(plan.xanesSlabs.slabs).toBe(1);
    expect(plan.xanesSlabs.slabBytes).toBeLessThanOrEqual(1024 * 2 ** 20);
    expect(plan.peakMemoryByStage.xanes).toBe(plan.xanesSlabs.slabBytes + plan.xanesSlabs.resultBytes + 24 * plan.volumeVoxels);
  });
});
