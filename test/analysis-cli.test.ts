import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { createProgressReporter } from '../src/cli/progress.ts';
import { writeTiff } from '../src/io/tiff.ts';
import { diffusionFraction } from '../src/analysis/diffusion.ts';
import { ballPhantom, gauss, rng } from '../src/analysis/phantom.ts';
import { interpolateSpectrum, loadReferenceSpectra } from '../src/xanes/references.ts';
import { PAPER_2D_ENERGIES_EV } from '../src/xanes/grid.ts';

let dir: string;
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, {
    out: (t) => (out += t + '\n'),
    err: (t) => (err += t + '\n'),
    progress: () => createProgressReporter({ quiet: true }),
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

const DISCS = [0, 1, 2, 3].map((k) => ({ c: [20 + 38 * Math.floor(k / 2), 20 + 38 * (k % 2)], r: 14 }));

/** A directory laid out as a pipeline run (run.json + xanes/ maps) from a phantom. */
async function fakeRun(name: string, core: number, seed: number): Promise<string> {
  const ph = ballPhantom([78, 78], DISCS, (dPx) => core + (3.3 - core) * diffusionFraction(dPx * 40, 150 ** 2, 'sphere', 14 * 40), 0.08, seed);
  const run = join(dir, name);
  await mkdir(join(run, 'xanes'), { recursive: true });
  const shape = [78, 78];
  await writeTiff(join(run, 'xanes', 'oxidation_state.tif'), { data: ph.state, shape }, { pixelSizeM: 40e-9 });
  await writeTiff(join(run, 'xanes', 'oxidation_state_std.tif'), { data: ph.std, shape }, { pixelSizeM: 40e-9 });
  await writeTiff(join(run, 'xanes', 'edge_step.tif'), { data: ph.edgeStep, shape }, { pixelSizeM: 40e-9 });
  await writeFile(join(run, 'run.json'), JSON.stringify({ tool: 'ptyxanes', stages: { register: { info: { pixelSizeM: 40e-9 } } } }));
  return run;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyxanes-analyse-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ptyxanes analyse', () => {
  it('analyses a pipeline run directory: tables, profiles, fits, slabs, pictures', async () => {
    const run = await fakeRun('runA', 2.4, 31);
    const out = join(dir, 'outA');
    const r = await cli('analyse', '--input', run, '--out', out, '--time-h', '1');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/runA: 4 crystals/);
    expect(r.out).toMatch(/D = [0-9.]+e-18/);
    for (const f of ['crystals.csv', 'crystals.json', 'labels.tif', 'depth_nm.tif', 'labels.png', 'profiles.csv', 'profile.png', 'profile_fits.json', 'profile_fits.csv', 'slabs.csv', 'slabs_per_crystal.csv', 'analysis_summary.json']) {
      await readFile(join(out, f));
    }
    const csv = (await readFile(join(out, 'crystals.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(5);
    const fits = JSON.parse(await readFile(join(out, 'profile_fits.json'), 'utf8'));
    // Dt = 150² nm² over 1 h.
    expect(Math.abs(fits.mean.diffusion.diffusionM2PerS / (150 ** 2 * 1e-18 / 3600) - 1)).toBeLessThan(0.2);
  });

  it('analyses a TIFF map (pixel size from its tags) and compares several samples', async () => {
    const a = await fakeRun('pristine', 2.3, 32);
    const b = await fakeRun('cycled', 2.9, 33);
    const out = join(dir, 'cmp');
    const single = await cli('analyse', '--input', join(a, 'xanes', 'oxidation_state.tif'), '--out', join(dir, 'tif'), '--json');
    expect(single.code).toBe(0);
    const js = JSON.parse(single.out);
    expect(js.samples[0].crystals).toBe(4);
    const r = await cli('analyse', '--input', `${a},${b}`, '--names', 'pristine,500', '--out', out);
    expect(r.code).toBe(0);
    const table = (await readFile(join(out, 'comparison.csv'), 'utf8')).trim().split('\n');
    expect(table[0]).toBe('sample,n,mean,median,std,p05,p95,fraction_above_3');
    expect(table).toHaveLength(3);
    const [m0, m1] = table.slice(1).map((l) => Number(l.split(',')[2]));
    expect(m1).toBeGreaterThan(m0);
    await readFile(join(out, 'comparison.png'));
    await readFile(join(out, '500', 'crystals.csv'));
  });

  it('analyses a volume [z,y,x] TIFF with sizes in µm³', async () => {
    const ph = ballPhantom([22, 24, 40], [{ c: [11, 12, 11], r: 8 }, { c: [11, 12, 28], r: 8 }], (dPx) => 2.5 + 0.02 * dPx, 0.05, 34);
    const vol = join(dir, 'vol');
    await mkdir(vol, { recursive: true });
    await writeTiff(join(vol, 'oxidation_state.tif'), { data: ph.state, shape: ph.shape }, { pixelSizeM: 50e-9, spacingM: 50e-9 });
    await writeTiff(join(vol, 'edge_step.tif'), { data: ph.edgeStep, shape: ph.shape }, { pixelSizeM: 50e-9, spacingM: 50e-9 });
    const r = await cli('analyse', '--input', vol, '--out', join(dir, 'vol-out'), '--json');
    expect(r.err).toBe('');
    const js = JSON.parse(r.out);
    expect(js.samples[0].crystals).toBe(2);
    const head = (await readFile(join(dir, 'vol-out', 'crystals.csv'), 'utf8')).split('\n')[0];
    expect(head).toContain('size_um3');
    expect(head).toContain('centroid_z_um');
  });

  it('--lcf fits the run\'s stack by NiO and LiNiO2 and compares with the edge map', async () => {
    const run = await fakeRun('runL', 2.4, 35);
    const state = (await import('../src/io/tiff.ts')).readTiff;
    const st = await state(join(run, 'xanes', 'oxidation_state.tif'));
    const refs = loadReferenceSpectra();
    const E = PAPER_2D_ENERGIES_EV;
    const [nio, lno] = [refs.nio, refs.liNiO2].map((r) => interpolateSpectrum(r, E));
    const n = st.data.length;
    const g = gauss(rng(36));
    const stack = new Float32Array(E.length * n);
    for (let p = 0; p < n; p++) {
      const v = st.data[p];
      const f = Number.isFinite(v) ? Math.min(1, Math.max(0, v - 2)) : 0;
      const jump = Number.isFinite(v) ? 0.06 : 0;
      for (let j = 0; j < E.length; j++) stack[j * n + p] = 0.2 + jump * ((1 - f) * nio[j] + f * lno[j]) + 0.001 * g();
    }
    await mkdir(join(run, 'stack'), { recursive: true });
    await writeTiff(join(run, 'stack', 'attenuation_registered.tif'), { data: stack, shape: [E.length, ...st.shape] });
    await writeFile(join(run, 'stack', 'grid.json'), JSON.stringify({ energiesEv: E }));
    const r = await cli('analyse', '--input', run, '--out', join(dir, 'lcf-out'), '--lcf', '--json');
    expect(r.err).toBe('');
    const js = JSON.parse(r.out).samples[0].lcf;
    expect(js.n).toBeGreaterThan(500);
    // LCF of NiO + LiNiO2 cannot go above 3: the expected difference is that clamp's.
    let clamp = 0, nf = 0;
    for (const v of st.data) if (Number.isFinite(v)) { clamp += Math.min(3, Math.max(2, v)) - v; nf++; }
    expect(Math.abs(js.meanDifference - clamp / nf)).toBeLessThan(0.03);
    expect(js.correlation).toBeGreaterThan(0.8);
    await readFile(join(dir, 'lcf-out', 'lcf', 'lcf_fraction_liNiO2.tif'));
    await readFile(join(dir, 'lcf-out', 'lcf', 'lcf_minus_edge.tif'));
    expect((await cli('analyse', '--input', run, '--out', join(dir, 'lcf-bad'), '--lcf', '--references', 'nio,unobtainium')).err).toMatch(/unknown reference.*unobtainium/);
  });

  it('gives one clear line for bad input', async () => {
    const nanDir = join(dir, 'nan');
    await mkdir(nanDir, { recursive: true });
    const p = join(nanDir, 'oxidation_state.tif');
    await writeTiff(p, { data: new Float32Array(400).fill(NaN), shape: [20, 20] }, { pixelSizeM: 40e-9 });
    const r = await cli('analyse', '--input', p, '--out', join(dir, 'o1'));
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/no finite values/);
    const q = join(nanDir, 'nosize.tif');
    await writeTiff(q, { data: new Float32Array(400).fill(2.5), shape: [20, 20] });
    expect((await cli('analyse', '--input', q, '--out', join(dir, 'o2'))).err).toMatch(/pixel size unknown.*--pixel-size-nm/);
    expect((await cli('analyse', '--input', join(dir, 'missing'), '--out', join(dir, 'o3'))).err).toMatch(/input not found/);
  });
});
