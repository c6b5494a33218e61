/**
 * The evidence behind the 3D pipeline's tomography and fit defaults (pipeline3d.ts):
 * re-runs the tomography (SIRT iterations) and the XANES fit (smoothing σ) on the
 * projections of a finished `pipeline 3d` run of a simulated sample, and prints the state
 * error against the truth for each combination. The ePIE results are reused, so each
 * combination costs seconds.
 *   npx tsx scripts/tune-pipeline3d.ts RUN_DIR SIM_DIR [SIRT_LIST] [SIGMA_LIST] [COMPONENTS_LIST]
 *   e.g. npx tsx scripts/tune-pipeline3d.ts runs/3d-small samples/generated/3d-small 10,30,200 0,0.8
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunDir } from '../src/pipeline/run-dir.ts';
import { smoothVolumes } from '../src/pipeline/smooth.ts';
import { denoiseSpectra } from '../src/pipeline/spectral-denoise.ts';
import { loadVolumeStack, runTomoStage } from '../src/pipeline/tomo-stage.ts';
import { compareWithTruth3d } from '../src/pipeline/truth3d.ts';
import type { ProjectionGrid } from '../src/pipeline/projections-stage.ts';
import { fitXanes } from '../src/xanes/index.ts';

const [runDir, simDir, sirtList = '10,30,200', sigmaList = '0,0.8', pcaList = '0'] = process.argv.slice(2);
if (!runDir || !simDir) {
  console.error('usage: npx tsx scripts/tune-pipeline3d.ts RUN_DIR SIM_DIR [SIRT_LIST] [SIGMA_LIST] [COMPONENTS_LIST]');
  process.exit(2);
}
const manifest = { ...JSON.parse(await readFile(join(simDir, 'manifest.json'), 'utf8')), dir: simDir };
const scratch = await mkdtemp(join(tmpdir(), 'ptyx-tune3d-'));
try {
  for (const iterations of sirtList.split(',').map(Number)) {
    const dir = join(scratch, `sirt-${iterations}`);
    const run = await RunDir.open(dir, { kind: 'tune', options: {}, inputs: [] });
    await cp(join(runDir, 'projections'), join(dir, 'projections'), { recursive: true });
    const grid = JSON.parse(await readFile(join(dir, 'projections', 'grid.json'), 'utf8')) as ProjectionGrid;
    const t0 = Date.now();
    const { result: tomo } = await runTomoStage(run, grid, { backend: 'cpu', sirtIterations: iterations, mode: 'each', referenceIndex: grid.energiesEv.length - 1 });
    const tomoS = (Date.now() - t0) / 1000;
    const stack = await loadVolumeStack(run, grid.energiesEv);
    for (const sigma of sigmaList.split(',').map(Number)) for (const pca of pcaList.split(',').map(Number)) {
      let x;
      try {
        x = await fitXanes(denoiseSpectra(smoothVolumes(stack, sigma), pca), grid.energiesEv, { backend: 'cpu' });
      } catch (e) {
        // e.g. spectra too noisy for the calibration's shared template: say so, go on.
        console.log(`SIRT ${iterations}, σ ${sigma}, components ${pca || 'all'}: fit failed (${(e as Error).message})`);
        continue;
      }
      const vox = stack.data.length / grid.energiesEv.length;
      const reference = { data: stack.data.subarray(tomo.referenceIndex * vox, (tomo.referenceIndex + 1) * vox), shape: tomo.shape };
      const t = (await compareWithTruth3d(manifest, x, grid, tomo, reference))!;
      console.log(
        `SIRT ${iterations} (tomography ${tomoS.toFixed(1)} s), σ ${sigma}, components ${pca || 'all'}: fitted ${x.summary.nFitted} voxels, mean ${x.summary.oxidationMean.toFixed(3)}; vs truth RMS ${t.rmsError.toFixed(3)} bias ${t.bias.toFixed(3)} correlation ${t.correlation.toFixed(3)} over ${t.voxels} interior voxels (${t.missing} unfitted), truth spread ${t.truthStd.toFixed(3)}; shift error max ${Math.max(...t.shiftErrorPx).toFixed(3)} px`,
      );
    }
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
