/**
 * Example: the 3D pipeline from an analysis script, with progress and Ctrl-C cancellation.
 *   npx tsx scripts/examples/pipeline-3d.ts [INPUT] [OUT]
 * INPUT defaults to the simulated 3d-small sample (simulated here if absent).
 */
import { existsSync } from 'node:fs';
import { disposeSharedGpuContext, runPipeline3d, simulate } from '../../src/index.ts';

const input = process.argv[2] ?? 'samples/generated/3d-small';
const outDir = process.argv[3] ?? 'runs/example-3d';
const resume = process.argv.includes('--resume');

if (!existsSync(`${input}/manifest.json`) && input.endsWith('3d-small')) {
  await simulate('3d-small', { outDir: input, force: existsSync(input) });
}

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());
const t0 = Date.now();
let lastMsg = 0;

try {
  const result = await runPipeline3d({
    input,
    outDir,
    force: !resume,
    resume,
    backend: 'auto',
    signal: ac.signal,
    onProgress: (ev) => {
      const end = ev.done === ev.total || !String(ev.message ?? '').includes('iteration');
      if (end || Date.now() - lastMsg > 5000) {
        lastMsg = Date.now();
        console.error(`${((Date.now() - t0) / 1000).toFixed(0)} s ${ev.stage} ${ev.done.toFixed(1)}/${ev.total} ${ev.message ?? ''}`);
      }
    },
  });
  const x = result.xanes;
  console.log(`oxidation state: mean ${x.oxidationMean.toFixed(3)}, 5–95% ${x.oxidationP05.toFixed(2)}–${x.oxidationP95.toFixed(2)} over ${x.nFitted} voxels`);
  if (result.truth) console.log('truth:', JSON.stringify(result.truth));
  console.log('timings:', JSON.stringify(result.timingsS));
  console.log(`volume: ${result.files.oxidationState}`);
} finally {
  await disposeSharedGpuContext();
}
