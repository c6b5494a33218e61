/**
 * Task plans without a cluster: local worker processes give the same products as one
 * worker and as the single-process pipeline (the warm start read back from disk in another
 * process equals the one kept in memory), the plan's shape for both chains, and the
 * one-line refusals (another version, edited options, no sbatch, an index out of range).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { createProgressReporter } from '../src/cli/progress.ts';
import { runPipeline2d, planChain2d } from '../src/pipeline/pipeline2d.ts';
import { tasks3d } from '../src/pipeline/chain3d.ts';
import { runLocalWorkers } from '../src/scaleout/local.ts';
import { makePlan, readPlan } from '../src/scaleout/plan.ts';
import { readAllRecords } from '../src/scaleout/records.ts';
import { runSelectedTasks } from '../src/scaleout/task-runner.ts';
import { jobsFor } from '../src/scaleout/work.ts';
import { projectScaleout, scalingLimit, type ScaleoutModel } from '../src/scaleout/projection.ts';
import { presetConfig } from '../src/sim/config.ts';
import { simulate } from '../src/sim/index.ts';
import { runProducts, sameProducts } from './helpers/run-products.ts';

let root: string;
let input: string;
// 2d-small's 17 energies on a 12×9 scan, few iterations: the bookkeeping, not the science.
const opts = { backend: 'cpu' as const, epie: { iterations: 4 }, warmIterations: 3 };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ptyx-local-'));
  input = join(root, 'in');
  const c = presetConfig('2d-small');
  await simulate({ ...c, name: '2d-scaleout', scan: { ...c.scan, grid: [12, 9] } }, { outDir: input, backend: 'cpu' });
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), progress: () => createProgressReporter({ quiet: true }), signal: new AbortController().signal };
  return { code: await main(argv, io), out, err };
}

describe('local workers', () => {
  it('2 workers give the same products as 1 worker and as one process (warm starts read back from disk)', async () => {
    const ref = await runPipeline2d({ ...opts, input, outDir: join(root, 'one') });
    const one = join(root, 'w1');
    await planChain2d({ ...opts, input, outDir: one });
    const r1 = await runLocalWorkers(one, 1);
    expect(r1.failed).toEqual([]);
    const two = join(root, 'w2');
    const { plan } = await planChain2d({ ...opts, input, outDir: two });
    // The first energies in this process, the rest in two workers: energy 6 warm-starts from
    // energy 5's files, written by another process.
    const first = await runSelectedTasks(two, { index: 0, through: 5 });
    expect(first.ran).toEqual([0, 1, 2, 3, 4, 5]);
    const r2 = await runLocalWorkers(two, 2);
    expect(r2).toMatchObject({ workers: 2, ran: plan.tasks.length - 6, failed: [] });
    const recs = await readAllRecords(two, plan);
    expect(new Set(recs.slice(6).map((r) => r!.job))).toEqual(new Set(['local-0', 'local-1']));
    const files = await runProducts(ref.outDir);
    await sameProducts(ref.outDir, one, files);
    await sameProducts(ref.outDir, two, files);
  }, 240_000);
});

describe('plans', () => {
  it('orders the 3D chain: one phase per energy with same-angle warm starts, one chain with the previous', () => {
    const entry = (e: number, a: number) => ({ file: `f${e}.cxi`, entry: `entry_${a}`, energyEv: 8300 + e, angleDeg: a * 10, nFrames: 4, height: 8, width: 8 });
    const series = { energiesEv: [0, 1, 2, 3].map((e) => 8300 + e), anglesDeg: [0, 10, 20], entries: [0, 1, 2, 3].map((e) => [0, 1, 2].map((a) => entry(e, a))), files: [] };
    const wide = tasks3d(series, { warmFrom: 'same-angle' });
    const p1 = makePlan('pipeline-3d', '/in', {}, { ...wide.data }, wide.specs);
    const name = (i: number) => p1.tasks[i].id.replace(/ptycho\/E0(\d+)\.00eV\/A\+0(\d+)\.000deg/, '$1@$2');
    const j1 = jobsFor(p1, []);
    // The first reconstruction; then each energy's first angle beside the previous energy's others.
    expect(j1.map((j) => j.tasks.map(name))).toEqual([
      ['8300@00'],
      ['8300@10', '8300@20', '8301@00'],
      ['8301@10', '8301@20', '8302@00'],
      ['8302@10', '8302@20', '8303@00'],
      ['8303@10', '8303@20'],
      // Projections, the 4 energies' tomography (reference first, then outward), registration, fit.
      ['projections', 'tomo/E08303.00eV', 'tomo/E08302.00eV', 'tomo/E08301.00eV', 'tomo/E08300.00eV', 'tomo', 'xanes'],
    ]);
    expect(p1.tasks.find((t) => name(t.index) === '8302@20')!.deps.map(name).sort()).toEqual(['8301@20', '8302@00']);
    const chain = tasks3d(series, {});
    const p2 = makePlan('pipeline-3d', '/in', {}, { ...chain.data }, chain.specs);
    expect(jobsFor(p2, []).map((j) => [j.type, j.tasks.length])).toEqual([['serial', p2.tasks.length]]);
  });

  it('runs parallel chains as lanes: one array element per chain', () => {
    const specs = [0, 1, 2].flatMap((s) => [0, 1, 2, 3].map((c) => ({ id: `t${s}-${c}`, kind: 'k', deps: s ? [`t${s - 1}-${c}`] : [], outputs: [] })));
    const p = makePlan('pipeline-2d', '/in', {}, {}, [...specs, { id: 'end', kind: 'k', deps: specs.map((x) => x.id), outputs: [] }]);
    const jobs = jobsFor(p, []);
    expect(jobs.map((j) => j.type)).toEqual(['lanes', 'serial']);
    expect(jobs[0].lanes!.map((l) => l.map((i) => p.tasks[i].id))).toEqual([0, 1, 2, 3].map((c) => [0, 1, 2].map((s) => `t${s}-${c}`)));
    // Resubmitted after chain 2 failed at its second step: only that chain's rest, then the end.
    const recs = p.tasks.map((t) => (/t[12]-2/.test(t.id) || t.id === 'end' ? null : ({ status: 'done' } as never)));
    expect(jobsFor(p, recs).map((j) => j.tasks.map((i) => p.tasks[i].id))).toEqual([['t1-2', 't2-2', 'end']]);
  });
});

describe('projection on N devices', () => {
  const m: ScaleoutModel = { energies: 25, angles: 241, positions: 2500, coldIterations: 50, warmIterations: 30, updatesPerS: 1e4, taskOverheadS: 1, bytesPerReconstruction: 3.3e8, filesystemBytesPerS: 5e10, tomoSPerEnergy: 600, registerS: 60, fitS: 120, warmFrom: 'same-angle', tomoMode: 'each' };
  it('scales the ePIE to one device per angle, then stops; one chain never scales', () => {
    const cold = (2500 * 50) / 1e4 + 1;
    const warm = (2500 * 30) / 1e4 + 1;
    expect(projectScaleout(m, 1).ptychoS).toBeCloseTo(cold + 241 * cold + 24 * 241 * warm, 6);
    expect(projectScaleout(m, 241).ptychoS).toBeCloseTo(2 * cold + 24 * warm, 6);
    expect(projectScaleout(m, 482).ptychoS).toBe(projectScaleout(m, 241).ptychoS);
    // The tomography chain from the last energy: 25 energies one after another.
    expect(projectScaleout(m, 1000).tomoS).toBeCloseTo(25 * 601, 6);
    expect(projectScaleout({ ...m, tomoMode: 'shared' }, 1000).tomoS).toBeCloseTo(2 * 601, 6);
    expect(scalingLimit(m)).toBeLessThanOrEqual(256);
    const chain = { ...m, warmFrom: 'previous' as const };
    expect(projectScaleout(chain, 64).ptychoS).toBe(projectScaleout(chain, 1).ptychoS);
    expect(scalingLimit(chain)).toBe(1);
    // A slow filesystem bounds the ePIE.
    expect(projectScaleout({ ...m, filesystemBytesPerS: 1e8 }, 241).ioBoundS).toBeCloseTo((25 * 241 * 3.3e8) / 1e8, 3);
  });
});

describe('one-line refusals', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'planned');
    await planChain2d({ ...opts, input, outDir: dir, warmStart: false });
  }, 60_000);

  it('an index out of range', async () => {
    const r = await cli('task', dir, '--index', '99');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/task index out of range: the plan has 19 tasks.*expected 0 … 18, found 99/);
  });

  it('no sbatch: names SLURM and how to run locally', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(root, 'no-bin');
    try {
      const r = await cli('submit', dir, '--scheduler', 'slurm');
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/SLURM's sbatch is not on PATH.*--scheduler local --workers N/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('a plan from another version, or with edited options', async () => {
    const planFile = join(dir, 'plan.json');
    const good = await readFile(planFile, 'utf8');
    try {
      await writeFile(planFile, good.replace(/"version": "[^"]+"/, '"version": "0.0.1"'));
      let r = await cli('task', dir, '--index', '0');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/planned by another version of ptyxanes.*expected [\d.]+, found 0\.0\.1/);
      const edited = JSON.parse(good);
      edited.options.epie.iterations = 400;
      await writeFile(planFile, JSON.stringify(edited));
      r = await cli('status', dir);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/options in plan\.json were edited after planning/);
    } finally {
      await writeFile(planFile, good);
    }
    expect((await readPlan(dir)).tasks).toHaveLength(19);
    // Planning again into the folder with other options: refused, as a resume would be.
    await expect(planChain2d({ ...opts, input, outDir: dir, warmStart: false, resume: true, epie: { iterations: 5 } })).rejects.toThrow(/different options.*epie/);
  });
});
