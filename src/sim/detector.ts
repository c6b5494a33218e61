/**
 * EIGER-like photon-counting detector: far-field intensity |F{ψ}|² (F the unnormalised
 * forward FFT, zero frequency moved to pixel (N/2, N/2)), Poisson counting, saturation of
 * the counter, and the mask of dead pixels and chip gaps.
 *
 * Module layout (EIGER 500k): 1030 × 514 pixels of 75 µm, 4 × 2 chips of 256 × 256 with
 * 2-pixel boundaries (the double-size pixels there are masked, as usual after
 * interpolation is switched off). The N × N crop is centred on the direct beam at
 * `beamCentrePx` on the module, so where the chip boundaries cross the crop follows from
 * the geometry.
 */
import { check } from '../core/errors.ts';
import { Rng } from './rng.ts';

export interface DetectorSpec {
  distanceM: number;
  pixelM: number;
  /** Crop size N (power of two). */
  crop: number;
  /** Counter maximum; counts are clipped there (65535: 16-bit frames). */
  saturationCounts: number;
  /** Fraction of dead pixels (random, fixed per detector). */
  deadPixelFraction: number;
  /** Direct beam on the module (column, row), pixels. */
  beamCentrePx: [number, number];
}

export const EIGER_500K = { columns: 1030, rows: 514, chip: 256, gap: 2 } as const;

/** True if module column/row `p` lies on a chip boundary (or off the module). */
function onBoundary(p: number, extent: number): boolean {
  if (p < 0 || p >= extent) return true;
  const period = EIGER_500K.chip + EIGER_500K.gap;
  return p % period >= EIGER_500K.chip;
}

/** Valid-pixel mask of the crop (1 = good), row-major [N, N]. */
export function detectorMask(det: DetectorSpec, seed: number): Uint8Array {
  const n = det.crop;
  const mask = new Uint8Array(n * n).fill(1);
  const [bc, br] = det.beamCentrePx;
  for (let r = 0; r < n; r++) {
    const mr = br - n / 2 + r;
    for (let c = 0; c < n; c++) {
      const mc = bc - n / 2 + c;
      if (onBoundary(mr, EIGER_500K.rows) || onBoundary(mc, EIGER_500K.columns)) mask[r * n + c] = 0;
    }
  }
  const rng = Rng.stream(seed, 'dead-pixels');
  for (let i = 0; i < n * n; i++) if (rng.uniform() < det.deadPixelFraction) mask[i] = 0;
  return mask;
}

/** In-place batched forward 2D FFT of B complex N×N frames (unnormalised). */
export type ForwardFft = (data: Float32Array, batch: number) => Promise<void> | void;

/**
 * Adds |F{ψ}|² of `batch` exit waves (complex [B, N, N]) to `intensity` ([B, N, N]),
 * fftshift-centred. `waves` is transformed in place.
 */
export async function addFarField(waves: Float32Array, batch: number, n: number, fft: ForwardFft, intensity: Float32Array): Promise<void> {
  await fft(waves, batch);
  const h = n / 2;
  for (let b = 0; b < batch; b++) {
    const base = b * n * n;
    for (let r = 0; r < n; r++) {
      const rowOut = base + ((r + h) % n) * n;
      const rowIn = 2 * (base + r * n);
      for (let c = 0; c < n; c++) {
        const re = waves[rowIn + 2 * c];
        const im = waves[rowIn + 2 * c + 1];
        intensity[rowOut + ((c + h) % n)] += re * re + im * im;
      }
    }
  }
}

export interface CountResult {
  counts: Uint16Array | Uint32Array;
  /** Pixels clipped at the saturation level. */
  saturated: number;
  /** Sum of counts over valid pixels. */
  total: number;
}

/**
 * Photon counts from expected intensities: Poisson, clipped at saturation, 0 at masked
 * pixels. Frames repeat the mask every N² pixels.
 */
export function countPhotons(intensity: Float32Array, mask: Uint8Array, saturationCounts: number, rng: Rng): CountResult {
  check(intensity.length % mask.length === 0, 'intensity length is not a multiple of the mask', { field: 'intensity', expected: `k × ${mask.length}`, found: String(intensity.length) });
  const counts = saturationCounts <= 65535 ? new Uint16Array(intensity.length) : new Uint32Array(intensity.length);
  const m = mask.length;
  let saturated = 0;
  let total = 0;
  for (let i = 0; i < intensity.length; i++) {
    if (!mask[i % m]) continue;
    let k = rng.poisson(intensity[i]);
    if (k > saturationCounts) {
      k = saturationCounts;
      saturated++;
    }
    counts[i] = k;
    total += k;
  }
  return { counts, saturated, total };
}
