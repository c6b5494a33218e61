/**
 * Whether this host can have a hardware GPU at all, decided without loading a WebGPU
 * implementation. On Linux every hardware adapter that Dawn's Vulkan backend can open comes
 * with a device node: /dev/dri/renderD* (Mesa's radv/anv/nvk, and NVIDIA with nvidia-drm),
 * /dev/nvidia0… (NVIDIA's driver) or /dev/dxg (WSL2). Without one, 'auto' can only find a
 * software rasteriser, which it would not use (backend.ts); creating the Dawn instance just to
 * learn that costs ~80–90 MB of resident memory and ~0.1 s per process (a 1-iteration
 * `reconstruct` of PtyPy's case: 286–305 MB with the probe against 201–210 MB without,
 * BENCHMARKS.md "Whole process"). Elsewhere (macOS, Windows, browsers) the answer is unknown
 * and the adapter is probed as before.
 */

/** What the check needs from the file system (injectable for tests). */
export interface DeviceNodeLister {
  platform: string;
  /** Entries of a directory, or null when it does not exist or cannot be read. */
  list(dir: string): string[] | null;
}

/**
 * The GPU device nodes found on a Linux host ([] when there are none), or null when the
 * question cannot be answered here (not Linux, no Node file system).
 */
export function hardwareGpuNodes(lister: DeviceNodeLister | null = nodeLister()): string[] | null {
  if (!lister || lister.platform !== 'linux') return null;
  const found: string[] = [];
  for (const name of lister.list('/dev/dri') ?? []) if (/^renderD\d+$/.test(name)) found.push(`/dev/dri/${name}`);
  for (const name of lister.list('/dev') ?? []) if (/^nvidia\d+$/.test(name) || name === 'dxg') found.push(`/dev/${name}`);
  return found;
}

function nodeLister(): DeviceNodeLister | null {
  // No static `node:` import: this module is also bundled for the browser, where `process`
  // is absent and the answer is "unknown".
  const proc = (globalThis as { process?: { platform?: string; getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as { readdirSync(dir: string): string[] } | undefined;
  if (!proc?.platform || !fs) return null;
  return {
    platform: proc.platform,
    list(dir) {
      try {
        return fs.readdirSync(dir);
      } catch {
        return null;
      }
    },
  };
}
