/**
 * Example: fit a registered −ln|O| stack yourself and compare two calibrations, e.g. the
 * shipped NiO/LiNiO2 line against one that includes Ni metal.
 *   npx tsx scripts/examples/fit-stack.ts STACK.tif ENERGIES.json
 */
import { defaultCalibration, disposeSharedGpuContext, fitXanes, readEnergies, readTiff } from '../../src/index.ts';

const [stackPath, energiesPath] = process.argv.slice(2);
if (!stackPath || !energiesPath) {
  console.error('usage: npx tsx scripts/examples/fit-stack.ts STACK.tif ENERGIES.json');
  process.exit(2);
}
const stack = await readTiff(stackPath);
const energiesEv = await readEnergies(energiesPath);

try {
  const withMetal = defaultCalibration({ energiesEv, includeMetal: true });
  for (const [name, calibration] of [
    ['shipped (NiO, LiNiO2)', defaultCalibration({ energiesEv })],
    ['with Ni metal', withMetal],
  ] as const) {
    const r = await fitXanes(stack, energiesEv, { calibration, backend: 'auto' });
    const s = r.summary;
    console.log(`${name}: slope ${calibration.valencePerEv.toFixed(3)} valence/eV; mean state ${s.oxidationMean.toFixed(3)}, median ±${s.medianOxidationStd.toFixed(3)} over ${s.nFitted} pixels`);
  }
} finally {
  disposeSharedGpuContext();
}
