/**
 * Projected wall time of the paper's 3D dataset (preset 3d-paper: 25 energies × 241 angles ×
 * 2,500 patterns of 256²) on N devices, from costs measured here: the ePIE rate at 256²
 * (measured now, as `pipeline 3d --dry-run` does), the tomography and fit scaled from 3d-small
 * (src/pipeline/plan3d.ts), the scheduler's cost per task (from scripts/bench-scaleout.ts,
 * --task-overhead). The filesystem's read rate is an assumption (--fs-gbps), said so.
 *
 *   npx tsx scripts/project-scaleout.ts [--updates-per-s R] [--task-overhead S] [--fs-gbps G] [--json]
 */
import { planPipeline3d } from '../src/pipeline/plan3d.ts';
import { projectScaleout, scalingLimit, type ScaleoutModel } from '../src/scaleout/projection.ts';
import { resolveConfig } from '../src/sim/resolve.ts';
import { hostInfo } from './host-info.ts';

const args = process.argv.slice(2);
const arg = (k: string) => (args.includes(k) ? Number(args[args.indexOf(k) + 1]) : undefined);
const cfg = resolveConfig('3d-paper');
const p = await planPipeline3d(cfg);
const rate = arg('--updates-per-s') ?? p.cpuPatternUpdatesPerS;
const base: ScaleoutModel = {
  energies: p.energies,
  angles: p.angles,
  positions: p.positions,
  coldIterations: 50,
  warmIterations: 30,
  updatesPerS: rate,
  taskOverheadS: arg('--task-overhead') ?? 1,
  bytesPerReconstruction: p.positions * p.patternPx ** 2 * 2,
  filesystemBytesPerS: (arg('--fs-gbps') ?? 5) * 1e9,
  tomoSPerEnergy: p.cpuSeconds.tomo / p.energies,
  registerS: p.cpuSeconds.tomo / p.energies / 10,
  fitS: p.cpuSeconds.xanes,
  warmFrom: 'same-angle',
  tomoMode: 'each',
};
const h = (s: number) => (s >= 86400 ? `${(s / 86400).toFixed(1)} d` : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${(s / 60).toFixed(0)} min`);
const Ns = [1, 8, 32, 64, 128, 241, 482, 964];
const variants: [string, Partial<ScaleoutModel>][] = [
  ['same-angle, tomography each', {}],
  ['same-angle, tomography shared', { tomoMode: 'shared' }],
  ['same-angle, each, reference in the middle', { referenceIndex: Math.floor(p.energies / 2) }],
  ['previous (default), each', { warmFrom: 'previous' }],
];
const out = variants.map(([name, v]) => {
  const m = { ...base, ...v };
  return { name, limit: scalingLimit(m), points: Ns.map((n) => projectScaleout(m, n)) };
});
if (args.includes('--json')) console.log(JSON.stringify({ host: hostInfo(), model: base, out }, null, 2));
else {
  console.log(`3d-paper: ${p.energies} energies × ${p.angles} angles × ${p.positions} patterns of ${p.patternPx}²; ePIE ${rate.toFixed(0)} pattern updates/s per device${arg('--updates-per-s') ? ' (given)' : ' (measured now on this CPU, 2 threads)'}, tomography ${h(base.tomoSPerEnergy)} per energy, fit ${h(base.fitS)}, ${base.taskOverheadS} s per task, filesystem ${base.filesystemBytesPerS / 1e9} GB/s (assumed); load ${hostInfo().loadAverage1m}`);
  console.log(`| plan | ${Ns.map((n) => `N=${n}`).join(' | ')} | stops scaling at |\n|---|${Ns.map(() => '---').join('|')}|---|`);
  for (const o of out) console.log(`| ${o.name} | ${o.points.map((q) => `${h(q.totalS)} (ePIE ${h(q.ptychoS)}, tomo ${h(q.tomoS)})`).join(' | ')} | ${o.limit} |`);
}
