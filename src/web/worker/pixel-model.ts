/**
 * What the page draws for a clicked pixel: its spectrum normalised as the fit saw it (the
 * library's pre/post-edge normalisation on the fit's energy grid) and the fitted shape. With
 * the shared edge model every pixel is the data set's 3-Gaussian template shifted in energy
 * (and scaled, ≈ 1 after normalisation): drawn shifted so its half maximum sits at the
 * pixel's edge. The free model keeps no per-pixel parameters, so only the spectrum is drawn.
 */
import { resolveGrid } from '../../xanes/grid.ts';
import { normalizeSpectrum, normWeights } from '../../xanes/normalize.ts';
import type { XanesResult } from '../../xanes/fit.ts';

export function pixelModel(x: XanesResult, stack: Float32Array, pixel: number, stride: number, edgeEv: number): { values: number[]; model?: { energiesEv: number[]; sum: number[]; parts: number[][] } } | null {
  const grid = resolveGrid(x.energiesEv, { preEdgeEv: x.preEdgeEv, postEdgeEv: x.postEdgeEv, fitRangeEv: x.fitRangeEv });
  const out = new Float64Array(x.energiesEv.length);
  const scale = normalizeSpectrum(normWeights(grid), stack, pixel, stride, out);
  if (!Number.isFinite(scale)) return null;
  const values = Array.from(out);
  const t = x.template;
  if (x.edgeModel !== 'shared' || !t || !Number.isFinite(edgeEv)) return { values };
  const shift = edgeEv - t.edgeEv;
  const [lo, hi] = x.fitRangeEv;
  const energiesEv = Array.from({ length: 161 }, (_, i) => lo + ((hi - lo) * i) / 160);
  const parts = [0, 3, 6].map((k) => energiesEv.map((e) => {
    const d = (e - shift - t.xcEv - t.params[k + 1]) / t.params[k + 2];
    return t.params[k] * Math.exp(-0.5 * d * d);
  }));
  const sum = energiesEv.map((_, i) => parts[0][i] + parts[1][i] + parts[2][i]);
  return { values, model: { energiesEv, sum, parts } };
}
