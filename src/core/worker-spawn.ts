/**
 * One way to start a Node worker thread on one of our modules, for every room that uses
 * threads (FFT, ePIE, registration, tomography). Compiled (dist/), the worker's compiled
 * `.js` twin starts directly; from the TypeScript sources (tests, scripts, development), a
 * `.ts` module gets a small eval'd bootstrap that registers tsx's ESM loader inside the
 * worker first. Node-only: callers
 * check `canUseWorkerThreads()` and run inline elsewhere (browsers).
 */
type NodeWorker = import('node:worker_threads').Worker;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Whether typed arrays can be shared with worker threads here. */
export function canUseWorkerThreads(): boolean {
  return isNode && typeof SharedArrayBuffer !== 'undefined';
}

let tsxApi: Promise<string> | null = null;

/** file:// URL of tsx's ESM register API, resolved from this package once. */
function tsxApiUrl(): Promise<string> {
  tsxApi ??= (async () => {
    const { createRequire } = await import(/* @vite-ignore */ 'node:module');
    const { pathToFileURL } = await import(/* @vite-ignore */ 'node:url');
    const req = createRequire(import.meta.url);
    const pkg = req.resolve('tsx/package.json');
    const exp = (req(pkg) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
    return pathToFileURL(pkg.replace(/package\.json$/, '') + exp.replace(/^\.\//, '')).href;
  })();
  return tsxApi;
}

/**
 * In the compiled package (this module runs as dist/core/worker-spawn.js), a worker named
 * by its source file ('./x.worker.ts', as every spawner writes it, so that Vite and tsx see
 * the real file) runs the compiled sibling './x.worker.js' that the build put beside it: no
 * loader, no TypeScript at run time, and new worker modules need no build step of their own.
 */
export function compiledTwin(moduleUrl: string): string {
  if (!/\.js$/.test(new URL(import.meta.url).pathname)) return moduleUrl;
  return moduleUrl.replace(/\.([cm]?)ts((?:[?#].*)?)$/, '.$1js$2');
}

/**
 * Starts a worker running `moduleUrl` (an absolute file URL, usually
 * `new URL('./x.worker.ts', import.meta.url).href`). `execArgv: []` keeps the parent's
 * flags (e.g. a test runner's loader) out of the worker.
 */
export async function spawnModuleWorker(moduleUrl: string): Promise<NodeWorker> {
  const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads');
  moduleUrl = compiledTwin(moduleUrl);
  if (!/\.[cm]?ts$/.test(new URL(moduleUrl).pathname)) return new Worker(new URL(moduleUrl), { execArgv: [] });
  const boot = `import(${JSON.stringify(await tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl)}); });`;
  return new Worker(boot, { eval: true, execArgv: [] });
}

/** Resolves once the worker posts `{ ready: true }` (its module loaded), rejects on an early error. */
export function workerReady(w: NodeWorker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onMsg = (m: { ready?: boolean }) => {
      if (!m?.ready) return;
      w.off('message', onMsg);
      w.off('error', reject);
      resolve();
    };
    w.on('message', onMsg);
    w.once('error', reject);
  });
}

/** Cores available to this process (Node's os module when present, else the browser's hint). */
export async function availableCores(): Promise<number> {
  if (isNode) {
    const os = await import(/* @vite-ignore */ 'node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}
