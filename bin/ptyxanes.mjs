#!/usr/bin/env node
// The CLI, compiled (dist/, from `npm run build`, which `npm ci` runs in a checkout): no
// loader and no TypeScript at run time. Where src/ changed after the last build (a checkout
// being edited) or nothing is built, it runs the TypeScript sources through tsx's loader
// instead, so an edit takes effect at once and stale compiled code never runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}dist/.built`;

/** True when some file under dir is newer than t (ms). */
function newerThan(dir, t) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory() ? newerThan(p, t) : statSync(p).mtimeMs > t) return true;
  }
  return false;
}

let compiled = existsSync(stamp);
if (compiled && existsSync(`${root}src`) && newerThan(`${root}src`, statSync(stamp).mtimeMs)) {
  compiled = false;
  process.stderr.write('ptyxanes: src/ changed since the last build: running the TypeScript sources (npm run build compiles them)\n');
}
let main;
if (compiled) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
