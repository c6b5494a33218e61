/**
 * The same 3D data in the two CXI layouts `pipeline 3d` reads — one file per energy with
 * one entry per angle (as the simulator writes) and one file per (energy, angle) — run end
 * to end to the same volumes: every energy's tomogram, the projection shifts and the
 * oxidation state. A tiny sample (3d-ci's 16 energies (the fewest the edge fit takes) × 4 angles × 3×3 positions, few iterations)
 * keeps it to seconds; what is compared is the chain's reading of the layouts, not accuracy.
 */
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCxiEntries, writeCxi } from '../src/io/cxi.ts';
import { readTiff } from '../src/io/tiff.ts';
import { angleTag } from '../src/pipeline/inputs3d.ts';
import { runPipeline3d, type Pipeline3dOptions } from '../src/pipeline/pipeline3d.ts';
import { volumePath } from '../src/pipeline/tomo-stage.ts';
import { presetConfig } from '../src/sim/config.ts';
import { simulate } from '../src/sim/index.ts';

let root: string;
let perEnergy: string;
let perPair: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ptyx-p3d-layouts-'));
  perEnergy = join(root, 'per-energy');
  const ci = presetConfig('3d-ci');
  await simulate(
    {
      ...ci,
      name: '3d-layouts',
      scan: { ...ci.scan, grid: [3, 3] },
      tomography: { ...ci.tomography!, angles: 4, rangeDeg: 135 },
      output: { blockFrames: 9 },
    },
    { outDir: perEnergy, backend: 'cpu' },
  );
  // The same entries, one file per (energy, angle); no manifest: a plain folder of CXI files.
  perPair = join(root, 'per-pair');
  await mkdir(perPair);
  for (const f of (await readdir(perEnergy)).filter((n) => n.endsWith('.cxi'))) {
    for (const s of await openCxiEntries(join(perEnergy, f))) {
      const g = s.geometry;
      await writeCxi(join(perPair, `E${g.energyEv}-${angleTag(g.angleDeg!)}.cxi`), [
        {
          frames: await s.readFrames(0, s.nFrames),
          shape: [s.nFrames, s.height, s.width],
          positionsM: g.positionsM,
          energyEv: g.energyEv,
          detectorDistanceM: g.detectorDistanceM,
          detectorPixelM: g.detectorPixelM,
          validMask: s.validMask,
          angleDeg: g.angleDeg,
          dtype: 'uint16',
        },
      ]);
      await s.close?.();
    }
  }
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pipeline 3d reads both CXI layouts alike', () => {
  it('one CXI per energy and one CXI per (energy, angle) give the same volumes', async () => {
    const files = (d: string) => readdir(d).then((l) => l.filter((n) => n.endsWith('.cxi')).length);
    expect(await files(perEnergy)).toBe(16);
    expect(await files(perPair)).toBe(16 * 4);
    const common: Omit<Pipeline3dOptions, 'input' | 'outDir'> = { backend: 'cpu', epie: { iterations: 6 }, warmIterations: 4, sirtIterations: 10 };
    // Without the manifest the simulated folder's zone-plate optics are unknown: both runs
    // start from ePIE's mean-pattern probe, so only the layout differs.
    const a = await runPipeline3d({ ...common, input: perEnergy, outDir: join(root, 'run-a'), probeInit: 'mean-pattern' });
    const b = await runPipeline3d({ ...common, input: perPair, outDir: join(root, 'run-b'), probeInit: 'mean-pattern' });
    expect(b.energiesEv).toEqual(a.energiesEv);
    expect(b.anglesDeg).toEqual(a.anglesDeg);
    expect(a.anglesDeg).toHaveLength(4);
    expect(b.grid.shape).toEqual(a.grid.shape);
    expect(b.tomo.shape).toEqual(a.tomo.shape);
    for (const [i, e] of a.energiesEv.entries()) {
      const va = await readTiff(volumePath({ path: (...p: string[]) => join(a.outDir, ...p) } as never, e));
      const vb = await readTiff(volumePath({ path: (...p: string[]) => join(b.outDir, ...p) } as never, e));
      expect(vb.shape).toEqual(va.shape);
      let peak = 0;
      let diff = 0;
      for (let k = 0; k < va.data.length; k++) {
        peak = Math.max(peak, Math.abs(va.data[k]));
        diff = Math.max(diff, Math.abs(va.data[k] - vb.data[k]));
      }
      expect(peak).toBeGreaterThan(0);
      expect(diff).toBeLessThanOrEqual(1e-6 * peak);
      expect(b.tomo.energies[i].shiftsPx).toEqual(a.tomo.energies[i].shiftsPx);
    }
    const sa = await readTiff(a.files.oxidationState);
    const sb = await readTiff(b.files.oxidationState);
    expect(Array.from(sb.data)).toEqual(Array.from(sa.data));
    // The per-(energy, angle) run read 64 files; the per-energy run 16.
    const inputsOf = async (d: string) => (JSON.parse(await readFile(join(d, 'run.json'), 'utf8')) as { inputs: unknown[] }).inputs.length;
    expect(await inputsOf(a.outDir)).toBe(16);
    expect(await inputsOf(b.outDir)).toBe(64);
  }, 180_000);
});
