/**
 * Colour maps for pictures: anchor colours (sRGB, 0–1) interpolated linearly.
 * - gray: black → white.
 * - viridis: matplotlib's perceptually uniform map (11 anchors of its table).
 * - valence: for Ni oxidation state, blue (Ni2+) → light grey → red (> Ni3+): Moreland's
 *   "cool-warm" diverging map (Moreland 2009), built to have roughly even perceived
 *   steps and no false bands, readable by common colour-vision deficiencies.
 * NaN draws in `nanColor` (default: white for gray/viridis, black for valence, where a
 * light middle would otherwise blend in).
 */
export type ColormapName = 'gray' | 'viridis' | 'valence';
export type Rgba = [number, number, number, number];

const ANCHORS: Record<ColormapName, number[][]> = {
  gray: [[0, 0, 0], [1, 1, 1]],
  viridis: [
    [0.267004, 0.004874, 0.329415], [0.282623, 0.140926, 0.457517], [0.253935, 0.265254, 0.529983],
    [0.206756, 0.371758, 0.553117], [0.163625, 0.471133, 0.558148], [0.127568, 0.566949, 0.550556],
    [0.134692, 0.658636, 0.517649], [0.266941, 0.748751, 0.440573], [0.477504, 0.821444, 0.318195],
    [0.741388, 0.873449, 0.149561], [0.993248, 0.906157, 0.143936],
  ],
  valence: [
    [0.2298, 0.2987, 0.7537], [0.3839, 0.5097, 0.9169], [0.5543, 0.6901, 0.9955], [0.7197, 0.8162, 0.9518],
    [0.8674, 0.8644, 0.8626], [0.9588, 0.7637, 0.6727], [0.9567, 0.5980, 0.4773], [0.8699, 0.3918, 0.3034],
    [0.7057, 0.0156, 0.1502],
  ],
};

export const DEFAULT_NAN_COLOR: Record<ColormapName, Rgba> = {
  gray: [255, 255, 255, 255],
  viridis: [255, 255, 255, 255],
  valence: [0, 0, 0, 255],
};

const LUT_SIZE = 256;
const luts = new Map<ColormapName, Uint8Array>();

/** 256-entry RGB lookup table of a colour map. */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = luts.get(name);
  if (lut) return lut;
  const a = ANCHORS[name];
  if (!a) throw new RangeError(`unknown colour map '${name}' (gray, viridis, valence)`);
  lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = (i / (LUT_SIZE - 1)) * (a.length - 1);
    const k = Math.min(a.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(255 * (a[k][c] * (1 - f) + a[k + 1][c] * f));
  }
  luts.set(name, lut);
  return lut;
}

/** RGBA colour of value `t` in [0, 1] (clamped). */
export function colorAt(name: ColormapName, t: number): Rgba {
  const lut = colormapLut(name);
  const i = Math.round(Math.min(1, Math.max(0, t)) * (LUT_SIZE - 1));
  return [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2], 255];
}

/** Maps values to RGBA through a colour map over [min, max] (clamped); NaN/±Inf → nanColor. */
export function colorize(
  values: Float32Array | Float64Array,
  width: number,
  height: number,
  opts: { min: number; max: number; cmap: ColormapName; nanColor?: Rgba },
): Uint8Array {
  if (values.length !== width * height) throw new RangeError(`colorize: ${values.length} values for ${width}×${height}`);
  const lut = colormapLut(opts.cmap);
  const nan = opts.nanColor ?? DEFAULT_NAN_COLOR[opts.cmap];
  const span = opts.max - opts.min;
  const inv = span !== 0 && Number.isFinite(span) ? (LUT_SIZE - 1) / span : 0;
  const out = new Uint8Array(width * height * 4);
  for (let p = 0; p < values.length; p++) {
    const v = values[p];
    const o = 4 * p;
    if (!Number.isFinite(v)) {
      out[o] = nan[0]; out[o + 1] = nan[1]; out[o + 2] = nan[2]; out[o + 3] = nan[3];
      continue;
    }
    let i = Math.round((v - opts.min) * inv);
    i = i < 0 ? 0 : i > LUT_SIZE - 1 ? LUT_SIZE - 1 : i;
    out[o] = lut[3 * i]; out[o + 1] = lut[3 * i + 1]; out[o + 2] = lut[3 * i + 2]; out[o + 3] = 255;
  }
  return out;
}
