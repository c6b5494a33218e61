/**
 * "Simulate a sample": the smallest experiment the whole chain accepts, simulated in the
 * page's Worker in a few seconds. All 17 energies of the 2d-small preset (the XANES fit
 * needs ≥ 12 in its window and 2 pre-/post-edge), 32² patterns at 2.5 m (156 nm object
 * pixels, under the zone plate's 200 nm outermost zone, which the simulator requires),
 * 7×6 positions at 0.4 µm over three 1–1.6 µm crystals. test/browser-app.test.ts writes
 * the same experiment to a CXI file.
 */
import { presetConfig, type SimConfig } from '../../sim/config.ts';

export function demoSampleConfig(): SimConfig {
  const cfg = presetConfig('2d-small');
  cfg.name = 'browser-demo';
  cfg.description = 'the 2d-small sample shrunk for a browser demo: 32² patterns, 7×6 positions, three crystals, 17 energies';
  cfg.detector.crop = 32;
  cfg.detector.distanceM = 2.5;
  cfg.scan.grid = [7, 6];
  cfg.scan.stepM = [4e-7, 4e-7];
  cfg.sample.extentM = [3e-6, 3e-6];
  cfg.sample.crystals = 3;
  cfg.sample.sizeRangeM = [1e-6, 1.6e-6];
  return cfg;
}
