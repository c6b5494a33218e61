/** The products of a run folder that must not depend on how its tasks were scheduled, and their byte-for-byte comparison. */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'vitest';

async function walk(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, root)));
    else out.push(relative(root, p));
  }
  return out;
}

/** Every TIFF and CSV a run wrote (maps, stacks, volumes, per-task images, shifts), sorted. */
export async function runProducts(dir: string): Promise<string[]> {
  return (await walk(dir)).filter((p) => /\.(tif|csv)$/.test(p) && !p.startsWith('tasks/') && !p.startsWith('slurm/')).sort();
}
export const products2d = runProducts;
export const products3d = runProducts;

/** The same files exist in both runs, byte for byte, and the summaries agree on the science. */
export async function sameProducts(a: string, b: string, files: string[]): Promise<void> {
  expect(files.length).toBeGreaterThan(10);
  expect(await runProducts(a)).toEqual(files);
  const differ: string[] = [];
  for (const f of files) if (!(await readFile(join(a, f))).equals(await readFile(join(b, f)))) differ.push(f);
  expect(differ, 'files that differ between the two runs').toEqual([]);
  const sa = JSON.parse(await readFile(join(a, 'summary.json'), 'utf8'));
  const sb = JSON.parse(await readFile(join(b, 'summary.json'), 'utf8'));
  // Everything but the fit's own timing.
  const science = ({ elapsedMs, spectraPerSecond, ...rest }: Record<string, unknown>) => (void elapsedMs, void spectraPerSecond, rest);
  expect(science(sb.xanes)).toEqual(science(sa.xanes));
  expect(sb.truth).toEqual(sa.truth);
}
