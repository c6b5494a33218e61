/**
 * WGSL sources live in `shaders/*.wgsl`, one concern per file. They are located with
 * `new URL(..., import.meta.url)`, which Node resolves to a file and Vite turns into a
 * bundled asset, so the same code loads shaders in both.
 *
 * A line `#include "name"` (or `#include <name>`) pastes `shaders/name.wgsl` in its place,
 * once per module, so shared helpers (complex arithmetic, dispatch indexing) are not copied.
 */
const sourceCache = new Map<string, Promise<string>>();

function shaderUrl(name: string): URL {
  return new URL(`../../shaders/${name}.wgsl`, import.meta.url);
}

async function fetchText(url: URL): Promise<string> {
  if (url.protocol === 'file:') {
    const { readFile } = await import(/* @vite-ignore */ 'node:fs/promises');
    return readFile(url, 'utf8');
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`shader ${url.href}: HTTP ${res.status}`);
  return res.text();
}

/** Raw text of `shaders/<name>.wgsl` (no include expansion). */
export function loadShaderFile(name: string): Promise<string> {
  let p = sourceCache.get(name);
  if (!p) {
    p = fetchText(shaderUrl(name)).catch((e: unknown) => {
      sourceCache.delete(name);
      throw new Error(`shader '${name}': cannot load shaders/${name}.wgsl: ${(e as Error).message}`);
    });
    sourceCache.set(name, p);
  }
  return p;
}

const INCLUDE = /^[ \t]*#include\s+["<]([\w\-./]+)[">][ \t]*$/gm;

/** Source of a shader with its `#include` lines expanded (each file at most once). */
export async function loadShader(name: string, seen: Set<string> = new Set()): Promise<string> {
  seen.add(name);
  const text = await loadShaderFile(name);
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(INCLUDE)) {
    parts.push(text.slice(last, m.index));
    const inc = m[1];
    parts.push(seen.has(inc) ? `// (already included: ${inc})` : await loadShader(inc, seen));
    last = m.index! + m[0].length;
  }
  parts.push(text.slice(last));
  return parts.join('');
}
