/**
 * The GPU runtime in a real browser tab: headless Chromium (SwiftShader WebGPU), page
 * served by Vite from the sources, driven by playwright-core. Skips without Chromium
 * unless REQUIRE_GPU=1 (CI installs it).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireGpu } from './helpers/gpu.ts';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);

describe.runIf(haveChromium || requireGpu)('browser (Chromium + WebGPU)', () => {
  let server: import('vite').ViteDevServer | undefined;
  let browser: import('playwright-core').Browser | undefined;
  let url = '';

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`REQUIRE_GPU=1 but no Chromium at ${chromiumPath} (apt-get install chromium)`);
    const { createServer } = await import('vite');
    server = await createServer({
      root: process.cwd(),
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
      optimizeDeps: { noDiscovery: true, include: ['fft.js'] },
    });
    await server.listen();
    const addr = server.httpServer!.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}/test/browser/index.html`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
        '--enable-features=Vulkan',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('gets an adapter, loads WGSL through the bundler and runs kernels', async () => {
    const page = await browser!.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, undefined, { timeout: 180_000 });
    const result = await page.evaluate(() => window.__result!);
    expect(result.error ?? '', logs.join('\n')).toBe('');
    expect(result.ok).toBe(true);
    expect(result.checks!.cmulMaxError).toBe(0);
    for (const [k, v] of Object.entries(result.checks!)) {
      if (k.endsWith('RelError')) expect(v, k).toBeLessThan(1e-4);
    }
    expect(result.checks!.checksError, 'browser-side stage checks').toBeUndefined();
    expect(result.checks!.fftFrames).toBe(4);
    expect(result.checks!.cpuFftWasm, 'the CPU FFT runs its WebAssembly SIMD kernel in the tab').toBe(1);
  });
});
