/**
 * The CLI as a user meets it: help for every command, and bad input answered with one
 * line naming the file and field, a non-zero exit code and no result presented as complete.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { createProgressReporter } from '../src/cli/progress.ts';
import { h5 } from '../src/io/h5.ts';
import { writeCxi } from '../src/io/cxi.ts';
import { VERSION } from '../src/version.ts';
import pkg from '../package.json' with { type: 'json' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyxanes-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    progress: () => createProgressReporter({ quiet: true }),
    signal: new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** A small valid CXI file (n frames of h×w, one entry per energy). */
async function smallCxi(name: string, energiesEv: number[], opts: { n?: number; positions?: number } = {}): Promise<string> {
  const n = opts.n ?? 4;
  const path = join(dir, name);
  await writeCxi(
    path,
    energiesEv.map((energyEv) => ({
      frames: new Float32Array(n * 16 * 16).fill(1),
      shape: [n, 16, 16] as [number, number, number],
      positionsM: new Float64Array(2 * n).map((_, i) => i * 1e-7),
      energyEv,
      detectorDistanceM: 5,
      detectorPixelM: [75e-6, 75e-6] as [number, number],
    })),
  );
  return path;
}

function oneLine(err: string): string {
  const lines = err.trim().split('\n');
  expect(lines.length, err).toBe(1);
  return lines[0];
}

describe('ptyxanes CLI', () => {
  it('has help for every command, with examples', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const c of ['simulate', 'reconstruct', 'register', 'fit', 'pipeline', 'info', 'bench']) {
      expect(top.out).toContain(c);
      const h = await cli(c, '--help');
      expect(h.code, c).toBe(0);
      expect(h.out).toMatch(/usage: ptyxanes/);
      expect(h.out).toMatch(/examples:\n {2}ptyxanes/);
    }
    expect((await cli('--version')).out.trim()).toBe(VERSION);
    expect(VERSION).toBe(pkg.version);
  });

  it('refuses unknown commands and options', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    const r = await cli('fit', '--bogus', '1');
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toMatch(/unknown option --bogus/);
  });

  it('reads options from a JSON config, flags winning', async () => {
    const cfg = join(dir, 'cfg.json');
    await writeFile(cfg, JSON.stringify({ iterations: 'many' }));
    const r = await cli('reconstruct', '--config', cfg, '--input', 'x', '--out', 'y');
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toMatch(/cfg\.json: iterations.*expected an integer/);
  });

  it('describes a CXI file (info)', async () => {
    const p = await smallCxi('info.cxi', [8333, 8350]);
    const r = await cli('info', p, '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(JSON.stringify(d)).toContain('8333');
  });

  it('reconstruct --probe-init aperture|gaussian --probe-size-um: the generic starts, recorded in run.json', async () => {
    const p = await smallCxi('probe-start.cxi', [8333], { n: 6 });
    // Object pixel here: λ·z/(16·75 µm) ≈ 0.62 µm, so 3 µm ≈ 4.8 pixels.
    const errors: Record<string, number> = {};
    for (const start of ['aperture', 'gaussian', 'mean-pattern']) {
      const out = join(dir, `probe-${start}`);
      const r = await cli('reconstruct', '--input', p, '--out', out, '--iterations', '1', '--backend', 'cpu', '--probe-init', start, ...(start === 'mean-pattern' ? [] : ['--probe-size-um', '3']), '--json');
      expect(r.code, r.err).toBe(0);
      errors[start] = JSON.parse(r.out).energies[0].finalError;
      const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
      expect(JSON.stringify(run)).toContain(`"probeInit":"${start}"`);
      if (start !== 'mean-pattern') expect(JSON.stringify(run)).toContain('"probeSizeM":0.000003');
    }
    // Three different starts, three different first iterations.
    expect(new Set(Object.values(errors)).size).toBe(3);
    const bad = await cli('reconstruct', '--input', p, '--out', join(dir, 'probe-nosize'), '--probe-init', 'gaussian');
    expect(bad.code).not.toBe(0);
    expect(oneLine(bad.err)).toMatch(/probe-size-um.*gaussian probe start needs its size/);
    expect(existsSync(join(dir, 'probe-nosize', 'run.json'))).toBe(false);
    const big = await cli('reconstruct', '--input', p, '--out', join(dir, 'probe-big'), '--probe-init', 'aperture', '--probe-size-um', '50', '--backend', 'cpu');
    expect(big.code).not.toBe(0);
    expect(oneLine(big.err)).toMatch(/probe-start\.cxi.*aperture\.diameterM: probe size does not fit the probe grid/);
  });

  describe('bad input: one line naming file and field, exit code ≠ 0', () => {
    it('missing file', async () => {
      const r = await cli('reconstruct', '--input', join(dir, 'absent.cxi'), '--out', join(dir, 'o1'));
      expect(r.code).not.toBe(0);
      expect(oneLine(r.err)).toMatch(/absent\.cxi.*not found/);
      expect(existsSync(join(dir, 'o1', 'run.json'))).toBe(false);
    });

    it('not HDF5', async () => {
      const p = join(dir, 'text.cxi');
      await writeFile(p, 'not hdf5');
      const r = await cli('pipeline', '2d', '--input', p, '--out', join(dir, 'o2'));
      expect(r.code).not.toBe(0);
      expect(oneLine(r.err)).toMatch(/text\.cxi.*not an HDF5 file/);
    });

    it('dataset path absent', async () => {
      const p = await smallCxi('ok.cxi', [8333]);
      const r = await cli('reconstruct', '--input', p, '--out', join(dir, 'o3'), '--data-path', 'data_9/data');
      expect(r.code).not.toBe(0);
      expect(oneLine(r.err)).toMatch(/ok\.cxi.*data_9\/data/);
    });

    it('energy in the wrong unit range', async () => {
      const path = join(dir, 'kev.cxi');
      const lib = await h5();
      const f = new lib.File(path, 'w');
      const e = f.create_group('entry_1');
      e.create_group('data_1').create_dataset({ name: 'data', data: new Uint16Array(2 * 16 * 16), shape: [2, 16, 16], dtype: '<H' });
      e.create_group('sample_1').create_group('geometry_1').create_dataset({ name: 'translation', data: new Float64Array(6), shape: [2, 3], dtype: '<d' });
      const ins = e.create_group('instrument_1');
      ins.create_group('source_1').create_dataset({ name: 'energy', data: 400, dtype: '<d' });
      f.close();
      const r = await cli('reconstruct', '--input', path, '--out', join(dir, 'o4'));
      expect(r.code).not.toBe(0);
      expect(oneLine(r.err)).toMatch(/kev\.cxi.*energy.*400/);
    });

    it('frames and positions of different counts', async () => {
      const path = join(dir, 'count.cxi');
      const lib = await h5();
      const f = new lib.File(path, 'w');
      const e = f.create_group('entry_1');
      e.create_group('data_1').create_dataset({ name: 'data', data: new Uint16Array(3 * 16 * 16), shape: [3, 16, 16], dtype: '<H' });
      e.create_group('sample_1').create_group('geometry_1').create_dataset({ name: 'translation', data: new Float64Array(6), shape: [2, 3], dtype: '<d' });
      const ins = e.create_group('instrument_1');
      ins.create_group('source_1').create_dataset({ name: 'energy', data: 8333, dtype: '<d' });
      const d = ins.create_group('detector_1');
      d.create_dataset({ name: 'distance', data: 5, dtype: '<d' });
      d.create_dataset({ name: 'x_pixel_size', data: 75e-6, dtype: '<d' });
      f.close();
      const r = await cli('reconstruct', '--input', path, '--out', join(dir, 'o5'));
      expect(r.code).not.toBe(0);
      expect(oneLine(r.err)).toMatch(/count\.cxi.*translation.*expected 3 positions.*found 2/);
    });

    it('unreadable TIFF', async () => {
      const t = join(dir, 'broken.tif');
      await writeFile(t, 'II*\0garbage');
      const e = join(dir, 'e.json');
      await writeFile(e, '[8333, 8340]');
      const r = await cli('fit', '--input', t, '--energies', e, '--out', join(dir, 'o6'));
      expect(r.code).not.toBe(0);
      expect(oneLine(r.err)).toMatch(/broken\.tif/);
      expect(existsSync(join(dir, 'o6'))).toBe(false);
    });

    it('output directory not writable', async () => {
      const p = await smallCxi('ok2.cxi', [8333]);
      const blocker = join(dir, 'a-file');
      await writeFile(blocker, 'x');
      const r = await cli('reconstruct', '--input', p, '--out', join(blocker, 'sub'));
      expect(r.code).not.toBe(0);
      expect(oneLine(r.err)).toMatch(/a-file\/sub.*not writable|a-file.*directory/);
    });

    it('energy count that does not match the stack', async () => {
      const t = join(dir, 'stack.tif');
      const { writeTiff } = await import('../src/io/tiff.ts');
      await writeTiff(t, { data: new Float32Array(3 * 8 * 8), shape: [3, 8, 8] });
      const e = join(dir, 'e2.json');
      await writeFile(e, '[8333, 8340]');
      const r = await cli('fit', '--input', t, '--energies', e, '--out', join(dir, 'o7'));
      expect(r.code).not.toBe(0);
      expect(oneLine(r.err)).toMatch(/e2\.json.*expected 3.*found 2/);
    });
  });
});
