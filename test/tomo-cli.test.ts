/**
 * `ptyxanes tomo` as a user meets it: a misaligned projection stack with its angles in,
 * an aligned SIRT volume and its pictures, curves and summary out; bad input answered
 * with one line naming the file and field and a non-zero exit code.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { createProgressReporter } from '../src/cli/progress.ts';
import { readTiff, writeTiff } from '../src/io/tiff.ts';
import { forwardProject } from '../src/tomo/project.ts';
import { halfTurnAngles, sheppLogan3d } from '../src/tomo/synthetic.ts';
import { shutdownTomoWorkers } from '../src/tomo/threads.ts';
import { shiftStack } from '../src/register/shift.ts';
import { gaussianRandom, seededRandom } from '../src/register/synthetic.ts';

let dir: string;
const n = 40;
const nz = 16;
const nA = 48;
const angles = halfTurnAngles(nA);
let truthShifts: Float64Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptyxanes-tomo-'));
  const truth = sheppLogan3d(n, nz, 0.75);
  const clean = await forwardProject(truth, angles, { backend: 'cpu' });
  const gauss = gaussianRandom(seededRandom(9));
  truthShifts = Float64Array.from({ length: 2 * nA }, () => 2 * gauss());
  await writeTiff(join(dir, 'proj.tif'), shiftStack(clean, truthShifts, 'fourier', 0));
  await writeFile(join(dir, 'angles.json'), JSON.stringify({ degrees: Array.from(angles) }));
  await writeFile(join(dir, 'angles.txt'), Array.from(angles).join('\n'));
});
afterAll(async () => {
  await shutdownTomoWorkers();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), progress: () => createProgressReporter({ quiet: true }), signal: new AbortController().signal };
  let code: number;
  try {
    code = await main(argv, io);
  } catch (e) {
    err += (e as Error).message;
    code = 1;
  }
  return { code, out, err };
}

describe('ptyxanes tomo', () => {
  it('aligns and reconstructs a projection stack, writing the volume, curves, pictures and summary', async () => {
    const out = join(dir, 'run');
    const r = await cli('tomo', '--input', join(dir, 'proj.tif'), '--angles', join(dir, 'angles.json'), '--out', out, '--align', '--iterations', '40', '--min', '0', '--backend', 'cpu', '--voxel-size-nm', '40', '--json');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.volume).toEqual([nz, n, n]);
    expect(s.alignment.converged || s.alignment.stalled).toBe(true);
    for (const f of ['volume.tif', 'slices.png', 'aligned_projections.tif', 'shifts.csv', 'alignment.csv', 'alignment.png', 'residuals.csv', 'residuals.png', 'summary.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const vol = await readTiff(join(out, 'volume.tif'));
    expect(vol.shape).toEqual([nz, n, n]);
    // the shifts found undo the applied ones, up to the gauge (mean, axis)
    const csv = (await readFile(join(out, 'shifts.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(csv.length).toBe(nA);
    const dy = csv.map((c, a) => c[2] + truthShifts[2 * a]);
    const my = dy.reduce((p, v) => p + v, 0) / nA;
    expect(Math.sqrt(dy.reduce((p, v) => p + (v - my) ** 2, 0) / nA)).toBeLessThan(0.3);
    // a second run into the same folder is refused without --force
    const again = await cli('tomo', '--input', join(dir, 'proj.tif'), '--angles', join(dir, 'angles.json'), '--out', out, '--algorithm', 'fbp');
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/refusing to overwrite/);
  });

  it('reconstructs by FBP with angles from a text file', async () => {
    const r = await cli('tomo', '--input', join(dir, 'proj.tif'), '--angles', join(dir, 'angles.txt'), '--out', join(dir, 'fbp'), '--algorithm', 'fbp', '--filter', 'hann', '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/fbp, hann/);
  });

  it('streams SIRT slab by slab from the file into the same volume as in memory', async () => {
    const a = await cli('tomo', '--input', join(dir, 'proj.tif'), '--angles', join(dir, 'angles.json'), '--out', join(dir, 'mem'), '--iterations', '15', '--backend', 'cpu');
    const b = await cli('tomo', '--input', join(dir, 'proj.tif'), '--angles', join(dir, 'angles.json'), '--out', join(dir, 'stream'), '--iterations', '15', '--backend', 'cpu', '--slab-rows', '5', '--json');
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(JSON.parse(b.out).streamed.slabRows).toBe(5);
    const va = await readTiff(join(dir, 'mem', 'volume.tif'));
    const vb = await readTiff(join(dir, 'stream', 'volume.tif'));
    expect(vb.shape).toEqual(va.shape);
    expect(vb.data).toEqual(va.data);
    expect(existsSync(join(dir, 'stream', 'slices.png'))).toBe(true);
    const refused = await cli('tomo', '--input', join(dir, 'proj.tif'), '--angles', join(dir, 'angles.json'), '--out', join(dir, 'stream2'), '--slab-rows', '5', '--align');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/--slab-rows: streaming reconstructs by SIRT/);
  });

  it('answers bad input with one line naming the file and field', async () => {
    const bad = async (name: string, content: string | null, args: string[], pattern: RegExp) => {
      if (content !== null) await writeFile(join(dir, name), content);
      const r = await cli('tomo', '--out', join(dir, `bad-${name}`), '--backend', 'cpu', ...args);
      expect(r.code).not.toBe(0);
      expect(r.err.trim().split('\n').length, r.err).toBe(1);
      expect(r.err).toMatch(pattern);
    };
    const proj = ['--input', join(dir, 'proj.tif')];
    await bad('few.json', JSON.stringify(Array.from(angles).slice(1)), [...proj, '--angles', join(dir, 'few.json')], /angles: angle count differs from projection count \(expected 48 angles/);
    await bad('rad.json', JSON.stringify(Array.from(angles, (a) => (a * Math.PI) / 180)), [...proj, '--angles', join(dir, 'rad.json')], /angles look like radians/);
    await bad('ok.json', JSON.stringify(Array.from(angles)), [...proj, '--angles', join(dir, 'ok.json'), '--centre', '70'], /centreCol: rotation axis outside the detector/);
    const nanStack = { data: new Float32Array(nA * 4 * 8).fill(1), shape: [nA, 4, 8] };
    nanStack.data[100] = NaN;
    await writeTiff(join(dir, 'nan.tif'), nanStack);
    await bad('ok2.json', JSON.stringify(Array.from(angles)), ['--input', join(dir, 'nan.tif'), '--angles', join(dir, 'ok2.json')], /nan\.tif: projections\[3, 0, 4\]: not a finite number/);
    await bad('broken.tif', 'this is no TIFF', ['--input', join(dir, 'broken.tif'), '--angles', join(dir, 'ok.json')], /broken\.tif/);
    await bad('empty.json', '[]', [...proj, '--angles', join(dir, 'empty.json')], /no angles/);
  });
});
