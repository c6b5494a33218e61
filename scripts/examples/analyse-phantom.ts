/**
 * Example: the analysis on phantoms with known answers: two "samples" of six crystals
 * (two of them touching), the state rising from the core to the surface by diffusion
 * (Dt = 150² nm², i.e. D = 6.25e-18 m²/s over one hour) from a pristine or a cycled core.
 * Writes each sample's tables, profiles, fits and pictures, and the comparison, into OUT.
 *   npx tsx scripts/examples/analyse-phantom.ts OUT
 * (The README's figures come from this script.)
 */
import { join } from 'node:path';
import { analyseStateMap, ballPhantom, compareSamples, diffusionFraction, writeAnalysisOutputs, writeComparisonOutputs } from '../../src/index.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: npx tsx scripts/examples/analyse-phantom.ts OUT');
  process.exit(2);
}
const pixelNm = 40;
const crystals = [
  { c: [22, 22], r: 15 }, { c: [22, 64], r: 13 }, { c: [24, 104], r: 14 },
  { c: [66, 26], r: 16 }, { c: [66, 70], r: 14 }, { c: [70, 96], r: 12 }, // the last two touch
];
const samples = [];
for (const [name, core, seed] of [['pristine', 2.3, 1], ['cycled', 2.8, 2]] as const) {
  // Each crystal's own radius sets its sphere; noise 0.1 valence per pixel, as the 2D pipeline reads.
  const ph = ballPhantom([90, 124], crystals, (dPx, k) => core + (3.3 - core) * diffusionFraction(dPx * pixelNm, 150 ** 2, 'sphere', crystals[k].r * pixelNm), 0.1, seed);
  const r = analyseStateMap({ state: ph.state, shape: ph.shape, pixelSizeM: pixelNm * 1e-9, uncertainty: ph.std, edgeStep: ph.edgeStep }, { timeS: 3600, geometry: 'sphere' });
  await writeAnalysisOutputs(r, join(out, name));
  const d = r.meanFit!.diffusion;
  console.log(`${name}: ${r.crystals.length} crystals; D = ${d.diffusionM2PerS.toExponential(2)} ± ${d.diffusionErrM2PerS.toExponential(1)} m²/s (true 6.25e-18); preferred ${r.meanFit!.preferredByAic}`);
  samples.push({ name, values: ph.state.filter((_, i) => r.segmentation.labels[i] > 0) });
}
await writeComparisonOutputs(compareSamples(samples), out);
console.log(`wrote ${out}`);
