/**
 * `pipeline 3d` end to end on the 3d-ci sample (16 energies × 16 angles × 25 positions):
 * interrupted mid-ePIE and mid-tomography, resumed without redoing finished work, and
 * compared with the simulator's truth: the oxidation state inside the crystals (RMS, and
 * the correlation that a flat volume at the right mean cannot reach) and each energy's
 * recovered projection shifts against the simulated misalignment.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import { runPipeline3d } from '../src/pipeline/pipeline3d.ts';
import type { RunRecord } from '../src/pipeline/run-dir.ts';
import { simulate } from '../src/sim/index.ts';
import { readTiff } from '../src/io/tiff.ts';

let root: string;
let input: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ptyx-p3d-'));
  input = join(root, '3d-ci');
  await simulate('3d-ci', { outDir: input, backend: 'cpu' });
}, 300_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const stagesOf = async (dir: string) => (JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunRecord).stages;

describe('pipeline 3d on the 3d-ci sample', () => {
  it('resumes after aborts mid-ePIE and mid-tomography and recovers the oxidation state and the misalignment', async () => {
    const outDir = join(root, 'run');
    const base = { input, outDir, backend: 'cpu' as const };

    // 1. Abort after 20 (energy, angle) reconstructions.
    const a1 = new AbortController();
    let done = 0;
    const p1 = runPipeline3d({ ...base, signal: a1.signal, onProgress: (ev) => ev.stage === 'ptycho' && / done, /.test(ev.message ?? '') && ++done === 20 && a1.abort() });
    await expect(p1).rejects.toThrow();
    const s1 = await stagesOf(outDir);
    const ptycho1 = Object.keys(s1).filter((k) => k.startsWith('ptycho/'));
    expect(ptycho1.length).toBe(20);

    // 2. Resume; abort once the tomography has reconstructed one energy.
    const a2 = new AbortController();
    const p2 = runPipeline3d({ ...base, resume: true, signal: a2.signal, onProgress: (ev) => ev.stage === 'tomo-series' && ev.done >= 1 && a2.abort() });
    await expect(p2).rejects.toThrow();
    const s2 = await stagesOf(outDir);
    expect(Object.keys(s2).filter((k) => k.startsWith('ptycho/')).length).toBe(16 * 16);
    expect(s2.projections).toBeDefined();
    expect(s2.tomo).toBeUndefined();
    // Each energy's tomography is its own task: the one finished before the abort is kept.
    expect(Object.keys(s2).filter((k) => k.startsWith('tomo/')).length).toBeGreaterThanOrEqual(1);
    // Finished reconstructions were not redone.
    for (const k of ptycho1) expect(s2[k].startedAt).toBe(s1[k].startedAt);

    // 3. Resume to the end.
    const r = await runPipeline3d({ ...base, resume: true });
    const s3 = await stagesOf(outDir);
    for (const k of Object.keys(s2)) expect(s3[k].startedAt).toBe(s2[k].startedAt);
    const run = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8')) as RunRecord;
    expect(run.complete).toBe(true);

    const t = r.truth!;
    console.log(
      `3d-ci end to end: RMS ${t.rmsError.toFixed(3)} valence over ${t.voxels} interior voxels (${t.missing} unfitted), bias ${t.bias.toFixed(3)}, truth spread ${t.truthStd.toFixed(3)}, correlation ${t.correlation.toFixed(3)}; shift error per energy ${t.shiftErrorPx.map((v) => v.toFixed(2)).join(' ')} px`,
    );
    expect(t.voxels).toBeGreaterThan(50);
    // The truth varies inside the crystals (surface layer against core), so a flat volume at
    // the right mean scores its spread in RMS and no correlation.
    expect(t.truthStd).toBeGreaterThan(0.2);
    // The limits: every energy's projection shifts within 0.5 px RMS of the simulated
    // misalignment (gauge removed), the state within 0.2 valence RMS of the truth inside the
    // crystals, correlated with it above 0.5. Measured here (2 threads): 0.189 / 0.76, shifts
    // ≤ 0.18 px; over ePIE variants of this sample (150 cold iterations, 40 warm, ten times the
    // dose) 0.182–0.200: the RMS limit holds with little room (the smoothing alone costs 0.165
    // on noise-free projections of these one-voxel surface layers; ptycho3d-defaults.ts and
    // pipeline3d.ts hold the evidence).
    for (const e of t.shiftErrorPx) expect(e).toBeLessThan(0.5);
    expect(t.correlation).toBeGreaterThan(0.5);
    expect(t.rmsError).toBeLessThan(0.2);

    // Outputs: volumes [z, y, x] with the voxel size, pictures, results.
    const vol = await readTiff(r.files.oxidationState);
    expect(vol.shape).toEqual(r.tomo.shape);
    for (const f of Object.values(r.files)) expect(existsSync(f)).toBe(true);
    // The > Ni3+ regions: crystals segmented, label volumes written.
    expect(r.regions.crystals).toBeGreaterThan(0);
    for (const f of Object.values(r.regions.files ?? {})) expect(existsSync(f)).toBe(true);

    // A resume with other options is refused.
    await expect(runPipeline3d({ ...base, resume: true, sirtIterations: 5 })).rejects.toThrow(PtyxanesError);
  }, 1_200_000);
});
