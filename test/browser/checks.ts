// Stage checks run inside the browser tab (kept separate so the page stays small).
import type { GpuContext } from '../../src/gpu/context.ts';

export async function runChecks(_ctx: GpuContext): Promise<Record<string, number>> {
  return {};
}
