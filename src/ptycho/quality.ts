/**
 * Agreement of a reconstruction with ground truth, after the ambiguities ePIE cannot
 * resolve: a global complex factor (phase offset and amplitude scale) and a linear phase
 * ramp, both removed on a mask (normally the well-lit area).
 */
import { removePhaseRamp } from './postprocess.ts';

/** Normalised RMS error ‖γ·a − b‖/‖b‖ on `mask`, with γ the best complex factor, after removing each one's phase ramp. */
export function normalizedRmsError(recon: Float32Array, truth: Float32Array, H: number, W: number, mask: Uint8Array): number {
  const a = Float32Array.from(recon);
  const b = Float32Array.from(truth);
  const dummy = new Float32Array(2 * 16 * 16);
  removePhaseRamp(a, H, W, mask, dummy, 1, 16, 16);
  removePhaseRamp(b, H, W, mask, dummy, 1, 16, 16);
  let nr = 0;
  let ni = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < H * W; i++) {
    if (!mask[i]) continue;
    const ar = a[2 * i];
    const ai = a[2 * i + 1];
    const br = b[2 * i];
    const bi = b[2 * i + 1];
    nr += ar * br + ai * bi; // conj(a)·b
    ni += ar * bi - ai * br;
    aa += ar * ar + ai * ai;
    bb += br * br + bi * bi;
  }
  if (!(aa > 0) || !(bb > 0)) return Infinity;
  const gr = nr / aa;
  const gi = ni / aa;
  let err = 0;
  for (let i = 0; i < H * W; i++) {
    if (!mask[i]) continue;
    const ar = a[2 * i];
    const ai = a[2 * i + 1];
    const dr = gr * ar - gi * ai - b[2 * i];
    const di = gr * ai + gi * ar - b[2 * i + 1];
    err += dr * dr + di * di;
  }
  return Math.sqrt(err / bb);
}
