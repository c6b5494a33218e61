/**
 * Projection angles from sidecar files, in degrees: JSON `[0, 0.75, …]` or
 * `{ "degrees": […] }` (also `anglesDeg`, `angles_deg`, or `angles` with `"unit": "deg"`),
 * or text, one number per line or separated by whitespace/commas (`#` comments). Radians
 * are refused where the file says so (`"radians"`, `unit: "rad"`) and, in tomography's
 * geometry, when all values lie within ±2π.
 */
import { PtyxanesError } from '../core/errors.ts';

export function parseAngles(file: string, text: string): Float64Array {
  let values: unknown;
  let field = 'angles';
  if (/^\s*[[{]/.test(text)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      throw new PtyxanesError('invalid JSON', { file, expected: 'a JSON list of angles in degrees', found: (err as Error).message });
    }
    if (Array.isArray(v)) values = v;
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('radians' in o || /^rad/i.test(String(o.unit ?? o.units ?? ''))) {
        throw new PtyxanesError('angles are in radians', { file, field: 'unit', expected: 'degrees ({"degrees": [...]})', found: 'radians' });
      }
      const key = ['degrees', 'anglesDeg', 'angles_deg', 'angles'].find((k) => k in o);
      if (!key) throw new PtyxanesError('no angles in JSON', { file, expected: 'a list, or {"degrees": [...]}', found: `keys ${Object.keys(o).join(', ') || 'none'}` });
      field = key;
      values = o[key];
    }
    if (!Array.isArray(values)) throw new PtyxanesError('angles are not a list', { file, field, expected: 'a list of numbers (degrees)', found: typeof values });
  } else {
    values = text
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean)
      .flatMap((l) => l.split(/[\s,;]+/).filter(Boolean));
  }
  const list = values as unknown[];
  if (!list.length) throw new PtyxanesError('no angles', { file, field, expected: 'at least one angle in degrees', found: 'none' });
  return Float64Array.from(list, (x, i) => {
    const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
    if (!Number.isFinite(n)) throw new PtyxanesError('not a number', { file, field: `${field}[${i}]`, expected: 'an angle in degrees', found: JSON.stringify(x) });
    return n;
  });
}

/** Node: reads and parses an angle file. */
export async function readAngles(path: string): Promise<Float64Array> {
  const [{ readFile }, { requireInputFile }] = await Promise.all([import('node:fs/promises'), import('./files.ts')]);
  const abs = await requireInputFile(path, 'angle list');
  return parseAngles(abs, await readFile(abs, 'utf8'));
}
