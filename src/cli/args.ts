/**
 * A small typed flag parser: `--name value`, `--name=value`, boolean `--flag`/`--no-flag`,
 * positionals, and `--config FILE.json` whose values flags override. Every command declares
 * its options once; help text and validation come from that declaration.
 */
import { readFileSync } from 'node:fs';
import { PtyxanesError } from '../core/errors.ts';

export type OptionType = 'string' | 'number' | 'int' | 'boolean' | 'list';

export interface OptionSpec {
  type: OptionType;
  help: string;
  default?: unknown;
  /** Allowed values for strings. */
  choices?: readonly string[];
  /** Placeholder in help, e.g. 'DIR'. */
  meta?: string;
  alias?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  examples: string[];
  /** Names of positional arguments, shown in usage. */
  positionals?: string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', meta: 'FILE', help: 'JSON file of options (flags given on the command line win)' },
  quiet: { type: 'boolean', default: false, help: 'no progress output' },
  json: { type: 'boolean', default: false, help: 'print a machine-readable summary on stdout' },
  help: { type: 'boolean', default: false, alias: 'h', help: 'show this help' },
};

export interface ParsedArgs {
  options: Record<string, unknown>;
  positionals: string[];
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function coerce(spec: OptionSpec, name: string, raw: unknown, from: string): unknown {
  const bad = (expected: string) => new PtyxanesError(`invalid value for --${name}`, { field: from, expected, found: JSON.stringify(raw) });
  switch (spec.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      throw bad('true or false');
    case 'number':
    case 'int': {
      const v = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isFinite(v) || (spec.type === 'int' && !Number.isInteger(v))) throw bad(spec.type === 'int' ? 'an integer' : 'a number');
      return v;
    }
    case 'list': {
      if (Array.isArray(raw)) return raw.map(String);
      return String(raw).split(',').map((s) => s.trim()).filter(Boolean);
    }
    default: {
      const s = String(raw);
      if (spec.choices && !spec.choices.includes(s)) throw bad(spec.choices.join(' | '));
      return s;
    }
  }
}

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const byAlias = new Map<string, string>();
  for (const [k, s] of Object.entries(all)) if (s.alias) byAlias.set(s.alias, k);
  const fromFlags: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    let name = a.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (byAlias.has(name)) name = byAlias.get(name)!;
    let negated = false;
    if (!(name in all) && name.startsWith('no-') && all[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const os = all[name];
    if (!os) throw new PtyxanesError(`unknown option --${name} for '${spec.name}' (see 'ptyxanes ${spec.name} --help')`);
    if (os.type === 'boolean') {
      fromFlags[name] = negated ? false : value === undefined ? true : coerce(os, name, value, `--${name}`);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new PtyxanesError(`option --${name} needs a value${os.meta ? ` (${os.meta})` : ''}`);
      value = argv[++i];
    }
    fromFlags[name] = coerce(os, name, value, `--${name}`);
  }
  const options: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(all)) if (s.default !== undefined) options[k] = s.default;
  const cfgPath = fromFlags.config as string | undefined;
  if (cfgPath) {
    let cfg: unknown;
    try {
      cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    } catch (e) {
      throw new PtyxanesError(`cannot read config: ${(e as Error).message}`, { file: cfgPath });
    }
    if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) throw new PtyxanesError('config must be a JSON object', { file: cfgPath, expected: 'object', found: Array.isArray(cfg) ? 'array' : typeof cfg });
    for (const [rawKey, v] of Object.entries(cfg as Record<string, unknown>)) {
      // Accept both 'upsample-factor' and 'upsampleFactor' keys.
      const key = Object.keys(all).find((k) => k === rawKey || camel(k) === rawKey);
      if (!key) throw new PtyxanesError(`unknown option '${rawKey}'`, { file: cfgPath, field: rawKey });
      options[key] = coerce(all[key], key, v, `${cfgPath}: ${rawKey}`);
    }
  }
  Object.assign(options, fromFlags);
  return { options, positionals };
}

/** Options as camelCase keys, for passing to the library. */
export function camelOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [camel(k), v]));
}

export function formatHelp(spec: CommandSpec): string {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(all).map(([k, s]) => {
    const left = `  ${s.alias ? `-${s.alias}, ` : ''}--${k}${s.type === 'boolean' ? '' : ` ${s.meta ?? s.type.toUpperCase()}`}`;
    const extra = [s.choices ? `one of ${s.choices.join('|')}` : '', s.default !== undefined && s.default !== false ? `default ${JSON.stringify(s.default)}` : '']
      .filter(Boolean)
      .join('; ');
    return [left, `${s.help}${extra ? ` (${extra})` : ''}`];
  });
  const w = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  const lines = [
    `ptyxanes ${spec.name}: ${spec.summary}`,
    '',
    `usage: ${spec.usage}`,
    '',
    'options:',
    ...rows.map(([l, r]) => (l.length < w ? l.padEnd(w) + r : `${l}\n${' '.repeat(w)}${r}`)),
    '',
    'examples:',
    ...spec.examples.map((e) => `  ${e}`),
  ];
  return lines.join('\n');
}
