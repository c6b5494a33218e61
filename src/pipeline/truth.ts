/**
 * Compares a run with the simulator's ground truth (manifest.json 'ptyxanes-sim'): the
 * truth oxidation-state map is area-sampled onto the run's grid (reference energy frame,
 * so shifted by that energy's simulated drift), aligned by phase correlation of truth
 * thickness against the fitted edge step (ePIE leaves a small global-shift ambiguity),
 * and compared inside the crystals. Registration shifts are checked against the drifts.
 */
import { join } from 'node:path';
import type { RealArray } from '../core/arrays.ts';
import { readTiff } from '../io/tiff.ts';
import { phaseCrossCorrelation } from '../register/index.ts';
import type { XanesResult } from '../xanes/index.ts';
import type { GridInfo } from './stack-stage.ts';

export interface TruthComparison {
  /** RMS of (fitted − true) oxidation state over crystal pixels with a fitted value. */
  rmsError: number;
  bias: number;
  pixels: number;
  /** Crystal pixels without a fitted value (masked or failed fits). */
  missing: number;
  truthMean: number;
  /** Spread (standard deviation) of the true state over the same pixels: the RMS error a flat map at the true mean would score. */
  truthStd: number;
  /** Pearson correlation of fitted and true state over the same pixels (does the map show the true variation?). */
  correlation: number;
  /** Residual offset between truth and result found by correlation (result pixels). */
  alignmentPx: [number, number];
  /** Largest |registration shift − simulated drift| (pixels of the common grid), 2D only. */
  driftErrorPx?: number;
  /** Pixels whose truth thickness is at least this fraction of the maximum count as crystal interior. */
  thicknessFraction: number;
}

interface TruthManifest {
  dir: string;
  kind?: string;
  truth?: {
    files?: Record<string, string>;
    grid?: { pixelSizeM: number; shape: [number, number]; originM: [number, number] };
    driftM?: [number, number][] | null;
  };
}

/**
 * Area-averages truth maps onto the result grid: result pixel (r, c) sits at sample point
 * originM + (c, r)·px − offsetM. Thickness-weighted state, as the XANES signal is.
 */
function sampleTruth(thick: RealArray, state: RealArray, tg: { pixelSizeM: number; originM: [number, number] }, grid: GridInfo, offsetM: [number, number]) {
  const [h, w] = grid.shape;
  const [th, tw] = thick.shape;
  const px = grid.pixelSizeM;
  const sub = Math.max(2, Math.ceil((2 * px) / tg.pixelSizeM));
  const t = new Float32Array(h * w);
  const s = new Float32Array(h * w);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      let tSum = 0;
      let sSum = 0;
      let n = 0;
      for (let a = 0; a < sub; a++) {
        for (let b = 0; b < sub; b++) {
          const x = grid.originM[0] + (c - 0.5 + (b + 0.5) / sub) * px - offsetM[0];
          const y = grid.originM[1] + (r - 0.5 + (a + 0.5) / sub) * px - offsetM[1];
          const ti = Math.round((y - tg.originM[1]) / tg.pixelSizeM);
          const tj = Math.round((x - tg.originM[0]) / tg.pixelSizeM);
          n++;
          if (ti < 0 || tj < 0 || ti >= th || tj >= tw) continue;
          const tv = thick.data[ti * tw + tj];
          tSum += tv;
          const sv = state.data[ti * tw + tj];
          if (tv > 0 && Number.isFinite(sv)) sSum += tv * sv;
        }
      }
      t[r * w + c] = tSum / n;
      s[r * w + c] = tSum > 0 ? sSum / tSum : NaN;
    }
  }
  return { thickness: t, state: s };
}

export async function compareWithTruth(manifest: TruthManifest, xanes: XanesResult, grid: GridInfo, thicknessFraction = 0.3): Promise<TruthComparison | undefined> {
  const files = manifest.truth?.files;
  const tg = manifest.truth?.grid;
  if (manifest.kind !== '2d' || !files?.oxidationState || !files.thickness || !tg) return undefined;
  const state = await readTiff(join(manifest.dir, files.oxidationState));
  const thick = await readTiff(join(manifest.dir, files.thickness));
  const drift = manifest.truth?.driftM ?? null;
  const ref = grid.referenceIndex;
  const base: [number, number] = drift ? [drift[ref][0], drift[ref][1]] : [0, 0];
  const [h, w] = grid.shape;

  // Residual alignment: truth thickness vs fitted edge step (both ∝ Ni per pixel).
  const first = sampleTruth(thick, state, tg, grid, base);
  const step = Float32Array.from(xanes.edgeStep, (v) => (Number.isFinite(v) ? v : 0));
  const corr = await phaseCrossCorrelation({ data: step, shape: [h, w] }, { data: first.thickness, shape: [h, w] }, { upsampleFactor: 20, backend: 'cpu' });
  // corr.shift moves the truth image onto the result: content moves by +shift, i.e. the
  // truth must be sampled at points shifted by −shift pixels.
  const [dy, dx] = corr.shift;
  const offset: [number, number] = [base[0] + dx * grid.pixelSizeM, base[1] + dy * grid.pixelSizeM];
  const aligned = sampleTruth(thick, state, tg, grid, offset);

  let tMax = 0;
  for (const v of aligned.thickness) if (v > tMax) tMax = v;
  let sum2 = 0;
  let sum = 0;
  let n = 0;
  let missing = 0;
  let tSum = 0;
  const fitted: number[] = [];
  const truth: number[] = [];
  for (let i = 0; i < h * w; i++) {
    if (!(aligned.thickness[i] >= thicknessFraction * tMax) || !Number.isFinite(aligned.state[i])) continue;
    const v = xanes.oxidationState[i];
    if (!Number.isFinite(v)) {
      missing++;
      continue;
    }
    const d = v - aligned.state[i];
    sum += d;
    sum2 += d * d;
    tSum += aligned.state[i];
    fitted.push(v);
    truth.push(aligned.state[i]);
    n++;
  }
  const { std: truthStd, corr: correlation } = spreadAndCorrelation(fitted, truth);
  let driftErrorPx: number | undefined;
  if (drift) {
    driftErrorPx = 0;
    for (let i = 0; i < grid.energiesEv.length && i < drift.length; i++) {
      // Image i shows the sample moved by drift[i]; moving it onto the reference takes drift[ref] − drift[i].
      const ey = (drift[ref][1] - drift[i][1]) / grid.pixelSizeM;
      const ex = (drift[ref][0] - drift[i][0]) / grid.pixelSizeM;
      const [sy, sx] = grid.shiftsPx[i];
      driftErrorPx = Math.max(driftErrorPx, Math.hypot(sy - ey, sx - ex));
    }
  }
  return {
    rmsError: n ? Math.sqrt(sum2 / n) : NaN,
    bias: n ? sum / n : NaN,
    pixels: n,
    missing,
    truthMean: n ? tSum / n : NaN,
    truthStd,
    correlation,
    alignmentPx: [dy, dx],
    driftErrorPx,
    thicknessFraction,
  };
}

/** Standard deviation of `t` and the Pearson correlation of `f` with `t`. */
export function spreadAndCorrelation(f: number[], t: number[]): { std: number; corr: number } {
  const n = t.length;
  if (n < 2) return { std: NaN, corr: NaN };
  const mf = f.reduce((a, b) => a + b, 0) / n;
  const mt = t.reduce((a, b) => a + b, 0) / n;
  let sff = 0;
  let stt = 0;
  let sft = 0;
  for (let i = 0; i < n; i++) {
    sff += (f[i] - mf) ** 2;
    stt += (t[i] - mt) ** 2;
    sft += (f[i] - mf) * (t[i] - mt);
  }
  return { std: Math.sqrt(stt / n), corr: sff > 0 && stt > 0 ? sft / Math.sqrt(sff * stt) : NaN };
}
