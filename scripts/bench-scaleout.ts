/**
 * Scale-out: wall time of the same task plan run in one process, by 1 and 2 local worker
 * processes (alternating, best of --reps), and through SLURM (the one-node cluster of
 * scripts/slurm-local.sh, when it is up); the SLURM overhead per task and the start-up of a
 * task process, from the task records; the measured ePIE cost per pattern update.
 *
 *   npx tsx scripts/bench-scaleout.ts [--reps 2] [--cases 2d-small,3d-ci] [--skip-slurm] [--json]
 *
 * Cases (reduced iterations so a run takes tens of seconds on a loaded 2-core machine):
 * 2d-small without warm start (17 independent energies, then registration and fit), and
 * 3d-ci with same-angle warm starts (one phase of 16 angles per energy, then per-energy tomography).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline2d, planChain2d } from '../src/pipeline/pipeline2d.ts';
import { runPipeline3d, planChain3d } from '../src/pipeline/pipeline3d.ts';
import { runLocalWorkers } from '../src/scaleout/local.ts';
import { readPlan } from '../src/scaleout/plan.ts';
import { readAllRecords } from '../src/scaleout/records.ts';
import { submitSlurm } from '../src/scaleout/slurm.ts';
import { waitForRun } from '../src/scaleout/status.ts';
import { simulate } from '../src/sim/index.ts';
import { hostInfo } from './host-info.ts';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1]) || 2;
const json = args.includes('--json');
const slurmUp = !args.includes('--skip-slurm') && /idle|mixed|allocated/.test(spawnSync('sinfo', ['--noheader', '--format=%T'], { encoding: 'utf8' }).stdout ?? '');

const root = await mkdtemp(join(tmpdir(), 'ptyx-bench-scaleout-'));
const in2d = join(root, '2d-small');
const in3d = join(root, '3d-ci');
await simulate('2d-small', { outDir: in2d, backend: 'cpu' });
await simulate('3d-ci', { outDir: in3d, backend: 'cpu' });
// (simulating both is a few seconds; --cases picks what runs)

const cases = {
  '2d-small': { input: in2d, plan: planChain2d, one: runPipeline2d, opts: { backend: 'cpu' as const, warmStart: false, epie: { iterations: 10 } } },
  '3d-ci': { input: in3d, plan: planChain3d, one: runPipeline3d, opts: { backend: 'cpu' as const, warmFrom: 'same-angle' as const, epie: { iterations: 10 }, warmIterations: 6, sirtIterations: 30 } },
};

interface Row {
  case: string;
  how: string;
  wallS: number;
  tasks: number;
  load: number;
  note?: string;
}
const rows: Row[] = [];
let k = 0;
const fresh = () => join(root, `run-${k++}`);
const load = () => hostInfo().loadAverage1m;

const only = args.includes('--cases') ? args[args.indexOf('--cases') + 1].split(',') : Object.keys(cases);
for (const [name, c] of Object.entries(cases).filter(([n]) => only.includes(n))) {
  const plan = async (dir: string) => (await (c.plan as (o: object) => Promise<{ plan: { tasks: unknown[] } }>)({ ...c.opts, input: c.input, outDir: dir })).plan;
  let t = Date.now();
  const one = fresh();
  await (c.one as (o: object) => Promise<unknown>)({ ...c.opts, input: c.input, outDir: one });
  const nTasks = (await readPlan(one)).tasks.length;
  rows.push({ case: name, how: 'one process (pipeline)', wallS: (Date.now() - t) / 1000, tasks: nTasks, load: load() });
  // The ePIE cost per pattern update, from the single-process run's records.
  const p1 = await readPlan(one);
  const recs = await readAllRecords(one, p1);
  const ptycho = recs.filter((r, i) => r && p1.tasks[i].kind === 'ptycho');
  const seconds = ptycho.reduce((s, r) => s + (r!.seconds ?? 0), 0);
  const updates = ptycho.reduce((s, r) => s + ((r!.info?.iterations as number) ?? 0), 0) * ((p1.data.entries as { nFrames: number }[])[0].nFrames ?? 0);
  rows.push({ case: name, how: 'ePIE task time per pattern update (incl. its file writes)', wallS: seconds / updates, tasks: ptycho.length, load: load(), note: `${(updates / seconds).toFixed(0)} pattern updates/s` });
  for (let r = 0; r < reps; r++) {
    for (const workers of [1, 2]) {
      const dir = fresh();
      await plan(dir);
      t = Date.now();
      const res = await runLocalWorkers(dir, workers);
      if (res.failed.length) throw new Error(`${name}: ${res.failed[0].error}`);
      rows.push({ case: name, how: `${workers} local worker${workers > 1 ? 's' : ''}`, wallS: (Date.now() - t) / 1000, tasks: nTasks, load: load() });
    }
  }
  if (slurmUp) {
    const dir = fresh();
    const pl = await plan(dir);
    t = Date.now();
    const jobs = await submitSlurm(dir, { tasksPerJob: 4 });
    const s = await waitForRun(dir, { timeoutS: 1800 });
    const wall = (Date.now() - t) / 1000;
    if (!s.complete) throw new Error(`${name}: SLURM run incomplete (${s.failed} failed)`);
    const rr = await readAllRecords(dir, await readPlan(dir));
    const starts = rr.filter((x) => x && x.uptimeS !== undefined && x.uptimeS > 0.3).map((x) => x!.uptimeS!);
    const elements = jobs.reduce((n, j) => n + (j.type === 'serial' ? 1 : j.elements.length), 0);
    rows.push({ case: name, how: `SLURM (${jobs.length} jobs, ${elements} processes)`, wallS: wall, tasks: pl.tasks.length, load: load(), note: `process start-up ${(starts.reduce((a, b) => a + b, 0) / Math.max(1, starts.length)).toFixed(2)} s each` });
  }
}
await rm(root, { recursive: true, force: true });

// SLURM overhead per task: its wall time beyond the best 2-worker local run, per task.
for (const name of only) {
  const best2 = Math.min(...rows.filter((r) => r.case === name && r.how === '2 local workers').map((r) => r.wallS));
  const sl = rows.find((r) => r.case === name && r.how.startsWith('SLURM'));
  if (sl) sl.note = `${sl.note}; ${((sl.wallS - best2) / sl.tasks).toFixed(3)} s per task beyond 2 local workers`;
}
if (json) console.log(JSON.stringify({ host: hostInfo(), rows }, null, 2));
else {
  console.log(`bench-scaleout: ${hostInfo().cores} cores, ${hostInfo().cpuModel}; best of ${reps}, 1 and 2 workers alternating`);
  console.log('| case | how | wall s | tasks | load | note |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.case} | ${r.how} | ${r.wallS < 0.01 ? r.wallS.toExponential(2) : r.wallS.toFixed(1)} | ${r.tasks} | ${r.load} | ${r.note ?? ''} |`);
}
