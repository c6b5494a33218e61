import { PtyxanesError } from '../../core/errors.ts';
import { planChain2d } from '../../pipeline/pipeline2d.ts';
import { planChain3d } from '../../pipeline/pipeline3d.ts';
import { phaseRanges } from '../../scaleout/work.ts';
import type { CommandModule } from '../main.ts';
import { pipelineOptionsFrom, spec as pipelineSpec } from './pipeline.ts';

const { 'dry-run': _dryRun, ...pipelineOptions } = pipelineSpec.options;
void _dryRun;

export const spec: CommandModule['spec'] = {
  name: 'plan',
  summary: "write a run folder's task plan (plan.json) for 'submit' (SLURM or local workers) or 'task'",
  usage: 'ptyxanes plan 2d|3d (--input DATA | --preset NAME) --out RUN [pipeline options]',
  positionals: ['2d|3d'],
  options: pipelineOptions,
  examples: [
    'ptyxanes plan 2d --input scan_0042.cxi --out runs/scan42 --no-warm-start',
    'ptyxanes plan 3d --input data/3d --out runs/3d --warm-from same-angle && ptyxanes submit runs/3d --scheduler slurm --gpus-per-task 1',
  ],
};

export const run: CommandModule['run'] = async ({ options: o, positionals }, io) => {
  const kind = positionals[0];
  if (kind !== '2d' && kind !== '3d') throw new PtyxanesError("which chain? use 'plan 2d' or 'plan 3d'", { expected: '2d or 3d', found: kind ?? 'nothing' });
  const rep = io.progress({ quiet: o.quiet as boolean });
  const built = await pipelineOptionsFrom(o, kind, rep, io.signal);
  const { plan, run } = built.kind === '2d' ? await planChain2d(built.opts) : await planChain3d(built.opts);
  rep.done();
  if (o.json) {
    io.out(JSON.stringify({ dir: run.dir, kind: plan.kind, tasks: plan.tasks.length, phases: phaseRanges(plan).length }, null, 2));
    return 0;
  }
  const kinds = new Map<string, number>();
  for (const t of plan.tasks) kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
  const phases = phaseRanges(plan);
  const widest = Math.max(...phases.map((p) => p.end - p.start + 1));
  io.out(
    [
      `planned ${run.dir}: ${plan.kind}, ${plan.tasks.length} tasks (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}) in ${phases.length} phases, at most ${widest} side by side`,
      `  run it: ptyxanes submit ${run.dir} --scheduler slurm|local   (or one task: ptyxanes task ${run.dir} --index I)`,
    ].join('\n'),
  );
  return 0;
};
