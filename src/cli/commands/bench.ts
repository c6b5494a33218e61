import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from '../main.ts';

const scriptsDir = fileURLToPath(new URL('../../../scripts/', import.meta.url));

export const spec: CommandModule['spec'] = {
  name: 'bench',
  summary: 'run the benchmark scripts (scripts/bench-*.ts) and print one table',
  usage: 'ptyxanes bench [--only NAMES] [--quick]',
  options: {
    only: { type: 'list', meta: 'NAMES', help: `run only these benches (${benchNames().join(', ')})` },
    quick: { type: 'boolean', default: false, help: 'pass --quick to benches that support it (smaller cases)' },
  },
  examples: ['ptyxanes bench', 'ptyxanes bench --only fft,xanes --json'],
};

/** Names of the bench scripts present (scripts/bench-NAME.ts). */
function benchNames(): string[] {
  try {
    return readdirSync(scriptsDir).filter((f) => /^bench-[\w-]+\.ts$/.test(f)).map((f) => f.replace(/^bench-|\.ts$/g, ''));
  } catch {
    return [];
  }
}

/** Flattens a bench's JSON output into (key, value) rows for one table. */
function flatten(x: unknown, prefix = ''): [string, string][] {
  if (x === null || typeof x !== 'object') return [[prefix, typeof x === 'number' ? fmt(x) : String(x)]];
  if (Array.isArray(x)) return x.flatMap((v, i) => flatten(v, `${prefix}[${(v as { label?: string; name?: string })?.label ?? (v as { name?: string })?.name ?? i}]`));
  return Object.entries(x).flatMap(([k, v]) => (k === 'label' || k === 'name' ? [] : flatten(v, prefix ? `${prefix}.${k}` : k)));
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

function runScript(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export async function run({ options }: { options: Record<string, unknown> }, io: Parameters<CommandModule['run']>[1]): Promise<number> {
  const only = options.only as string[] | undefined;
  const files = benchNames()
    .filter((name) => !only || only.includes(name))
    .map((name) => `bench-${name}.ts`);
  const rep = io.progress({ quiet: options.quiet as boolean });
  const results: Record<string, unknown> = {};
  const rows: [string, string, string][] = [];
  let failed = 0;
  for (const [i, f] of files.entries()) {
    rep.onProgress({ stage: 'bench', done: i, total: files.length, message: f });
    const r = await runScript(scriptsDir + f, options.quick ? ['--quick'] : []);
    const name = f.replace(/^bench-|\.ts$/g, '');
    let parsed: unknown;
    try {
      // The JSON document starts at the first line that opens one (pretty-printed or one line).
      const lines = r.stdout.split('\n');
      const start = lines.findIndex((l) => l.startsWith('{') || l.startsWith('['));
      parsed = start < 0 ? null : JSON.parse(lines.slice(start).join('\n'));
    } catch {
      parsed = null;
    }
    if (r.code !== 0 || parsed === null) {
      failed++;
      rep.log(`bench ${name} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      continue;
    }
    results[name] = parsed;
    for (const [k, v] of flatten(parsed)) rows.push([name, k, v]);
  }
  rep.done();
  if (options.json) io.out(JSON.stringify(results, null, 2));
  else {
    const w0 = Math.max(5, ...rows.map((r) => r[0].length));
    const w1 = Math.max(6, ...rows.map((r) => r[1].length));
    io.out(`${'bench'.padEnd(w0)}  ${'metric'.padEnd(w1)}  value`);
    for (const r of rows) io.out(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
  }
  return failed ? 1 : 0;
}
