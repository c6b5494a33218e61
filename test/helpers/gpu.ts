/**
 * GPU access for tests. Without an adapter, GPU tests skip, unless REQUIRE_GPU=1 (CI),
 * where a missing adapter fails them.
 */
import { afterAll } from 'vitest';
import { GpuContext } from '../../src/gpu/context.ts';

export const requireGpu = process.env.REQUIRE_GPU === '1';

let ctxPromise: Promise<GpuContext | null> | null = null;

/** One context per test file (vitest runs files in separate processes). */
export function testGpu(): Promise<GpuContext | null> {
  if (!ctxPromise) {
    ctxPromise = GpuContext.create().catch((e: Error) => {
      if (requireGpu) throw new Error(`REQUIRE_GPU=1 but no WebGPU adapter: ${e.message}`);
      return null;
    });
    afterAll(async () => {
      const ctx = await ctxPromise!.catch(() => null);
      ctx?.dispose();
    });
  }
  return ctxPromise;
}

/**
 * Use in a GPU test: `const ctx = await gpuOrSkip(ctx => ...)`. Returns the context, or
 * calls `skip()` (vitest's context skip) when there is no adapter and none is required.
 */
export async function gpuOrSkip(skip: (note?: string) => void): Promise<GpuContext> {
  const ctx = await testGpu();
  if (!ctx) {
    skip('no WebGPU adapter (set REQUIRE_GPU=1 to make this a failure)');
    throw new Error('unreachable');
  }
  return ctx;
}
