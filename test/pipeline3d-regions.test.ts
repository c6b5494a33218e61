/**
 * The 3D run's > Ni³⁺ regions (regions3d.ts): on a volume of two separate crystals, one
 * with a 3.3 core under a 2.3 shell and one at 2.4 throughout, the segmentation finds both
 * crystals and one region (the core), writes the label volumes, and
 * says so in one line; a volume without material is a note, not a failure.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTiff, tiffInfo } from '../src/io/tiff.ts';
import { formatHighStateRegions, writeHighStateRegions } from '../src/pipeline/regions3d.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyx-regions-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('> Ni3+ regions of a 3D run', () => {
  it('segments the crystals and the region above 3 inside them', async () => {
    const n = 24;
    const shape: [number, number, number] = [n, n, n];
    const state = new Float32Array(n ** 3).fill(NaN);
    const step = new Float32Array(n ** 3);
    let core = 0;
    for (let z = 0; z < n; z++) {
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const i = (z * n + y) * n + x;
          const r1 = Math.hypot(z - 12, y - 7, x - 7);
          const r2 = Math.hypot(z - 12, y - 16, x - 17);
          if (r1 <= 5) {
            step[i] = 1;
            state[i] = r1 <= 3 ? 3.3 : 2.3;
            if (r1 <= 3) core++;
          } else if (r2 <= 4.5) {
            step[i] = 1;
            state[i] = 2.4;
          }
        }
      }
    }
    const r = await writeHighStateRegions(dir, state, step, shape, 40e-9);
    expect(r.note).toBeNull();
    expect(r.crystals).toBe(2);
    expect(r.regions).toBe(1);
    expect(r.crystalsWithRegions).toBe(1);
    expect(r.voxels).toBe(core);
    expect(formatHighStateRegions(r)).toMatch(/^> Ni3\+ regions: 1 in 1 of 2 crystals, \d+\.\d % of the crystal voxels$/);
    const labels = await readTiff(r.files!.regionLabels);
    expect(labels.shape).toEqual(shape);
    expect((await tiffInfo(r.files!.regionLabels)).description).toContain('above 3');
    let inRegion = 0;
    for (let i = 0; i < labels.data.length; i++) if (labels.data[i] > 0) inRegion++;
    expect(inRegion).toBe(core);
    const crystals = await readTiff(r.files!.crystalLabels);
    expect(new Set(Array.from(crystals.data))).toEqual(new Set([0, 1, 2]));
    expect((await readFile(r.files!.regionsCsv, 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('a volume without material is a note, not a failure', async () => {
    const n = 8;
    const r = await writeHighStateRegions(dir, new Float32Array(n ** 3).fill(NaN), new Float32Array(n ** 3), [n, n, n], 40e-9);
    expect(r.files).toBeNull();
    expect(r.note).toBeTruthy();
    expect(formatHighStateRegions(r)).toContain('none segmented');
  });
});
