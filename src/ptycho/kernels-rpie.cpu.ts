import type { WaveFrame } from './kernels.cpu.ts';

/**
 * Sequential update with per-pixel (rPIE) step denominators, the 'mpie' rule's object and
 * probe step (update-rule.ts); with γ = 1 it is ePIE's updateSequential (kernels.cpu.ts):
 *   O += a·Σ_k P_k*·Δψ_k / ((1 − γO)·Σ_k|P_k|² + γO·maxP)
 *   P_k += b·O*·Δψ_k / ((1 − γP)·|O|² + γP·maxO)      (object value before this update)
 * a = α·s, b = β·s with s the scale of `dpsi` (1/n after the unnormalised inverse FFT).
 */
export function updateSequentialRpie(
  dpsi: WaveFrame, probe: Float32Array, K: number, h: number, w: number,
  obj: Float32Array, objW: number, ix: number, iy: number,
  a: number, gO: number, maxP: number, b: number, gP: number, maxO: number,
): void {
  const fl = 2 * h * w;
  const cO = gO * maxP;
  const cP = gP * maxO;
  const kO = 1 - gO;
  const kP = 1 - gP;
  for (let r = 0; r < h; r++) {
    let o = 2 * ((iy + r) * objW + ix);
    let p = 2 * r * w;
    const end = p + 2 * w;
    if (K === 1) {
      for (; p < end; p += 2, o += 2) {
        const or = obj[o];
        const oi = obj[o + 1];
        const pr = probe[p];
        const pi = probe[p + 1];
        const dr = dpsi[p];
        const di = dpsi[p + 1];
        const sO = a / (kO * (pr * pr + pi * pi) + cO);
        obj[o] = or + sO * (pr * dr + pi * di);
        obj[o + 1] = oi + sO * (pr * di - pi * dr);
        if (b > 0) {
          const sP = b / (kP * (or * or + oi * oi) + cP);
          probe[p] = pr + sP * (or * dr + oi * di);
          probe[p + 1] = pi + sP * (or * di - oi * dr);
        }
      }
      continue;
    }
    for (; p < end; p += 2, o += 2) {
      const or = obj[o];
      const oi = obj[o + 1];
      let ur = 0;
      let ui = 0;
      let pw = 0;
      for (let k = 0, q = p; k < K; k++, q += fl) {
        const pr = probe[q];
        const pi = probe[q + 1];
        const dr = dpsi[q];
        const di = dpsi[q + 1];
        ur += pr * dr + pi * di;
        ui += pr * di - pi * dr;
        pw += pr * pr + pi * pi;
        if (b > 0) {
          const sP = b / (kP * (or * or + oi * oi) + cP);
          probe[q] = pr + sP * (or * dr + oi * di);
          probe[q + 1] = pi + sP * (or * di - oi * dr);
        }
      }
      const sO = a / (kO * pw + cO);
      obj[o] = or + sO * ur;
      obj[o + 1] = oi + sO * ui;
    }
  }
}
