/**
 * Example: the 2D pipeline from an analysis script, with progress and Ctrl-C cancellation.
 *   npx tsx scripts/examples/pipeline-2d.ts [INPUT] [OUT]
 * INPUT defaults to the simulated 2d-small sample (simulated here if absent).
 */
import { existsSync } from 'node:fs';
import { disposeSharedGpuContext, runPipeline2d, simulate } from '../../src/index.ts';

const input = process.argv[2] ?? 'samples/generated/2d-small';
const outDir = process.argv[3] ?? 'runs/example-2d';

if (!existsSync(`${input}/manifest.json`) && input.endsWith('2d-small')) {
  await simulate('2d-small', { outDir: input, force: existsSync(input) });
}

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());

try {
  const result = await runPipeline2d({
    input,
    outDir,
    force: true,
    backend: 'auto',
    signal: ac.signal,
    onProgress: (ev) => {
      if (ev.done === ev.total || ev.stage !== 'ptycho') console.error(`${ev.stage} ${ev.done.toFixed(0)}/${ev.total} ${ev.message ?? ''}`);
    },
  });
  const x = result.xanes;
  console.log(`mean Ni oxidation state ${x.oxidationMean.toFixed(3)} (5–95%: ${x.oxidationP05.toFixed(2)}–${x.oxidationP95.toFixed(2)})`);
  if (result.truth) console.log(`RMS error vs truth ${result.truth.rmsError.toFixed(3)} over ${result.truth.pixels} pixels`);
  console.log(`maps in ${result.outDir}/xanes, everything in ${result.files.resultsH5}`);
} finally {
  disposeSharedGpuContext();
}
