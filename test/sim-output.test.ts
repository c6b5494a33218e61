import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import { listCxiEntries, openCxiEntry } from '../src/io/cxi.ts';
import { readTiff } from '../src/io/tiff.ts';
import { detectorMask, listPresets, presetConfig, simulate, simulateInMemory } from '../src/sim/index.ts';
import type { SimConfig, SimManifest } from '../src/sim/index.ts';

const root = mkdtempSync(join(tmpdir(), 'ptyxanes-sim-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 2d-small cut down to 3 energies and 6×5 positions (same physics, seconds less). */
function tiny2d(): SimConfig {
  const c = presetConfig('2d-small');
  c.energiesEv = [8300, 8345, 8420];
  c.scan.grid = [6, 5];
  return c;
}

function tiny3d(): SimConfig {
  const c = presetConfig('3d-small');
  c.energiesEv = [8300, 8350];
  c.scan.grid = [3, 3];
  c.tomography!.angles = 3;
  c.tomography!.rangeDeg = 180;
  return c;
}

async function allFrames(src: { nFrames: number; readFrames(s: number, c: number): Promise<Float32Array> }): Promise<Float32Array> {
  return Float32Array.from(await src.readFrames(0, src.nFrames));
}

describe('simulate: output files', () => {
  it('writes CXI that our reader opens with SI units, truth TIFFs and a manifest', async () => {
    const outDir = join(root, 'tiny2d');
    const config = tiny2d();
    config.scan.positionErrorM = 10e-9; // exercise position errors and flight-scan blur too
    config.scan.flight = { subSteps: 2 };
    const res = await simulate(config, { outDir, backend: 'cpu' });
    const m = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as SimManifest;
    expect(m).toEqual(JSON.parse(JSON.stringify(res.manifest)));
    expect(m.format).toBe('ptyxanes-sim');
    expect(m.kind).toBe('2d');
    expect(m.cxi).toHaveLength(3);
    expect(await listCxiEntries(join(outDir, 'data.cxi'))).toHaveLength(3);
    const mem = await simulateInMemory(config);
    const mask = detectorMask(config.detector, config.seed);
    for (const [i, rec] of m.cxi.entries()) {
      const src = await openCxiEntry(join(outDir, rec.file), rec.entry);
      try {
        expect(src.nFrames).toBe(30);
        expect(src.height).toBe(64);
        expect(src.geometry.energyEv).toBeCloseTo(config.energiesEv[i], 6); // stored in J
        expect(src.geometry.detectorDistanceM).toBe(5);
        expect(src.geometry.detectorPixelM).toEqual([75e-6, 75e-6]);
        expect(Array.from(src.geometry.positionsM)).toEqual(Array.from(mem.entries[i].source.geometry.positionsM).map((x) => expect.closeTo(x, 12)));
        expect(Array.from(src.validMask)).toEqual(Array.from(mask));
        // Disk and memory paths give the same counts for the same seed.
        expect(await allFrames(src)).toEqual(await allFrames(mem.entries[i].source));
      } finally {
        await src.close?.();
      }
    }
    const state = await readTiff(join(outDir, m.truth.files.oxidationState));
    expect(state.shape).toEqual(m.truth.grid.shape);
    expect(Array.from(state.data).some((v) => v > 2.2 && v < 3.6)).toBe(true);
    const errs = await readTiff(join(outDir, m.truth.files.positionErrors));
    expect(errs.shape).toEqual([3, 30, 2]);
    const rms = Math.sqrt(errs.data.reduce((a, x) => a + x * x, 0) / errs.data.length);
    expect(rms).toBeGreaterThan(5e-9);
    expect(rms).toBeLessThan(20e-9);
    expect(m.scan.flightSubSteps).toBe(2);
    const mod = await readTiff(join(outDir, m.truth.files.objectModulus));
    expect(mod.shape).toEqual([3, ...m.objectGrids[0].shape]);
    // Object pixel size follows λz/(N·dpix): smaller at higher energy.
    expect(m.objectGrids[2].pixelSizeM / m.objectGrids[0].pixelSizeM).toBeCloseTo(8300 / 8420, 9);
    expect(m.statistics.meanCountsPerFrame / m.beam.photonsPerFrame).toBeGreaterThan(0.8);
    expect(m.statistics.meanCountsPerFrame / m.beam.photonsPerFrame).toBeLessThan(1);
    expect(readdirSync(root).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('3D: one CXI file per energy, one entry per angle, and a truth volume', async () => {
    const outDir = join(root, 'tiny3d');
    const res = await simulate(tiny3d(), { outDir, backend: 'cpu' });
    const m = res.manifest;
    expect(m.anglesDeg).toEqual([0, 90, 180]);
    expect(m.cxi).toHaveLength(6);
    const entries = await listCxiEntries(join(outDir, 'data-8350.0eV.cxi'));
    expect(entries.map((e) => e.angleDeg)).toEqual([0, 90, 180]);
    expect(entries.every((e) => e.energyEv === 8350 || Math.abs(e.energyEv - 8350) < 1e-6)).toBe(true);
    const vol = await readTiff(join(outDir, m.truth.files.oxidationState));
    expect(vol.shape).toEqual(m.truth.volumeGrid!.shape);
    expect(m.truth.misalignmentM).toHaveLength(2);
    expect(m.truth.misalignmentM![0]).toHaveLength(3);
  });
});

describe('simulate: determinism and presets', () => {
  it('the same seed gives the same data, another seed different data', async () => {
    const a = await simulateInMemory(tiny2d());
    const b = await simulateInMemory(tiny2d());
    const c = await simulateInMemory(tiny2d(), { seed: 2 });
    const fa = await allFrames(a.entries[1].source);
    expect(await allFrames(b.entries[1].source)).toEqual(fa);
    expect(await allFrames(c.entries[1].source)).not.toEqual(fa);
    expect(Array.from(b.truth.stateMap.data)).toEqual(Array.from(a.truth.stateMap.data));
  });

  it('lists the presets', () => {
    expect(listPresets().map((p) => p.name).sort()).toEqual(['2d-paper', '2d-small', '3d-ci', '3d-paper', '3d-small']);
    const paper = listPresets().find((p) => p.name === '2d-paper')!;
    expect(paper.frames).toBe(200 * 100 * 51);
  });
});

describe('simulate: bad input', () => {
  const oneLine = (e: unknown) => {
    expect(e).toBeInstanceOf(PtyxanesError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  };

  it('unknown preset', async () => {
    const err = await simulate('2d-huge', { outDir: join(root, 'x') }).catch((e) => e);
    expect(oneLine(err)).toMatch(/unknown preset '2d-huge'.*2d-small/);
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('energies outside the tabulated range', async () => {
    const c = tiny2d();
    c.energiesEv = [8300, 9500];
    const err = await simulate(c, { outDir: join(root, 'y') }).catch((e) => e);
    expect(oneLine(err)).toMatch(/energiesEv\[1\].*outside.*9500 eV/);
  });

  it('an existing output path is refused unless forced', async () => {
    const outDir = join(root, 'exists');
    await simulate(tiny2d(), { outDir, backend: 'cpu' });
    writeFileSync(join(outDir, 'marker.txt'), 'keep');
    const err = await simulate(tiny2d(), { outDir }).catch((e) => e);
    expect(oneLine(err)).toMatch(/already exists.*--force/);
    expect(existsSync(join(outDir, 'marker.txt'))).toBe(true);
    await simulate(tiny2d(), { outDir, force: true, backend: 'cpu' });
    expect(existsSync(join(outDir, 'marker.txt'))).toBe(false);
    expect(existsSync(join(outDir, 'manifest.json'))).toBe(true);
  });

  it('a cancelled run leaves nothing that looks complete', async () => {
    const outDir = join(root, 'cancelled');
    const ac = new AbortController();
    const err = await simulate(tiny2d(), { outDir, backend: 'cpu', signal: ac.signal, onProgress: (e) => e.done >= 1 && ac.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(existsSync(outDir)).toBe(false);
    expect(readdirSync(root).filter((f) => f.startsWith('cancelled'))).toEqual([]);
  });

  it('warns with the overlap figure when the step is too large for the probe', async () => {
    const c = tiny2d();
    c.scan.stepM = [2e-6, 2e-6];
    c.scan.grid = [3, 3];
    c.energiesEv = [8300];
    const messages: string[] = [];
    const res = await simulateInMemory(c, { onProgress: (e) => e.message && messages.push(e.message) });
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toMatch(/-?\d+ % overlap with the 2\.\d+ µm probe/);
  });
});
