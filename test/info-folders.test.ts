/**
 * `ptyxanes info` on the folders users have most: a simulated sample, a run (complete and
 * interrupted), and a folder of CXI files; text and --json for each, and a folder of
 * anything else refused in one line.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { createProgressReporter } from '../src/cli/progress.ts';
import { writeCxi } from '../src/io/cxi.ts';
import type { CxiFolder, RunFolder, SampleFolder } from '../src/io/describe-folder.ts';
import { presetConfig, simulate } from '../src/sim/index.ts';

const root = mkdtempSync(join(tmpdir(), 'ptyxanes-info-'));
const sample = join(root, 'sample');
const runDir = join(root, 'run');
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    progress: () => createProgressReporter({ quiet: true }),
    signal: new AbortController().signal,
  };
  return { code: await main(argv, io), out, err };
}

beforeAll(async () => {
  // 2d-small cut to 3 energies and 5×4 positions; one ePIE iteration per energy on the CPU.
  const c = presetConfig('2d-small');
  c.energiesEv = [8300, 8345, 8420];
  c.scan.grid = [5, 4];
  await simulate(c, { outDir: sample, backend: 'cpu' });
  const r = await cli('reconstruct', '--input', sample, '--out', runDir, '--iterations', '1', '--backend', 'cpu', '--quiet');
  expect(r.code, r.err).toBe(0);
});

describe('info on a simulated sample folder', () => {
  it('names the preset, energies, data and truth files', async () => {
    const r = await cli('info', sample);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("simulated sample '2d-small', 2d");
    expect(r.out).toContain('3 energies 8300.00–8420.00 eV');
    expect(r.out).toMatch(/data\.cxi: 3 entries, 60 frames\n/);
    expect(r.out).toMatch(/oxidationState: truth\/oxidation-state\.tif\n/);
    expect(r.out).not.toContain('MISSING');
  });

  it('--json, and a deleted truth file shows as missing', async () => {
    const m = JSON.parse(readFileSync(join(sample, 'manifest.json'), 'utf8'));
    const d = JSON.parse((await cli('info', sample, '--json')).out) as SampleFolder;
    expect(d.kind).toBe('sample');
    expect(d.preset).toBe('2d-small');
    expect(d.energiesEv).toEqual({ count: 3, min: 8300, max: 8420 });
    expect(d.anglesDeg).toBeNull();
    expect(d.data).toEqual([{ file: 'data.cxi', entries: 3, frames: 60, present: true }]);
    expect(d.truth.map((t) => t.name).sort()).toEqual(Object.keys(m.truth.files).sort());
    rmSync(join(sample, m.truth.files.thickness));
    const after = JSON.parse((await cli('info', sample, '--json')).out) as SampleFolder;
    expect(after.truth.find((t) => t.name === 'thickness')?.present).toBe(false);
    expect((await cli('info', sample)).out).toMatch(/thickness: truth\/thickness\.tif {2}\(MISSING\)/);
  });
});

describe('info on a run folder', () => {
  it('a complete reconstruct run: stages, energies done of the total, results', async () => {
    const r = await cli('info', runDir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('(reconstruct run, complete');
    expect(r.out).toMatch(/stages done: ptycho ×3/);
    expect(r.out).toContain('energies done: 3 of 3 (8300.00–8420.00 eV)');
    expect(r.out).toContain('results: ptycho');
    const d = JSON.parse((await cli('info', runDir, '--json')).out) as RunFolder;
    expect(d).toMatchObject({ kind: 'run', runKind: 'reconstruct', complete: true, energiesDoneEv: [8300, 8345, 8420], energiesTotal: 3, pending: [] });
    expect(d.inputs).toEqual([{ path: join(sample, 'data.cxi'), present: true }]);
    expect((d.options.epie as Record<string, unknown>).iterations).toBe(1);
  });

  it('an interrupted pipeline run: what is done, what is left, how to continue', async () => {
    const dir = join(root, 'interrupted');
    mkdirSync(dir);
    const rec = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    const last = Object.keys(rec.stages).find((k) => k.includes('8420'))!;
    delete rec.stages[last];
    rec.kind = 'pipeline-2d';
    rec.complete = false;
    writeFileSync(join(dir, 'run.json'), JSON.stringify(rec));
    const r = await cli('info', dir);
    expect(r.out).toContain('(pipeline-2d run, INCOMPLETE');
    expect(r.out).toContain('energies done: 2 of 3 (8300.00–8345.00 eV)');
    expect(r.out).toContain('to do: ptycho, register, xanes (continue with the same command and --resume)');
    expect(r.out).toContain('results: none yet');
    const d = JSON.parse((await cli('info', dir, '--json')).out) as RunFolder;
    expect(d).toMatchObject({ complete: false, energiesDoneEv: [8300, 8345], energiesTotal: 3, pending: ['ptycho', 'register', 'xanes'], results: [] });
  });
});

describe('info on a folder of CXI files', () => {
  it('one line per file: entries, energies, frames; unreadable files say why', async () => {
    const dir = join(root, 'scans');
    mkdirSync(dir);
    const entry = (energyEv: number, n: number) => ({
      frames: new Float32Array(n * 16 * 16).fill(1),
      shape: [n, 16, 16] as [number, number, number],
      positionsM: new Float64Array(2 * n).map((_, i) => i * 1e-7),
      energyEv,
      detectorDistanceM: 5,
      detectorPixelM: [75e-6, 75e-6] as [number, number],
    });
    await writeCxi(join(dir, 'scan_2.cxi'), [entry(8333, 4), entry(8350, 5)]);
    await writeCxi(join(dir, 'scan_10.cxi'), [entry(8400, 3)]);
    copyFileSync(join(runDir, 'run.json'), join(dir, 'notes.h5')); // not HDF5 at all
    writeFileSync(join(dir, 'README.txt'), 'beamtime notes');
    const r = await cli('info', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n')).toEqual([
      `${dir}  (3 CXI/HDF5 files)`,
      expect.stringMatching(/^ {4}notes\.h5: not readable as CXI: /),
      '    scan_2.cxi: 2 entries, 2 energies 8333.00–8350.00 eV, 9 frames of 16 × 16',
      '    scan_10.cxi: 1 entry, 1 energy 8400.00 eV, 3 frames of 16 × 16',
    ]);
    const d = JSON.parse((await cli('info', dir, '--json')).out) as CxiFolder;
    expect(d.kind).toBe('cxi-folder');
    expect(d.files.map((f) => [f.entries, f.frames])).toEqual([[0, 0], [2, 9], [1, 3]]);
    expect(d.files[1].energiesEv).toEqual({ count: 2, min: 8333, max: 8350 });
  });

  it('a folder of anything else is refused in one line naming what it holds', async () => {
    const dir = join(root, 'other');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), '');
    const r = await cli('info', dir);
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/other: not a folder ptyxanes knows \(expected a run \(run\.json\), a simulated sample .*found a\.txt\)/);
  });
});
