/**
 * The browser app (src/web) in real headless Chromium (SwiftShader WebGPU), driven by
 * playwright-core: the built page served from 127.0.0.1, a tiny simulated CXI scan dropped
 * on it, reconstructed and fitted in the page's Worker; the map and histogram must render
 * and the mean oxidation state must equal the Node pipeline's on the same file. Then the
 * Node run's results.h5 is opened in the viewer. Screenshots go to out/browser-app/
 * (gitignored) as artefacts. Skips without Chromium unless REQUIRE_GPU=1 (CI installs it).
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline2d, type Pipeline2dResult } from '../src/pipeline/pipeline2d.ts';
import { simulate } from '../src/sim/index.ts';
import { demoSampleConfig } from '../src/web/worker/demo-sample.ts';
import { requireGpu } from './helpers/gpu.ts';

// The real binary: Debian's /usr/bin/chromium wrapper adds flags that break the second adapter.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const haveChromium = existsSync(chromiumPath);
const OUT = resolve('out/browser-app');
/**
 * The whole chain runs on the page's CPU path (a few seconds); SwiftShader's WebGPU takes
 * ~2.5 s per ePIE iteration even at 32² (barrier-heavy FFTs on a CPU rasteriser), so the
 * GPU path is checked on two energies. 20/10 iterations: fewer leave the tiny scan's fit
 * unstable (means from 1.2 to 2.1 at 1–4 iterations).
 */
const ITERATIONS = 20;
const WARM_ITERATIONS = 10;
const GPU_ITERATIONS = 4;
const GPU_WARM_ITERATIONS = 2;

describe.runIf(haveChromium || requireGpu)('browser app (Chromium + WebGPU)', () => {
  let server: import('vite').PreviewServer | undefined;
  let browser: import('playwright-core').Browser | undefined;
  let url = '';
  let cxi = '';
  let node: Pipeline2dResult;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`REQUIRE_GPU=1 but no Chromium at ${chromiumPath} (WITH_CHROMIUM=1 bash scripts/setup-system.sh)`);
    await rm(OUT, { recursive: true, force: true });
    await mkdir(OUT, { recursive: true });
    // The page's own demo sample (the smallest the fit accepts), written as a CXI file.
    await simulate(demoSampleConfig(), { outDir: join(OUT, 'sample') });
    cxi = join(OUT, 'sample', 'data.cxi');
    // The Node pipeline on the same file with the same settings as the page's form.
    node = await runPipeline2d({ input: cxi, outDir: join(OUT, 'run'), backend: 'cpu', epie: { iterations: ITERATIONS }, warmIterations: WARM_ITERATIONS });
    const { build, preview } = await import('vite');
    const site = join(OUT, 'site');
    await build({ configFile: resolve('src/web/vite.config.ts'), logLevel: 'silent', build: { outDir: site, emptyOutDir: true } });
    server = await preview({ configFile: resolve('src/web/vite.config.ts'), logLevel: 'silent', build: { outDir: site }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
    const addr = server.httpServer.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}/`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      // All of these: with fewer, the second adapter fails and canvas screenshots come out white.
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--enable-features=Vulkan',
        '--use-vulkan=swiftshader',
        '--use-angle=swiftshader',
        '--use-webgpu-adapter=swiftshader',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('reconstructs and fits a dropped CXI scan to the Node pipeline’s mean state', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('#gpu-status[data-gpu]');

    await page.locator('#drop').drop({ files: cxi });
    await page.waitForSelector('body[data-loaded=yes]', { timeout: 60_000 });
    expect(await page.locator('#entries tbody tr').count()).toBe(17);
    expect(await page.locator('#file-info').textContent()).toMatch(/17 energies.*42 patterns of 32×32/);
    await page.screenshot({ path: join(OUT, 'loaded.png'), fullPage: true });

    await page.fill('#iterations', String(ITERATIONS));
    await page.fill('#warm-iterations', String(WARM_ITERATIONS));
    await page.selectOption('#backend', 'cpu');
    await page.click('#start');
    await page.waitForFunction(() => document.body.dataset.fit === 'ready' || !document.getElementById('error')!.hidden, undefined, { timeout: 240_000 });
    expect(await page.locator('#error').textContent(), logs.join('\n')).toBe('');
    await page.waitForSelector('body[data-running=no]');

    const mean = Number(await page.locator('#fit-summary').getAttribute('data-mean'));
    const fitted = Number(await page.locator('#fit-summary').getAttribute('data-fitted'));
    expect(fitted).toBeGreaterThan(20);
    expect(Math.abs(mean - node.xanes.oxidationMean), `page ${mean}, node ${node.xanes.oxidationMean}`).toBeLessThan(0.05);
    // Every energy finished on the asked backend.
    expect(await page.locator('#energy-progress li.done').count()).toBe(17);
    expect(await page.locator('#energy-progress').textContent()).toContain('(cpu)');

    // The map is coloured (not blank) and the histogram has bars.
    const drawn = await page.evaluate(() => {
      const count = (id: string, pred: (r: number, g: number, b: number) => boolean) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (pred(d[i], d[i + 1], d[i + 2])) n++;
        return { n, w: c.width, h: c.height };
      };
      return {
        map: count('map', (r, g, b) => r + g + b > 0 && !(r === g && g === b)),
        bars: count('histogram', (r, g, b) => r === 70 && g === 110 && b === 170),
        refLines: count('histogram', (r, g, b) => r === 190 && g === 30 && b === 30),
      };
    });
    expect(drawn.map.n).toBeGreaterThanOrEqual(fitted);
    expect(drawn.bars.n).toBeGreaterThan(100);
    expect(drawn.refLines.n).toBeGreaterThan(20);

    // A pixel's spectrum: click the map's centre.
    await page.locator('#map').click();
    await page.waitForFunction(() => /state/.test(document.getElementById('pixel-info')!.textContent ?? ''));
    await page.screenshot({ path: join(OUT, 'fitted.png'), fullPage: true });
  }, 300_000);

  it('reconstructs on the GPU (WebGPU in the page’s Worker) as the library does on the CPU', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('#gpu-status[data-gpu]');
    expect(await page.locator('#gpu-status').getAttribute('data-gpu'), (await page.locator('#gpu-status').textContent()) ?? '').toBe('yes');
    await page.locator('#file').setInputFiles(cxi);
    await page.waitForSelector('body[data-loaded=yes]', { timeout: 60_000 });
    // Two energies only: untick all, tick the first two (a quick look before a full run).
    await page.locator('#all-entries').uncheck();
    const boxes = page.locator('#entries tbody input[data-entry]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.fill('#iterations', String(GPU_ITERATIONS));
    await page.fill('#warm-iterations', String(GPU_WARM_ITERATIONS));
    await page.selectOption('#backend', 'gpu');
    await page.click('#start');
    // Pause holds the run before its next energy; resume lets it finish.
    await page.click('#pause');
    await page.waitForFunction(() => /paused/.test(document.getElementById('run-status')!.textContent ?? ''), undefined, { timeout: 60_000 });
    const heldAt = await page.locator('#energy-progress li.done').count();
    await page.waitForTimeout(1500);
    expect(await page.locator('#energy-progress li.done').count()).toBe(heldAt);
    expect(await page.evaluate(() => document.body.dataset.running)).toBe('yes');
    await page.click('#pause');
    await page.waitForFunction(() => document.body.dataset.running === 'no', undefined, { timeout: 120_000 });
    expect(await page.locator('#error').textContent()).toBe('');
    expect(await page.locator('#run-status').textContent()).toMatch(/reconstructed 2 energies/);
    const done = page.locator('#energy-progress li.done');
    expect(await done.count()).toBe(2);
    expect(await page.locator('#energy-progress').textContent()).toContain('(gpu)');
    const pageErrors = (await done.evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.error))));
    // The same two energies through the library's CPU path in Node, same settings and warm start.
    const { openCxiEntries } = await import('../src/io/cxi.ts');
    const { reconstructEnergy, DEFAULT_SERIES_ALPHA } = await import('../src/pipeline/series-core.ts');
    const { probeModelFor } = await import('../src/pipeline/probe-model.ts');
    const sources = (await openCxiEntries(cxi)).sort((a, b) => a.geometry.energyEv - b.geometry.energyEv).slice(0, 2);
    const nodeErrors: number[] = [];
    let prev: Parameters<typeof reconstructEnergy>[1] = null;
    for (const [i, src] of sources.entries()) {
      const r = await reconstructEnergy(src, prev, i, 2, { epie: { iterations: GPU_ITERATIONS, alpha: DEFAULT_SERIES_ALPHA, backend: 'cpu' }, warmStart: true, warmIterations: GPU_WARM_ITERATIONS, probeModel: probeModelFor('zone-plate') });
      nodeErrors.push(r.errors[r.errors.length - 1]);
      prev = { object: r.object, probe: r.probe, pixelSizeM: r.pixelSizeM, originM: r.originM };
      src.close();
    }
    for (let i = 0; i < 2; i++) expect(Math.abs(pageErrors[i] / nodeErrors[i] - 1), `energy ${i}: page (gpu) ${pageErrors[i]}, node (cpu) ${nodeErrors[i]}`).toBeLessThan(0.05);
    // Object and probe drawn (not blank).
    const spread = await page.evaluate(() =>
      ['obj-amp', 'obj-phase', 'probe'].map((id) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        return seen.size;
      }),
    );
    for (const n of spread) expect(n).toBeGreaterThan(20);
    await page.screenshot({ path: join(OUT, 'gpu-two-energies.png'), fullPage: true });
  }, 180_000);

  it('simulates a sample in the tab', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.click('#simulate');
    await page.waitForSelector('body[data-loaded=yes]', { timeout: 60_000 });
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await page.locator('#entries tbody tr').count()).toBe(17);
    expect(await page.locator('#file-info').textContent()).toMatch(/simulated sample, seed 1.*42 patterns of 32×32/);
    // Reconstructs from memory (two energies, CPU: seconds).
    await page.locator('#all-entries').uncheck();
    await page.locator('#entries tbody input[data-entry]').nth(0).check();
    await page.locator('#entries tbody input[data-entry]').nth(8).check();
    await page.fill('#iterations', '5');
    await page.selectOption('#backend', 'cpu');
    await page.click('#start');
    await page.waitForFunction(() => document.body.dataset.running === 'no', undefined, { timeout: 60_000 });
    expect(await page.locator('#error').textContent()).toBe('');
    expect(await page.locator('#energy-progress li.done').count()).toBe(2);
  }, 120_000);

  it('shows a 3D result: orthogonal slices and the WebGPU volume rendering with a quarter cut away', async () => {
    // A 3D results.h5 as `pipeline 3d` will write it: /xanes/oxidation_state [z, y, x], NaN
    // outside the sample. A ball whose state rises from 2.3 at the rim to 3.5 at the core.
    const [nz, ny, nx] = [12, 16, 20];
    const state = new Float32Array(nz * ny * nx).fill(NaN);
    const R = 5.5;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      const r = Math.hypot(z - 5.5, y - 7.5, x - 9.5);
      if (r < R) state[(z * ny + y) * nx + x] = 2.3 + 1.2 * (1 - r / R);
    }
    let sum = 0;
    let n = 0;
    for (const v of state) if (Number.isFinite(v)) (sum += v), n++;
    const std = state.map((v) => (Number.isFinite(v) ? 0.05 : NaN));
    const { writeHdf5Tree } = await import('../src/io/hdf5-tree.ts');
    const file = join(OUT, 'results-3d.h5');
    await writeHdf5Tree(file, {
      attrs: { tool: 'ptyxanes', kind: 'pipeline-3d' },
      groups: { xanes: { attrs: { edge_model: 'shared' }, datasets: { oxidation_state: { data: state, shape: [nz, ny, nx], attrs: { units: 'valence', pixel_size_m: 50e-9 } }, oxidation_state_std: { data: std, shape: [nz, ny, nx] } } } },
    });
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.locator('#file').setInputFiles(file);
    await page.waitForSelector('body[data-volume=ready]', { timeout: 60_000 });
    expect(await page.locator('#error').isHidden(), (await page.locator('#error').textContent()) ?? '').toBe(true);
    expect(Number(await page.locator('#volume-summary').getAttribute('data-mean'))).toBeCloseTo(sum / n, 5);
    await page.waitForFunction(() => /drag to rotate/.test(document.getElementById('vol-render-caption')!.textContent ?? ''), undefined, { timeout: 60_000 });
    // Move the cursor by clicking the z slice; the voxel readout follows.
    await page.locator('#slice-xy').click({ position: { x: 5, y: 5 } });
    expect(await page.locator('#voxel-info').textContent()).toMatch(/voxel \(z 6, y 0, x 0\): state —/);
    await page.locator('#slice-xy').click();
    expect(await page.locator('#voxel-info').textContent()).toMatch(/state (2|3)\.\d{3} ± 0\.050/);
    await page.waitForTimeout(500);
    // The rendering (a WebGPU canvas) read back through a screenshot decoded in the page.
    const png = (await page.locator('#vol-render').screenshot()).toString('base64');
    const seen = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = new OffscreenCanvas(img.width, img.height);
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, img.width, img.height).data;
      let coloured = 0;
      let red = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] + d[i + 1] + d[i + 2] < 3 * 245) coloured++;
        if (d[i] > d[i + 2] + 60) red++;
      }
      return { coloured, red, total: d.length / 4 };
    }, png);
    await page.screenshot({ path: join(OUT, 'volume-viewer.png'), fullPage: true });
    expect(seen.coloured / seen.total, JSON.stringify(seen)).toBeGreaterThan(0.05);
    expect(seen.red, 'the > Ni3+ core drawn dense').toBeGreaterThan(50);
  }, 120_000);

  it('fits a dropped TIFF stack with its energy list, as `ptyxanes fit`', async () => {
    const stack = join(OUT, 'run', 'stack', 'attenuation_registered.tif');
    const energies = join(OUT, 'energies.txt');
    await writeFile(energies, node.energiesEv.join('\n') + '\n');
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.selectOption('#backend', 'cpu');
    await page.locator('#drop').drop({ files: [stack, energies] });
    await page.waitForSelector('body[data-fit=ready]', { timeout: 60_000 });
    expect(await page.locator('#error').isHidden(), (await page.locator('#error').textContent()) ?? '').toBe(true);
    const mean = Number(await page.locator('#fit-summary').getAttribute('data-mean'));
    expect(Math.abs(mean - node.xanes.oxidationMean), `page ${mean}, node ${node.xanes.oxidationMean}`).toBeLessThan(1e-4);
    // Without the list: the energies the pipeline wrote into the stack's description.
    await page.reload();
    await page.selectOption('#backend', 'cpu');
    await page.locator('#file').setInputFiles(stack);
    await page.waitForSelector('body[data-fit=ready]', { timeout: 60_000 });
    expect(Math.abs(Number(await page.locator('#fit-summary').getAttribute('data-mean')) - node.xanes.oxidationMean)).toBeLessThan(1e-4);
  }, 120_000);

  it('without WebGPU: says what is missing, once, and runs on the CPU path', async () => {
    const { chromium } = await import('playwright-core');
    // Plain headless Chromium on Linux: WebGPU off (no --enable-unsafe-webgpu).
    const plain = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await plain.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(url);
      await page.waitForSelector('#gpu-status[data-gpu=no]', { timeout: 30_000 });
      expect(await page.locator('#gpu-status').textContent()).toMatch(/WebGPU is not available here.*CPU path.*To use your GPU/);
      expect(await page.locator('#backend').inputValue()).toBe('cpu');
      await page.locator('#drop').drop({ files: cxi });
      await page.waitForSelector('body[data-loaded=yes]', { timeout: 60_000 });
      await page.fill('#iterations', String(ITERATIONS));
      await page.fill('#warm-iterations', String(WARM_ITERATIONS));
      await page.click('#start');
      await page.waitForFunction(() => document.body.dataset.running === 'no', undefined, { timeout: 120_000 });
      expect(await page.locator('#error').textContent()).toBe('');
      expect(Math.abs(Number(await page.locator('#fit-summary').getAttribute('data-mean')) - node.xanes.oxidationMean)).toBeLessThan(0.05);
      await page.screenshot({ path: join(OUT, 'no-webgpu.png'), fullPage: true });
    } finally {
      await plain.close();
    }
  }, 180_000);

  it('reads another layout with the reader options (PtyPy-style positions, keV, a weights mask)', async () => {
    // The same scan rewritten: 4D scan-grid data, separate fast/slow probe positions, energy
    // in keV, a 1 = good weights mask: the form's fields are the CLI's layout flags.
    const { h5 } = await import('../src/io/h5.ts');
    const { openCxiEntries } = await import('../src/io/cxi.ts');
    const foreign = join(OUT, 'foreign.h5');
    const lib = await h5();
    const f = new lib.File(foreign, 'w');
    for (const [k, s] of (await openCxiEntries(cxi)).entries()) {
      const n = s.nFrames;
      const frames = await s.readFrames(0, n);
      const e = f.create_group(`entry_${k + 1}`);
      e.create_group('data_1').create_dataset({ name: 'data', data: Uint32Array.from(frames, (v) => Math.round(v)), shape: [6, n / 6, s.height, s.width], dtype: '<I' });
      const pos = e.create_group('positions');
      pos.create_dataset({ name: 'fast', data: Float64Array.from({ length: n }, (_, i) => s.geometry.positionsM[2 * i] * 1e6) });
      pos.create_dataset({ name: 'slow', data: Float64Array.from({ length: n }, (_, i) => s.geometry.positionsM[2 * i + 1] * 1e6) });
      const inst = e.create_group('instrument_1');
      inst.create_group('source_1').create_dataset({ name: 'energy', data: s.geometry.energyEv / 1000, dtype: '<d' });
      const det = inst.create_group('detector_1');
      det.create_dataset({ name: 'distance', data: s.geometry.detectorDistanceM, dtype: '<d' });
      det.create_dataset({ name: 'x_pixel_size', data: s.geometry.detectorPixelM[0], dtype: '<d' });
      det.create_dataset({ name: 'weights', data: Uint8Array.from(s.validMask), shape: [s.height, s.width], dtype: '<B' });
      s.close();
    }
    f.close();
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.click('#reader summary');
    await page.fill('#reader [name=positionXPath]', 'positions/fast');
    await page.fill('#reader [name=positionYPath]', 'positions/slow');
    await page.selectOption('#reader [name=translationIs]', 'probe');
    await page.fill('#reader [name=positionScaleM]', '1e-6');
    await page.fill('#reader [name=maskPath]', 'instrument_1/detector_1/weights');
    await page.selectOption('#reader [name=maskGood]', 'nonzero');
    await page.selectOption('#backend', 'cpu');
    await page.locator('#file').setInputFiles(foreign);
    await page.waitForSelector('body[data-loaded=yes]', { timeout: 60_000 });
    expect(await page.locator('#error').isHidden(), (await page.locator('#error').textContent()) ?? '').toBe(true);
    expect(await page.locator('#file-info').textContent()).toMatch(/17 energies from 8270\.0 to 8420\.0 eV, 42 patterns.*64 masked pixels/);
    await page.fill('#iterations', String(ITERATIONS));
    await page.fill('#warm-iterations', String(WARM_ITERATIONS));
    await page.click('#start');
    await page.waitForFunction(() => document.body.dataset.running === 'no', undefined, { timeout: 120_000 });
    expect(await page.locator('#error').textContent()).toBe('');
    const mean = Number(await page.locator('#fit-summary').getAttribute('data-mean'));
    expect(Math.abs(mean - node.xanes.oxidationMean), `page ${mean}, node ${node.xanes.oxidationMean}`).toBeLessThan(0.01);
  }, 180_000);

  it('opens a finished run’s results.h5', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.locator('#file').setInputFiles(node.files.resultsH5);
    await page.waitForSelector('body[data-fit=ready]', { timeout: 60_000 });
    expect(await page.locator('#error').isHidden()).toBe(true);
    const mean = Number(await page.locator('#fit-summary').getAttribute('data-mean'));
    expect(Math.abs(mean - node.xanes.oxidationMean)).toBeLessThan(1e-5);
    await page.locator('#map').click();
    await page.waitForFunction(() => /state/.test(document.getElementById('pixel-info')!.textContent ?? ''));
    await page.screenshot({ path: join(OUT, 'results-viewer.png'), fullPage: true });
  }, 120_000);
});
