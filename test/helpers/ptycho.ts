/** Shared start values for ePIE tests that compare two paths (GPU/CPU, SIMD/JavaScript FFT). */
import type { SyntheticData } from '../../src/ptycho/index.ts';
import { Rng } from '../../src/ptycho/order.ts';

/**
 * A slightly rough start object: from a perfectly flat object and a band-limited probe the
 * first exit waves are zero outside the pupil, where the modulus constraint then takes its
 * phase from rounding noise (different on every backend). Any real start avoids that.
 */
export function roughObject(d: SyntheticData, shape = d.object.shape) {
  const rng = new Rng(5);
  const data = new Float32Array(2 * shape[0] * shape[1]);
  for (let i = 0; i < data.length; i += 2) {
    const ph = 0.2 * (rng.next() - 0.5);
    data[i] = Math.cos(ph);
    data[i + 1] = Math.sin(ph);
  }
  return { data, shape };
}

