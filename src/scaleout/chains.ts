/**
 * Which executor runs the tasks of a plan, by the plan's kind (loaded on demand, so a task
 * process loads one chain's code only).
 */
import { PtyxanesError } from '../core/errors.ts';
import type { TaskExecutor } from './execute.ts';
import type { RunPlan } from './plan.ts';

export async function executorFor(plan: RunPlan): Promise<TaskExecutor> {
  if (plan.kind === 'pipeline-2d') return (await import('../pipeline/chain2d.ts')).execute2d;
  if (plan.kind === 'pipeline-3d') return (await import('../pipeline/chain3d.ts')).execute3d;
  throw new PtyxanesError('unknown plan kind', { field: 'kind', expected: "'pipeline-2d' or 'pipeline-3d'", found: String(plan.kind) });
}
