/**
 * `backend: 'gpu' | 'cpu' | 'auto'` for every algorithm. `auto` takes the GPU when a
 * hardware adapter exists, else the CPU path with one warning line saying why (no adapter,
 * or only a software rasteriser, which is slower than the CPU path on the same cores).
 */
import { GpuContext, NoGpuAdapterError, NO_ADAPTER_HINT, type GpuContextOptions } from './context.ts';
import { hardwareGpuNodes } from './hardware-nodes.ts';

export type Backend = 'gpu' | 'cpu' | 'auto';

export type ResolvedBackend = { kind: 'gpu'; ctx: GpuContext } | { kind: 'cpu'; reason?: string };

let shared: Promise<GpuContext> | null = null;
let sharedCtx: GpuContext | null = null;
let warned = false;
let warnSink: (line: string) => void = (line) => console.warn(line);

/** Where the one-line fallback warning goes (the CLI routes it to its progress output). */
export function setBackendWarningSink(sink: (line: string) => void): void {
  warnSink = sink;
}

/** The process-wide GPU context, created on first use. Rejects with NoGpuAdapterError if none. */
export function sharedGpuContext(opts?: GpuContextOptions): Promise<GpuContext> {
  if (!shared) {
    shared = GpuContext.create(opts).then((ctx) => (sharedCtx = ctx));
    shared.catch(() => {
      /* kept rejected: one probe per process */
    });
  }
  return shared;
}

/** Disposes the shared context (call at the end of a CLI run or test file). */
export function disposeSharedGpuContext(): void {
  sharedCtx?.dispose();
  sharedCtx = null;
  shared = null;
}

export function isBackend(x: unknown): x is Backend {
  return x === 'gpu' || x === 'cpu' || x === 'auto';
}

/**
 * Resolves a backend request. 'gpu' throws if no adapter (with how to get one); 'auto'
 * falls back to CPU with one warning per process. A caller-provided context wins.
 */
export async function resolveBackend(backend: Backend = 'auto', ctx?: GpuContext): Promise<ResolvedBackend> {
  if (!isBackend(backend)) throw new Error(`backend must be 'gpu', 'cpu' or 'auto' (found '${String(backend)}')`);
  if (backend === 'cpu') return { kind: 'cpu' };
  if (ctx) return { kind: 'gpu', ctx };
  // 'auto' on a Linux host without a GPU device node can only find a software rasteriser,
  // which it would not take: decide without loading the WebGPU implementation
  // (hardware-nodes.ts; a context already made, or PTYXANES_AUTO_SOFTWARE_GPU, still probes).
  const softwareWanted = typeof process !== 'undefined' && !!process.env?.PTYXANES_AUTO_SOFTWARE_GPU;
  if (backend === 'auto' && !shared && !softwareWanted && hardwareGpuNodes()?.length === 0) {
    if (!warned) {
      warned = true;
      warnSink('ptyxanes: no GPU device on this host (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg); using the CPU path (--backend gpu tries a software adapter).');
    }
    return { kind: 'cpu', reason: 'no GPU device node' };
  }
  try {
    const shared = await sharedGpuContext();
    // A software rasteriser (lavapipe, SwiftShader) runs kernels on the same CPU cores, slower
    // than the CPU path's own code: 'auto' means the fastest path, so it takes the CPU there.
    if (backend === 'auto' && shared.info.isSoftware && !(typeof process !== 'undefined' && process.env?.PTYXANES_AUTO_SOFTWARE_GPU)) {
      if (!warned) {
        warned = true;
        warnSink(`ptyxanes: only a software GPU adapter (${shared.info.description || shared.info.device || 'CPU rasteriser'}) is present; using the CPU path, which is faster there (--backend gpu forces the adapter).`);
      }
      return { kind: 'cpu', reason: 'software adapter' };
    }
    return { kind: 'gpu', ctx: shared };
  } catch (e) {
    const why = e instanceof NoGpuAdapterError ? e.message : `GPU initialisation failed: ${(e as Error).message}`;
    if (backend === 'gpu') throw new Error(`backend 'gpu' requested but ${why}; ${NO_ADAPTER_HINT}`);
    if (!warned) {
      warned = true;
      warnSink(`ptyxanes: no GPU (${why}); using the CPU path. To use a GPU, ${NO_ADAPTER_HINT}.`);
    }
    return { kind: 'cpu', reason: why };
  }
}

const cpuOnlyWarned = new Set<string>();

/**
 * For an algorithm that has no GPU twin yet: 'cpu' and 'auto' take the CPU path quietly
 * ('auto' means the fastest path there is); 'gpu' is not ignored: it runs the CPU path with
 * one warning line per algorithm and process, through the same sink as resolveBackend's.
 */
export function cpuOnlyBackend(algorithm: string, backend: Backend = 'auto'): ResolvedBackend {
  if (!isBackend(backend)) throw new Error(`backend must be 'gpu', 'cpu' or 'auto' (found '${String(backend)}')`);
  if (backend !== 'gpu') return { kind: 'cpu' };
  const reason = `${algorithm} has no GPU path yet`;
  if (!cpuOnlyWarned.has(algorithm)) {
    cpuOnlyWarned.add(algorithm);
    warnSink(`ptyxanes: ${reason}; backend 'gpu' runs the CPU path.`);
  }
  return { kind: 'cpu', reason };
}
