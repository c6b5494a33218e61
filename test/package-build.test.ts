/**
 * The compiled package: a plain Node script (no loader, no TypeScript) imports the library
 * by its name from dist/ and runs a tiny reconstruction, with the ePIE, FFT and registration
 * worker threads running compiled modules; the CLI's bin runs dist/ and falls back to the
 * sources when they are newer. dist/ is built by `npm ci` (prepare); a checkout whose dist/
 * is missing or older than src/ gets the JavaScript rebuilt here (about a second).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };

const root = resolve(__dirname, '..');
const dist = join(root, 'dist');

function newestUnder(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  const stamp = join(dist, '.built');
  if (!existsSync(stamp) || newestUnder(join(root, 'src')) > statSync(stamp).mtimeMs) {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--no-types'], { cwd: root, stdio: 'pipe' });
  }
});

describe('compiled package', () => {
  it('package.json points exports, types and bin at dist/', () => {
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(pkg.main).toBe('./dist/index.js');
    expect(pkg.types).toBe('./dist/index.d.ts');
    expect(pkg.scripts.prepare).toContain('scripts/build.mjs');
    // Every module of src/ is compiled (no hand-kept list): one .js per .ts.
    const count = (dir: string, ext: string): number =>
      readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? count(join(dir, e.name), ext) : e.name.endsWith(ext) && !e.name.endsWith('.d.ts') ? 1 : 0), 0);
    expect(count(dist, '.js')).toBe(count(join(root, 'src'), '.ts'));
    if (existsSync(join(dist, 'index.d.ts'))) expect(readFileSync(join(dist, 'index.d.ts'), 'utf8')).toContain("from './register/index.js'");
  });

  it('a plain Node script imports it by name and reconstructs, with compiled worker threads', () => {
    const out = execFileSync(process.execPath, [join(root, 'test/helpers/plain-node.mjs')], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.resolved).toBe(`file://${join(dist, 'index.js')}`);
    expect(r.loaders).toEqual([]);
    expect(r.version).toBe(pkg.version);
    // Two ePIE iterations on two threads: a finite error that falls.
    expect(r.epie.threads).toBe(2);
    expect(r.epie.errors).toHaveLength(2);
    expect(r.epie.errors[1]).toBeLessThan(r.epie.errors[0]);
    // Registration: the right shift, and the worker pool started and took pairs.
    expect(Math.abs(r.register.shift[0] + 1.25)).toBeLessThan(0.02);
    expect(Math.abs(r.register.shift[1] - 0.5)).toBeLessThan(0.02);
    expect(r.register.error).toBeNull();
    expect(r.register.workers).toBeGreaterThan(0);
    expect(r.fft).toEqual({ workers: 1, error: null });
  });

  it('the CLI runs the compiled code (no note about running the sources)', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin/ptyxanes.mjs'), '--version'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(pkg.version);
    expect(r.stderr).toBe('');
  });
});
