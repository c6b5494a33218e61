/**
 * After the iterations: the illumination map, and the ambiguities ePIE cannot fix
 * removed on the well-lit area — a global phase offset, a linear phase ramp (the object
 * ramp e^{i g·r} trades against a probe ramp e^{−i g·u}) and, optionally, the object/probe
 * amplitude scale. Each change to the object is balanced on the probe, so the pair stays a
 * valid reconstruction (used to warm-start the next energy).
 */
import type { ComplexArray, RealArray } from '../core/arrays.ts';
import type { ScanPixels } from './geometry.ts';

/** Σ_j Σ_k |P_k|² of every window placed on the object grid (nearest whole pixel). */
export function illuminationMap(probe: Float32Array, K: number, h: number, w: number, scan: ScanPixels): Float32Array {
  const density = new Float32Array(h * w);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < h * w; i++) {
      const re = probe[2 * (k * h * w + i)];
      const im = probe[2 * (k * h * w + i) + 1];
      density[i] += re * re + im * im;
    }
  }
  const W = scan.objectWidth;
  const map = new Float32Array(scan.objectHeight * W);
  for (let j = 0; j < scan.ix.length; j++) {
    for (let r = 0; r < h; r++) {
      const o = (scan.iy[j] + r) * W + scan.ix[j];
      for (let c = 0; c < w; c++) map[o + c] += density[r * w + c];
    }
  }
  return map;
}

export function wellLitMask(illumination: Float32Array, fraction: number): Uint8Array {
  let max = 0;
  for (const v of illumination) if (v > max) max = v;
  const mask = new Uint8Array(illumination.length);
  for (let i = 0; i < mask.length; i++) mask[i] = illumination[i] > fraction * max ? 1 : 0;
  return mask;
}

/** Multiplies every complex value at (r, c) of `frames` [count, H, W] by e^{i·sign·(gx·c + gy·r + a)}. */
function applyLinearPhase(data: Float32Array, count: number, H: number, W: number, gx: number, gy: number, a: number, sign: number): void {
  for (let f = 0; f < count; f++) {
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        const ph = sign * (gx * c + gy * r + a);
        const cr = Math.cos(ph);
        const ci = Math.sin(ph);
        const p = 2 * ((f * H + r) * W + c);
        const re = data[p];
        const im = data[p + 1];
        data[p] = re * cr - im * ci;
        data[p + 1] = re * ci + im * cr;
      }
    }
  }
}

/**
 * Removes the object's mean phase gradient and phase offset on `mask` (gradient from the
 * phase of Σ O(r, c+1)·O*(r, c): no unwrapping needed), compensating the probe.
 * Returns the removed ramp (rad/pixel) and offset (rad).
 */
export function removePhaseRamp(
  obj: Float32Array, H: number, W: number, mask: Uint8Array,
  probe: Float32Array, K: number, h: number, w: number,
): { gx: number; gy: number; offset: number } {
  let xr = 0;
  let xi = 0;
  let yr = 0;
  let yi = 0;
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const i = r * W + c;
      if (!mask[i]) continue;
      const ar = obj[2 * i];
      const ai = obj[2 * i + 1];
      if (c + 1 < W && mask[i + 1]) {
        const br = obj[2 * i + 2];
        const bi = obj[2 * i + 3];
        xr += br * ar + bi * ai;
        xi += bi * ar - br * ai;
      }
      if (r + 1 < H && mask[i + W]) {
        const br = obj[2 * (i + W)];
        const bi = obj[2 * (i + W) + 1];
        yr += br * ar + bi * ai;
        yi += bi * ar - br * ai;
      }
    }
  }
  const gx = xr || xi ? Math.atan2(xi, xr) : 0;
  const gy = yr || yi ? Math.atan2(yi, yr) : 0;
  applyLinearPhase(obj, 1, H, W, gx, gy, 0, -1);
  let sr = 0;
  let si = 0;
  for (let i = 0; i < H * W; i++) {
    if (!mask[i]) continue;
    sr += obj[2 * i];
    si += obj[2 * i + 1];
  }
  const offset = sr || si ? Math.atan2(si, sr) : 0;
  applyLinearPhase(obj, 1, H, W, 0, 0, offset, -1);
  applyLinearPhase(probe, K, h, w, gx, gy, offset, 1);
  return { gx, gy, offset };
}

/** Scales the object so the `q`-quantile of |O| on `mask` is 1 (the probe by the inverse); returns the factor applied to the object. */
export function normalizeObjectModulus(obj: Float32Array, mask: Uint8Array, probe: Float32Array, q = 0.95): number {
  const mods: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) mods.push(Math.hypot(obj[2 * i], obj[2 * i + 1]));
  if (!mods.length) return 1;
  mods.sort((a, b) => a - b);
  const ref = mods[Math.min(mods.length - 1, Math.floor(q * mods.length))];
  if (!(ref > 0)) return 1;
  const s = 1 / ref;
  for (let i = 0; i < obj.length; i++) obj[i] *= s;
  for (let i = 0; i < probe.length; i++) probe[i] /= s;
  return s;
}

/** Integrated attenuation −ln|O| (|O| floored at 1e-12 so empty pixels stay finite). */
export function attenuation(obj: ComplexArray): RealArray {
  const n = obj.data.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = -Math.log(Math.max(1e-12, Math.hypot(obj.data[2 * i], obj.data[2 * i + 1])));
  return { data: out, shape: [...obj.shape] };
}
