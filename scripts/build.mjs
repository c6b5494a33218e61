#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm ci` in a checkout builds it): compiles every
 * src/**\/*.ts into dist/ (same layout) as plain ES modules Node runs without a loader, with
 * .d.ts declarations beside them. Plain JavaScript, so it runs before anything is compiled.
 *
 * - JavaScript: esbuild, file by file (no bundling, so every module, worker modules
 *   included, stays a file of its own and `import.meta.url` keeps pointing at it); relative
 *   `.ts` specifiers become `.js`. Every .ts file under src/ is picked up: no list to keep.
 * - Non-TypeScript files under src/ (e.g. src/sim/data/*.json) are copied beside them.
 * - Assets outside src/ (shaders/, data/, samples/, scripts/) are not copied: dist/ sits at
 *   the package root like src/, so `new URL('../../shaders/x.wgsl', import.meta.url)` and
 *   `../../samples/*.json` imports resolve to the same files from either.
 * - Declarations: tsc (tsconfig.build.json). Type errors do not stop the build (the
 *   JavaScript does not depend on them; `npm run typecheck` is where they fail): a checkout
 *   with someone's half-finished types still installs. `--no-types` skips them (fast path
 *   for tests that need only the JavaScript); `--strict` makes type errors fatal.
 *
 * The output is written to dist.tmp/ and renamed over dist/ at the end, so an interrupted
 * build never leaves a half-written dist/. dist/.built records when it finished (bin/
 * ptyxanes.mjs compares it with src/ to avoid running stale code).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const out = join(root, 'dist.tmp');
const final = join(root, 'dist');
const noTypes = process.argv.includes('--no-types');
const strict = process.argv.includes('--strict');
const t0 = Date.now();

/** Every file under dir, recursively (sorted, so builds are reproducible). */
function walk(dir) {
  const files = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...walk(p));
    else if (e.isFile()) files.push(p);
  }
  return files;
}

/** Relative import specifiers ending in .ts → .js (static, dynamic and re-exports). */
function rewriteSpecifiers(code) {
  return code.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"'\n]*?)\.([cm]?)ts\2/g, (_, kw, q, path, m) => `${kw}${q}${path}.${m}js${q}`);
}

// esbuild comes with tsx (a dependency); resolved from here so a checkout needs nothing else.
const require = createRequire(import.meta.url);
const esbuild = require(require.resolve('esbuild', { paths: [root, dirname(require.resolve('tsx/package.json'))] }));

rmSync(out, { recursive: true, force: true });
const all = walk(src);
const tsFiles = all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
await esbuild.build({
  entryPoints: tsFiles,
  outdir: out,
  outbase: src,
  bundle: false,
  format: 'esm',
  platform: 'node',
  // The engines floor: below 20.10 esbuild would drop the JSON imports' `with { type: 'json' }`.
  target: 'node20.19',
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
let rewritten = 0;
for (const f of walk(out)) {
  if (!f.endsWith('.js')) continue;
  const code = readFileSync(f, 'utf8');
  // A JSON import that lost its attribute would fail only when first loaded: fail here.
  const bare = /\bfrom\s*["'][^"']+\.json["'](?!\s*with)/.exec(code);
  if (bare) {
    console.error(`build: ${relative(root, f)}: JSON import without \`with { type: 'json' }\`: ${bare[0]}`);
    process.exit(1);
  }
  const next = rewriteSpecifiers(code);
  if (next !== code) {
    writeFileSync(f, next);
    rewritten++;
  }
}
for (const f of all) {
  if (f.endsWith('.ts')) continue;
  const to = join(out, relative(src, f));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(f, to);
}

let typeNote = 'no declarations (--no-types)';
if (!noTypes) {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { cwd: root, encoding: 'utf8' });
  const dts = walk(out).filter((f) => f.endsWith('.d.ts'));
  for (const f of dts) writeFileSync(f, rewriteSpecifiers(readFileSync(f, 'utf8')));
  if (r.status !== 0) {
    const errors = (r.stdout + r.stderr).split('\n').filter((l) => /error TS\d+/.test(l));
    if (strict || !dts.length) {
      process.stderr.write(r.stdout + r.stderr);
      process.stderr.write(`build: declarations failed (${errors.length} type errors)\n`);
      process.exit(1);
    }
    console.warn(`build: warning: ${errors.length} type error(s); declarations written anyway (npm run typecheck shows them). First: ${errors[0] ?? '?'}`);
  }
  typeNote = `${dts.length} declaration files`;
}

writeFileSync(join(out, '.built'), `${new Date().toISOString()}\n`);
rmSync(final, { recursive: true, force: true });
renameSync(out, final);
if (!existsSync(join(final, 'index.js'))) {
  console.error('build: dist/index.js missing after the build');
  process.exit(1);
}
console.log(`build: ${tsFiles.length} modules → dist/ (${rewritten} with rewritten imports), ${typeNote}, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
