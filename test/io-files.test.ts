import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import { ensureWritableDir, prepareOutput, requireInputFile, writeFileAtomic, writeJson } from '../src/io/files.ts';
import { parseEnergies, readEnergies } from '../src/io/text.ts';
import { energyToEv, EV_TO_J, lengthScaleM } from '../src/io/units.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyxanes-io-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function caught(p: Promise<unknown> | (() => unknown)): Promise<PtyxanesError> {
  const err = typeof p === 'function' ? (() => { try { p(); } catch (e) { return e; } })() : await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PtyxanesError);
  return err as PtyxanesError;
}

describe('atomic output files', () => {
  it('writes via a temporary file and leaves nothing else behind; creates parents', async () => {
    const path = join(dir, 'a', 'b', 'out.json');
    await writeJson(path, { energiesEv: new Float64Array([8333, 8340]), nan: NaN, n: 1n });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ energiesEv: [8333, 8340], nan: null, n: 1 });
    await writeFileAtomic(path, 'replaced');
    expect(await readFile(path, 'utf8')).toBe('replaced');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['out.json']);
  });

  it('refuses an existing output unless overwrite', async () => {
    const path = join(dir, 'exists.txt');
    await writeFile(path, 'x');
    const err = await caught(prepareOutput(path));
    expect(err.file).toBe(path);
    expect(err.message).toMatch(/already exists/);
    await expect(prepareOutput(path, { overwrite: true })).resolves.toBe(path);
    await expect(prepareOutput(join(dir, 'new.txt'))).resolves.toBe(join(dir, 'new.txt'));
  });

  it('output directory not writable: error names the directory, expected vs found', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const err = await caught(writeFileAtomic(join(file, 'x.json'), '{}'));
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/expected a writable directory/);
    if (process.getuid?.() !== 0) {
      // Permission bits only bind non-root users.
      const ro = join(dir, 'readonly');
      await ensureWritableDir(ro);
      await chmod(ro, 0o555);
      const e2 = await caught(writeJson(join(ro, 'x.json'), {}));
      expect(e2.message).toMatch(/not writable/);
      await chmod(ro, 0o755);
    }
    const e3 = await caught(requireInputFile(join(dir, 'missing.cxi')));
    expect(e3.message).toMatch(/missing\.cxi: input file not found/);
  });
});

describe('units', () => {
  it('detects J, keV and eV by magnitude and rejects the rest', async () => {
    const at = { file: 'f.cxi', field: 'energy' };
    expect(energyToEv(8333 * EV_TO_J, 'auto', at)).toBeCloseTo(8333, 9);
    expect(energyToEv(8.333, 'auto', at)).toBeCloseTo(8333, 9);
    expect(energyToEv(8333, 'auto', at)).toBe(8333);
    expect(energyToEv(0.5, 'keV', at)).toBe(500); // declared unit: wider range
    for (const bad of [500, 0.5, 2e5, 1e-5]) {
      const err = await caught(() => energyToEv(bad, 'auto', at));
      expect(err.message).toMatch(/^f\.cxi: energy: /);
      expect(err.found).toBe(String(bad));
    }
    expect(lengthScaleM('µm')).toBe(1e-6);
    expect(lengthScaleM('mm')).toBe(1e-3);
    expect(lengthScaleM('furlong')).toBeUndefined();
  });
});

describe('energy sidecars', () => {
  it('reads JSON lists, objects and text, in eV or keV', async () => {
    const p1 = join(dir, 'e1.json');
    await writeFile(p1, '[8.27, 8.285, 8.3]');
    expect(Array.from(await readEnergies(p1))).toEqual([8270, 8285, 8300]);
    expect(Array.from(parseEnergies('x.json', '{"energiesEv": [8270, 8285]}'))).toEqual([8270, 8285]);
    expect(Array.from(parseEnergies('x.json', '{"energies": [8.27], "unit": "keV"}'))).toEqual([8270]);
    expect(Array.from(parseEnergies('x.json', '{"energiesKeV": [8.5]}'))).toEqual([8500]);
    const p2 = join(dir, 'e.txt');
    await writeFile(p2, '# energies of the series\n8270\n8285 # pre-edge\n\n8300\n');
    expect(Array.from(await readEnergies(p2))).toEqual([8270, 8285, 8300]);
    expect(Array.from(parseEnergies('x.txt', '8.27 8.285, 8.3'))).toEqual([8270, 8285, 8300]);
    expect(Array.from(parseEnergies('x.txt', '1 8.27 0.5\n2 8.30 0.6\n', { column: 1 }))).toEqual([8270, 8300]);
  });

  it('gives clear errors for bad lists', async () => {
    expect((await caught(() => parseEnergies('e.txt', '8270\nabc\n'))).message).toMatch(/e\.txt: value 2: not a number.*found "abc"/);
    expect((await caught(() => parseEnergies('e.txt', '500 600'))).message).toMatch(/e\.txt: energies: energies in no recognised unit range/);
    expect((await caught(() => parseEnergies('e.json', '{"energies": [1], "unit": "furlong"}'))).message).toMatch(/unknown energy unit/);
    expect((await caught(() => parseEnergies('e.json', '{"energiesEv": [8270]}', { unit: 'keV' }))).message).toMatch(/conflict/);
    expect((await caught(() => parseEnergies('e.json', '[8270, "x"]'))).message).toMatch(/\[1\]: not a number/);
    expect((await caught(() => parseEnergies('e.txt', '# nothing\n'))).message).toMatch(/no energies/);
    expect((await caught(() => parseEnergies('e.json', '{"a": 1}'))).message).toMatch(/no energies in JSON/);
    expect((await caught(readEnergies(join(dir, 'none.txt')))).message).toMatch(/none\.txt: energy list not found/);
  });
});
