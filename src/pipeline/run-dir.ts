/**
 * A run directory: one place per pipeline run, with `run.json` holding provenance (version,
 * options, input checksums, per-stage timings) and stage completion. Every file is written
 * atomically, and a stage counts as done only once its record is saved, so an interrupted
 * run resumes (`resume: true`) without redoing finished work and never presents a partial
 * result as complete.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PtyxanesError } from '../core/errors.ts';
import { writeJson } from '../io/files.ts';
import { VERSION } from '../version.ts';

export interface InputRecord {
  path: string;
  bytes: number;
  /** 'sha256' over the whole file, or 'sha256-partial' (size + first and last 64 MiB) for huge files. */
  algorithm: 'sha256' | 'sha256-partial';
  digest: string;
}

export interface StageRecord {
  status: 'done';
  startedAt: string;
  finishedAt: string;
  seconds: number;
  outputs: string[];
  info?: Record<string, unknown>;
}

export interface RunRecord {
  tool: 'ptyxanes';
  version: string;
  kind: string;
  createdAt: string;
  updatedAt: string;
  complete: boolean;
  options: Record<string, unknown>;
  inputs: InputRecord[];
  stages: Record<string, StageRecord>;
  host: { node: string; platform: string; arch: string };
  backend?: string;
}

const FULL_HASH_LIMIT = 2 * 1024 ** 3;
const PART = 64 * 1024 ** 2;

async function hashRange(path: string, h: ReturnType<typeof createHash>, start: number, end: number): Promise<void> {
  if (end <= start) return;
  await new Promise<void>((res, rej) => {
    createReadStream(path, { start, end: end - 1 })
      .on('data', (d) => h.update(d))
      .on('end', () => res())
      .on('error', rej);
  });
}

/** Checksum of an input file: full sha256, or a partial digest above 2 GiB (says so). */
export async function checksumFile(path: string): Promise<InputRecord> {
  const st = await stat(path);
  const h = createHash('sha256');
  if (st.size <= FULL_HASH_LIMIT) {
    await hashRange(path, h, 0, st.size);
    return { path: resolve(path), bytes: st.size, algorithm: 'sha256', digest: h.digest('hex') };
  }
  h.update(String(st.size));
  await hashRange(path, h, 0, PART);
  await hashRange(path, h, st.size - PART, st.size);
  return { path: resolve(path), bytes: st.size, algorithm: 'sha256-partial', digest: h.digest('hex') };
}

/** JSON with sorted keys (undefined left out): equal options give equal text. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  return `{${Object.keys(v as object)
    .sort()
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

export class RunDir {
  private constructor(
    readonly dir: string,
    readonly record: RunRecord,
  ) {}

  /**
   * Opens or creates a run directory. A directory holding a previous run needs `resume`
   * (same options and inputs) or `force` (start over); anything else there is refused.
   */
  static async open(dir: string, opts: { kind: string; options: Record<string, unknown>; inputs: string[]; resume?: boolean; force?: boolean }): Promise<RunDir> {
    const abs = resolve(dir);
    for (const inp of opts.inputs) {
      const rel = relative(abs, resolve(inp));
      if (!rel.startsWith('..') && rel !== '' && !opts.resume) {
        // Inputs inside the output directory would be at risk from --force.
        throw new PtyxanesError('the input lies inside the output directory', { file: inp, expected: 'an output directory apart from the inputs', found: abs });
      }
    }
    const inputs = await Promise.all(
      opts.inputs.map(async (p) => {
        try {
          return await checksumFile(p);
        } catch (e) {
          throw new PtyxanesError(`cannot read input: ${(e as Error).message}`, { file: p });
        }
      }),
    );
    const runJson = join(abs, 'run.json');
    let existing: RunRecord | null = null;
    let entries: string[] = [];
    try {
      entries = await readdir(abs);
    } catch {
      /* does not exist yet */
    }
    if (entries.includes('run.json')) existing = JSON.parse(await readFile(runJson, 'utf8')) as RunRecord;

    if (opts.resume) {
      if (!existing) throw new PtyxanesError('nothing to resume: no run.json', { file: abs });
      const was = stableStringify(existing.options);
      const now = stableStringify(opts.options);
      if (was !== now) {
        const keys = new Set([...Object.keys(existing.options), ...Object.keys(opts.options)]);
        const diff = [...keys].filter((k) => stableStringify(existing!.options[k]) !== stableStringify(opts.options[k]));
        throw new PtyxanesError(`cannot resume with different options (${diff.join(', ')}); use the same options, or --force to start over`, {
          file: runJson,
          field: diff[0],
          expected: stableStringify(existing.options[diff[0]]),
          found: stableStringify(opts.options[diff[0]]),
        });
      }
      for (const inp of inputs) {
        const old = existing.inputs.find((i) => i.path === inp.path);
        if (!old || old.digest !== inp.digest) {
          throw new PtyxanesError('cannot resume: an input changed since the run started', { file: inp.path, expected: old?.digest ?? 'the same inputs', found: inp.digest });
        }
      }
      return new RunDir(abs, existing);
    }
    if (entries.length > 0) {
      if (!opts.force) {
        throw new PtyxanesError(existing ? 'holds a previous run: use --resume to continue it or --force to start over' : 'output directory exists and is not empty (use --force to replace)', {
          file: abs,
        });
      }
      for (const e of entries) await rm(join(abs, e), { recursive: true, force: true });
    }
    try {
      await mkdir(abs, { recursive: true });
      await access(abs, fsConstants.W_OK);
    } catch (e) {
      throw new PtyxanesError(`output directory is not writable: ${(e as Error).message}`, { file: abs });
    }
    const now = new Date().toISOString();
    const rec: RunRecord = {
      tool: 'ptyxanes',
      version: VERSION,
      kind: opts.kind,
      createdAt: now,
      updatedAt: now,
      complete: false,
      options: JSON.parse(stableStringify(opts.options)),
      inputs,
      stages: {},
      host: { node: process.version, platform: process.platform, arch: process.arch },
    };
    const rd = new RunDir(abs, rec);
    await rd.save();
    return rd;
  }

  /**
   * Opens an existing run for one task of its plan (another process, maybe another node):
   * no input checksums (the plan recorded them), and nothing written here but by the final task.
   */
  static async attach(dir: string): Promise<RunDir> {
    const abs = resolve(dir);
    const runJson = join(abs, 'run.json');
    let rec: RunRecord;
    try {
      rec = JSON.parse(await readFile(runJson, 'utf8')) as RunRecord;
    } catch (e) {
      throw new PtyxanesError(`not a run folder: ${(e as Error).message}`, { file: runJson });
    }
    return new RunDir(abs, rec);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  isDone(stage: string): boolean {
    return this.record.stages[stage]?.status === 'done';
  }

  /**
   * Runs a stage unless already done; records timing and outputs once it finishes.
   * `startedMs`: when the stage's work began, if before `fn` (which may only write its
   * outputs), so `seconds` counts the work and not just the writes.
   */
  async stage<T extends Record<string, unknown> | void>(
    name: string,
    fn: () => Promise<{ outputs: string[]; info?: Record<string, unknown> } & { value?: T }>,
    opts: { startedMs?: number } = {},
  ): Promise<{ skipped: boolean; value?: T }> {
    if (this.isDone(name)) return { skipped: true };
    const t0 = opts.startedMs ?? Date.now();
    const startedAt = new Date(t0).toISOString();
    const r = await fn();
    const t1 = Date.now();
    this.record.stages[name] = {
      status: 'done',
      startedAt,
      finishedAt: new Date(t1).toISOString(),
      seconds: (t1 - t0) / 1000,
      outputs: r.outputs.map((o) => relative(this.dir, resolve(this.dir, o))),
      info: r.info,
    };
    await this.save();
    return { skipped: false, value: r.value };
  }

  async markComplete(): Promise<void> {
    this.record.complete = true;
    await this.save();
  }

  async save(): Promise<void> {
    this.record.updatedAt = new Date().toISOString();
    await writeJson(this.path('run.json'), this.record);
  }
}
