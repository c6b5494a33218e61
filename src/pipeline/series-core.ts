/**
 * The node-free core of the 2D chain, shared by the on-disk pipeline (ptycho-stage.ts,
 * stack-stage.ts: files, resume, provenance) and the browser page (src/web, in memory): one
 * energy's ePIE with the series' warm start, what later stages keep of it, the lit-area crop
 * of −ln|O|, and the common-grid registered stack. Same functions, so the page and the CLI
 * give the same maps on the same data.
 */
import type { ComplexArray, RealArray } from '../core/arrays.ts';
import type { FrameSource } from '../core/frames.ts';
import type { RunControl } from '../core/progress.ts';
import type { Backend } from '../gpu/backend.ts';
import type { CxiReadOptions } from '../io/cxi-read.ts';
import { reconstructEpie } from '../ptycho/reconstruct.ts';
import { warmStartInit } from '../ptycho/series.ts';
import type { EpieOptions, EpieResult, ProbeInit } from '../ptycho/types.ts';
import { cropToRegion, registerStack, type StackStrategy } from '../register/stack.ts';
import { rescaleStack, type RescaledStack } from '../register/rescale.ts';

/** Warm starts begin near the answer; on 2d-small 30 gave the best maps (20: 0.68, 30: 0.54, 50: 0.65 valence RMS with α = 1: more iterations fit the noise). */
export const DEFAULT_WARM_ITERATIONS = 30;

/**
 * ePIE object step for the series. Plain ePIE (α = 1) keeps chasing each pattern's photon
 * noise: on 2d-small the −ln|O| noise (from differences of neighbouring pre-edge images)
 * was 3.5e-3 at α = 1, 2.2e-3 at 0.5, 1.8e-3 at 0.25, 1.6e-3 at 0.1, against a 0.04–0.08
 * edge jump. Valence RMS / drift error with the other defaults (shared-shape edge model,
 * plain cross-correlation): α = 1 0.266 / 0.174 px, 0.5 0.172 / 0.128, 0.4 0.152 / 0.132,
 * 0.25 0.125 / 0.148, 0.15 0.125 / 0.148, 0.1 0.130 / 0.148. The first energy (cold start
 * from the zone-plate model) still converges in its 50 iterations at 0.25 (Fourier error
 * 1.28e-3 against 1.31e-3 at α = 1).
 */
export const DEFAULT_SERIES_ALPHA = 0.25;

/** What later stages read back for one energy. */
export interface EnergyRecord {
  energyEv: number;
  pixelSizeM: number;
  originM: [number, number];
  shape: [number, number];
  /**
   * Intensity centroid of the probe modes relative to the frame centre (rows, cols) in
   * pixels. ePIE leaves a joint probe/object translation free, and warm starts let it
   * wander along the series; the object's true origin is originM − centroid·pixel.
   */
  probeCentroidPx: [number, number];
  /** Bounding box of the well-lit area: rows [r0, r1), cols [c0, c1). */
  litBox: [number, number, number, number];
  iterations: number;
  finalError: number;
  seconds: number;
  patternUpdatesPerS: number;
  backend: string;
}

export function probeCentroidPx(probe: ComplexArray): [number, number] {
  const [K, n, m] = probe.shape.length === 3 ? probe.shape : [1, probe.shape[0], probe.shape[1]];
  let s = 0;
  let sy = 0;
  let sx = 0;
  for (let k = 0; k < K; k++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < m; x++) {
        const i = 2 * ((k * n + y) * m + x);
        const v = probe.data[i] * probe.data[i] + probe.data[i + 1] * probe.data[i + 1];
        s += v;
        sy += v * y;
        sx += v * x;
      }
    }
  }
  return s > 0 ? [sy / s - n / 2, sx / s - m / 2] : [0, 0];
}

export function litBox(mask: Uint8Array, h: number, w: number): [number, number, number, number] {
  let r0 = h;
  let r1 = 0;
  let c0 = w;
  let c1 = 0;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      if (!mask[r * w + c]) continue;
      if (r < r0) r0 = r;
      if (r >= r1) r1 = r + 1;
      if (c < c0) c0 = c;
      if (c >= c1) c1 = c + 1;
    }
  }
  return r1 > r0 ? [r0, r1, c0, c1] : [0, h, 0, w];
}

/** −ln|O| of a reconstruction (the attenuation image the stack is made of). */
export function attenuationOf(r: EpieResult): RealArray {
  const [h, w] = r.object.shape;
  const att = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) att[i] = -Math.log(r.modulus.data[i]);
  return { data: att, shape: [h, w] };
}

/** What later stages keep of one energy's reconstruction. */
export function energyRecordOf(r: EpieResult): EnergyRecord {
  return {
    energyEv: r.energyEv,
    pixelSizeM: r.pixelSizeM,
    originM: r.originM,
    shape: [r.object.shape[0], r.object.shape[1]],
    probeCentroidPx: probeCentroidPx(r.probe),
    litBox: litBox(r.illuminatedMask, r.object.shape[0], r.object.shape[1]),
    iterations: r.errors.length,
    finalError: r.errors[r.errors.length - 1] ?? NaN,
    seconds: r.timings.totalS,
    patternUpdatesPerS: r.timings.patternUpdatesPerS,
    backend: r.timings.backend,
  };
}

/** −ln|O| of one energy cropped to its well-lit box, with that crop's origin. */
export function cropLitAttenuation(img: RealArray, rec: Pick<EnergyRecord, 'litBox' | 'probeCentroidPx' | 'originM' | 'pixelSizeM'>): { image: RealArray; pixelSizeM: number; originM: [number, number] } {
  const [r0, r1, c0, c1] = rec.litBox;
  const w = img.shape[1];
  const out = new Float32Array((r1 - r0) * (c1 - c0));
  for (let r = r0; r < r1; r++) out.set(img.data.subarray(r * w + c0, r * w + c1), (r - r0) * (c1 - c0));
  // Where the crop's first pixel really sits: the probe's wander moved the object with it.
  const [cy, cx] = rec.probeCentroidPx ?? [0, 0];
  const originM: [number, number] = [rec.originM[0] + (c0 - cx) * rec.pixelSizeM, rec.originM[1] + (r0 - cy) * rec.pixelSizeM];
  return { image: { data: out, shape: [r1 - r0, c1 - c0] }, pixelSizeM: rec.pixelSizeM, originM };
}

export interface PtychoStageOptions extends RunControl {
  epie: EpieOptions;
  warmStart: boolean;
  /** Starting probe for energies that are not warm-started (e.g. a zone-plate model); default: ePIE's own (mean pattern). */
  probeModel?: (source: FrameSource) => ComplexArray;
  /** A generic starting probe (an aperture or Gaussian of a given size) instead of a model; see probeStartOptions. */
  probeGuess?: ProbeInit;
  /** Iterations for warm-started energies (default: epie.iterations). */
  warmIterations?: number;
  read?: CxiReadOptions;
}

/** The model probe for a cold start, or ePIE's mean-pattern guess (said in the progress) when the model cannot be sampled. */
export function modelInit(opts: PtychoStageOptions, source: FrameSource, i: number, total: number): Pick<EpieOptions, 'probeInit'> {
  if (opts.probeGuess) return { probeInit: opts.probeGuess };
  if (!opts.probeModel) return {};
  try {
    return { probeInit: { zonePlate: opts.probeModel(source) } };
  } catch (e) {
    opts.onProgress?.({ stage: 'ptycho', done: i, total, message: `warning: probe model unusable for ${source.label} (${(e as Error).message}); starting from the mean diffraction pattern` });
    return {};
  }
}

export interface StackOptions extends RunControl {
  pixelSizeM: number;
  allowUpsample: boolean;
  strategy: StackStrategy;
  /** Energy (eV) of the reference image; default the highest (post-edge: strongest contrast). */
  referenceEnergyEv?: number;
  upsampleFactor: number;
  /** 'phase' correlation or plain cross-correlation (null); see Pipeline2dOptions.registrationNormalization. */
  normalization: 'phase' | null;
  backend: Backend;
}

export interface GridInfo {
  pixelSizeM: number;
  /** Centre of pixel (0,0) of the registered, cropped stack, (x, y) metres, in the reference energy's frame. */
  originM: [number, number];
  shape: [number, number];
  energiesEv: number[];
  shiftsPx: number[][];
  registrationErrors: number[];
  referenceIndex: number;
  strategy: StackStrategy;
}

/**
 * Per-energy −ln|O| crops (each with its pixel size and origin) → one stack on a common
 * grid, registered by subpixel cross-correlation and cropped to the field every energy covers.
 */
export async function registeredStack(images: RealArray[], pixels: number[], origins: [number, number][], energies: number[], opts: StackOptions): Promise<{ stack: RealArray; grid: GridInfo; common: RescaledStack; errors: Float64Array }> {
  const common = rescaleStack(images, pixels, { targetPixelM: opts.pixelSizeM, allowUpsample: opts.allowUpsample, originsM: origins });
  let referenceIndex = energies.length - 1;
  if (opts.referenceEnergyEv !== undefined) {
    referenceIndex = energies.reduce((best, e, i) => (Math.abs(e - opts.referenceEnergyEv!) < Math.abs(energies[best] - opts.referenceEnergyEv!) ? i : best), 0);
  }
  opts.onProgress?.({ stage: 'register', done: 0, total: 1, message: `${energies.length} images at ${(common.pixelSizeM * 1e9).toFixed(1)} nm` });
  const reg = await registerStack(common.stack, {
    strategy: opts.strategy,
    referenceIndex,
    upsampleFactor: opts.upsampleFactor,
    normalization: opts.normalization,
    backend: opts.backend,
    signal: opts.signal,
  });
  const [n] = common.stack.shape;
  const region = reg.commonRegion;
  const planes: Float32Array[] = [];
  const [h, w] = common.stack.shape.slice(1);
  for (let i = 0; i < n; i++) {
    const plane: RealArray = { data: reg.aligned.data.subarray(i * h * w, (i + 1) * h * w), shape: [h, w] };
    planes.push(cropToRegion(plane, region).data);
  }
  const stack: RealArray = { data: new Float32Array(n * region.rows * region.cols), shape: [n, region.rows, region.cols] };
  planes.forEach((p, i) => stack.data.set(p, i * region.rows * region.cols));
  const shiftsPx = Array.from({ length: n }, (_, i) => [reg.shifts[2 * i], reg.shifts[2 * i + 1]]);
  const grid: GridInfo = {
    pixelSizeM: common.pixelSizeM,
    originM: [common.originM[0] + region.col0 * common.pixelSizeM, common.originM[1] + region.row0 * common.pixelSizeM],
    shape: [region.rows, region.cols],
    energiesEv: energies,
    shiftsPx,
    registrationErrors: Array.from(reg.errors),
    referenceIndex,
    strategy: opts.strategy,
  };
  opts.onProgress?.({ stage: 'register', done: 1, total: 1, message: `max shift ${Math.max(...shiftsPx.map((s) => Math.hypot(s[0], s[1]))).toFixed(2)} px` });
  return { stack, grid, common, errors: reg.errors };
}

/** The state an energy hands to the next one for its warm start. */
export interface WarmState {
  object: ComplexArray;
  probe: ComplexArray;
  pixelSizeM: number;
  originM: [number, number];
}

/**
 * ePIE on entry `i` of `total`: warm-started from the previous reconstruction's state when
 * there is one (probe updated from the start), else from the probe model. The object starts
 * from `more.object` when given (a 3D run: the same angle at the neighbouring energy; null:
 * flat, with the warm probe), else from the previous state too; a warm object needs only
 * `warmIterations`. Progress is reported for the whole series (done = i + fraction of this entry).
 */
export async function reconstructEnergy(
  source: FrameSource,
  prev: WarmState | null,
  i: number,
  total: number,
  opts: PtychoStageOptions,
  more: { object?: WarmState | null; label?: string; values?: Record<string, number> } = {},
): Promise<EpieResult> {
  const warm = opts.warmStart && prev !== null;
  const objectState = more.object === undefined ? prev : more.object;
  let init: Pick<EpieOptions, 'probeInit' | 'objectInit'>;
  if (warm) {
    const fromPrev = warmStartInit(prev!, source);
    init = { probeInit: fromPrev.probeInit };
    if (objectState) init.objectInit = objectState === prev ? fromPrev.objectInit : warmStartInit(objectState, source).objectInit;
  } else {
    init = modelInit(opts, source, i, total);
  }
  const warmObject = warm && !!objectState;
  const energyEv = source.geometry.energyEv;
  const label = more.label ?? `${energyEv.toFixed(1)} eV`;
  return reconstructEpie(source, {
    ...opts.epie,
    ...init,
    // A warm probe is already good: update it from the start, as reconstructSeries does.
    ...(warm ? { probeUpdateStart: 0 } : {}),
    ...(warmObject ? { iterations: opts.warmIterations ?? opts.epie.iterations } : {}),
    signal: opts.signal,
    onProgress: (ev) =>
      opts.onProgress?.({
        stage: 'ptycho',
        done: i + ev.done / Math.max(1, ev.total),
        total,
        message: `${label} (${i + 1}/${total}) iteration ${ev.done}/${ev.total}${ev.values?.error !== undefined ? ` error ${ev.values.error.toExponential(3)}` : ''}`,
        values: { energyEv, ...more.values, ...ev.values },
      }),
  });
}
