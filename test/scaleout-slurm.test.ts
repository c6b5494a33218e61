/**
 * The task plans of both chains through a real one-node SLURM cluster (Debian slurm-wlm +
 * munge, started by scripts/slurm-local.sh; CI sets REQUIRE_SLURM=1 so a missing cluster
 * fails): plan + submit + wait, products compared byte for byte with the single-process
 * pipeline on the same data and options; a corrupt input entry that fails its task, shows
 * in `status`, and after repair reruns alone with what depends on it.
 * Reduced data and iterations (2D: 2d-small's 17 energies on a 12×9 scan; 3D: 3d-ci with 16
 * energies × 4 angles): the question here is the bookkeeping and the equality, not the science.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline2d, planChain2d } from '../src/pipeline/pipeline2d.ts';
import { runPipeline3d, planChain3d } from '../src/pipeline/pipeline3d.ts';
import { readAllRecords } from '../src/scaleout/records.ts';
import { submitSlurm } from '../src/scaleout/slurm.ts';
import { formatStatus, waitForRun } from '../src/scaleout/status.ts';
import { withDependents } from '../src/scaleout/plan.ts';
import { presetConfig } from '../src/sim/config.ts';
import { simulate } from '../src/sim/index.ts';
import { sameProducts, products2d, products3d } from './helpers/run-products.ts';
import { slurmForTests, stopSlurmCluster } from './helpers/slurm.ts';

const cluster = slurmForTests();
let root: string;
let in2d: string;
let in3d: string;
const opts2d = { backend: 'cpu' as const, warmStart: false, epie: { iterations: 4 }, warmIterations: 3 };
const opts3d = { backend: 'cpu' as const, warmFrom: 'same-angle' as const, epie: { iterations: 8 }, warmIterations: 5, sirtIterations: 10 };

beforeAll(async () => {
  if (!cluster.ok) return;
  root = await mkdtemp(join(tmpdir(), 'ptyx-slurm-'));
  in2d = join(root, 'in2d');
  in3d = join(root, 'in3d');
  const c2 = presetConfig('2d-small');
  await simulate({ ...c2, name: '2d-scaleout', scan: { ...c2.scan, grid: [12, 9] } }, { outDir: in2d, backend: 'cpu' });
  const c3 = presetConfig('3d-ci');
  await simulate({ ...c3, name: '3d-scaleout', tomography: { ...c3.tomography!, angles: 4, rangeDeg: 135 } }, { outDir: in3d, backend: 'cpu' });
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  stopSlurmCluster(cluster);
});

describe.skipIf(!cluster.ok)(`SLURM (one-node cluster)${cluster.ok ? '' : `: skipped, ${cluster.why}`}`, () => {
  it('runs the 2D plan as job arrays to the same products as one process', async () => {
    const ref = await runPipeline2d({ ...opts2d, input: in2d, outDir: join(root, '2d-one') });
    const dir = join(root, '2d-slurm');
    const { plan } = await planChain2d({ ...opts2d, input: in2d, outDir: dir });
    const t0 = Date.now();
    const jobs = await submitSlurm(dir, { tasksPerJob: 9 });
    // 17 independent energies: one array of 2 elements (9 and 8 tasks); registration and fit: one chain after it.
    expect(jobs.map((j) => [j.type, j.tasks.length])).toEqual([
      ['array', 17],
      ['serial', 2],
    ]);
    expect(jobs[1].dependsOn).toEqual([jobs[0].jobId]);
    const s = await waitForRun(dir, { timeoutS: 300 });
    console.log(`2D through SLURM: ${plan.tasks.length} tasks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(s.complete, formatStatus(s)).toBe(true);
    const recs = await readAllRecords(dir, plan);
    expect(recs.every((r) => r?.job && r.host && r.backend === 'cpu')).toBe(true);
    await sameProducts(ref.outDir, dir, await products2d(dir));
  }, 400_000);

  it('runs the 3D plan (same-angle warm starts: one array per energy; per-energy tomography) to the same products as one process', async () => {
    const ref = await runPipeline3d({ ...opts3d, input: in3d, outDir: join(root, '3d-one') });
    const dir = join(root, '3d-slurm');
    const { plan } = await planChain3d({ ...opts3d, input: in3d, outDir: dir });
    const t0 = Date.now();
    const jobs = await submitSlurm(dir, { tasksPerJob: 2 });
    // The first reconstruction; then one array per energy (its first angle beside the previous
    // energy's other angles); then projections → per-energy tomography chain → registration →
    // fit as one job.
    expect(jobs.map((j) => [j.type, j.tasks.length])).toEqual([['serial', 1], ...new Array(15).fill(['array', 4]), ['array', 3], ['serial', 19]]);
    const s = await waitForRun(dir, { timeoutS: 400 });
    console.log(`3D through SLURM: ${plan.tasks.length} tasks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(s.complete, formatStatus(s)).toBe(true);
    await sameProducts(ref.outDir, dir, await products3d(dir));
  }, 500_000);

  it('shows a corrupt input entry as a failed task, and after repair reruns only it and what depends on it', async () => {
    const dir = join(root, '2d-fail');
    const { plan } = await planChain2d({ ...opts2d, input: in2d, outDir: dir });
    const data = join(in2d, 'data.cxi');
    await copyFile(data, join(root, 'data.cxi.good'));
    const victim = plan.tasks.find((t) => t.id === 'ptycho/E08344.00eV')!;
    const entry = victim.inputs[0].split('#')[1];
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/corrupt-position.mts', data, entry], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    try {
      await submitSlurm(dir, { tasksPerJob: 9 });
      const s = await waitForRun(dir, { timeoutS: 300 });
      const text = formatStatus(s);
      expect(s.failed, text).toBe(1);
      expect(s.errors[0].id).toBe(victim.id);
      expect(text).toMatch(/position is not a finite number/);
      expect(s.done).toBe(16);
    } finally {
      await copyFile(join(root, 'data.cxi.good'), data);
    }
    const before = await readAllRecords(dir, plan);
    const jobs = await submitSlurm(dir, { tasksPerJob: 9 });
    const rerun = jobs.flatMap((j) => j.tasks).sort((a, b) => a - b);
    expect(rerun).toEqual([...withDependents(plan, [victim.index])].sort((a, b) => a - b));
    expect(rerun.map((i) => plan.tasks[i].id)).toEqual([victim.id, 'register', 'xanes']);
    const s = await waitForRun(dir, { timeoutS: 300 });
    expect(s.complete, formatStatus(s)).toBe(true);
    const after = await readAllRecords(dir, plan);
    for (const [i, r] of before.entries()) if (r?.status === 'done') expect(after[i]!.startedAt, plan.tasks[i].id).toBe(r.startedAt);
    await sameProducts(join(root, '2d-one'), dir, await products2d(dir));
    expect(JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')).complete).toBe(true);
  }, 600_000);
});
