/**
 * Tomography of an energy series (`reconstructTomoSeries`): in the reference paper each
 * energy is its own tomographic scan with its own misalignment. Modes:
 * - 'each' (default): the reference energy is aligned from scratch (coarse to fine); each
 *   further energy, in order of distance from it, starts from its neighbour's shifts and
 *   axis at full resolution only when they agree with its own centre-of-mass estimate (the
 *   misalignment repeats between scans), so it needs a few passes instead of a full run;
 *   otherwise it is aligned from scratch too.
 * - 'shared': the energies were measured together (one scan, one misalignment): the
 *   reference's alignment is applied to every energy.
 * Then every energy gets its SIRT (warm-started from its alignment volume) and the volumes
 * are registered to the reference volume in 3D (subpixel, src/register's registerVolumes)
 * and moved onto it once (Fourier shift), so voxels match across energies for the XANES fit.
 */
import { PtyxanesError } from '../core/errors.ts';
import type { RealArray } from '../core/arrays.ts';
import { throwIfAborted } from '../core/progress.ts';
import { registerVolumes } from '../register/register-volumes.ts';
import { MAX_VOLUME_FFT_VOXELS, volumeFftShape } from '../register/volume-pairs.ts';
import { binVolume } from './bin.ts';
import { shiftStack } from '../register/shift.ts';
import { shiftVolume } from '../register/volume-shift.ts';
import { alignProjections, type AlignOptions, type AlignResult } from './align.ts';
import { massCentreEstimate } from './axis.ts';
import { geometryForProjections } from './options.ts';
import { sirt, DEFAULT_SIRT_ITERATIONS } from './sirt.ts';

export interface TomoSeriesInput {
  projections: RealArray;
  anglesDeg: ArrayLike<number>;
  /** Label (e.g. the energy in eV) for progress and errors. */
  label?: string;
}

export interface TomoSeriesOptions extends AlignOptions {
  mode?: 'each' | 'shared';
  /** Index of the energy aligned from scratch and registered to (default: the last). */
  referenceIndex?: number;
  /** SIRT iterations per energy after alignment (default 200). */
  iterations?: number;
  /** Skip the alignment (projections already aligned, axis from centreCol). */
  align?: boolean;
  /** Register the volumes across energies (default true). */
  registerVolumes?: boolean;
}

export interface TomoSeriesEnergy {
  volume: RealArray;
  shifts: Float64Array | null;
  centreCol: number;
  alignPasses: number;
  /** Aligned from the neighbouring energy's shifts (full resolution only). */
  warmStarted: boolean;
  /** (dz, dy, dx) applied to this energy's volume to land on the reference's. */
  volumeShift: [number, number, number];
  residuals: Float64Array;
}

export interface TomoSeriesResult {
  energies: TomoSeriesEnergy[];
  referenceIndex: number;
  seconds: number;
}

/** Whether two shift lists agree to within `tolPx` RMS (horizontal and vertical together). */
function agree(a: Float64Array, b: Float64Array, tolPx: number): boolean {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt((2 * s) / a.length) < tolPx;
}

/** Reference first, then outward to both sides, each with its already-aligned neighbour. */
export function seriesOrder(n: number, ref: number): { index: number; from: number | null }[] {
  const out: { index: number; from: number | null }[] = [{ index: ref, from: null }];
  for (let d = 1; d < n; d++) {
    if (ref + d < n) out.push({ index: ref + d, from: ref + d - 1 });
    if (ref - d >= 0) out.push({ index: ref - d, from: ref - d + 1 });
  }
  return out;
}

/** What a further energy takes from the energy it is aligned from (or, 'shared', from the reference). */
export interface TomoNeighbourState {
  shifts: Float64Array;
  centreCol: number;
  /** The alignment's last volume ('shared': the further energies' SIRT starts from the reference's). */
  alignVolume?: RealArray;
  /** The neighbour's final volume (the SIRT start when there is no alignment). */
  volume?: RealArray;
}

/**
 * One energy of the series: its alignment (from scratch, or from `neighbour`'s shifts and
 * axis) and its SIRT. Returns the energy (volume not yet registered to the reference) and
 * what a further energy takes from it. `reconstructTomoSeries` runs this per energy; a
 * pipeline task runs it alone, with the neighbour's state read back from its files.
 */
export async function reconstructTomoEnergy(
  e: TomoSeriesInput,
  neighbour: TomoNeighbourState | null,
  opts: TomoSeriesOptions = {},
): Promise<{ energy: TomoSeriesEnergy; state: TomoNeighbourState | null }> {
  const mode = opts.mode ?? 'each';
  const iterations = opts.iterations ?? DEFAULT_SIRT_ITERATIONS;
  let al: { shifts: Float64Array; centreCol: number; volume?: RealArray; passes: unknown[] } | null = null;
  let warmStarted = false;
  let projections = e.projections;
  let centreCol = opts.centreCol ?? (e.projections.shape[2] - 1) / 2;
  if (opts.align !== false) {
    if (mode === 'shared' && neighbour) {
      projections = shiftStack(e.projections, neighbour.shifts, 'fourier', 0);
      centreCol = neighbour.centreCol;
      al = { shifts: neighbour.shifts, centreCol, volume: neighbour.alignVolume, passes: [] };
    } else {
      // The neighbour's shifts are the better start when the scans share their misalignment
      // (stage run-out repeats between energies): then its centre-of-mass estimate agrees
      // with them to within a pixel and full-resolution passes suffice. Otherwise this
      // energy is aligned from its own estimate, coarse to fine.
      const warmStart = !!neighbour && agree(neighbour.shifts, massCentreEstimate(geometryForProjections(e.projections, e.anglesDeg, opts), e.projections.data).shifts, 1);
      const r: AlignResult = await alignProjections(e.projections, e.anglesDeg, {
        ...opts,
        onProgress: undefined,
        ...(warmStart && neighbour ? { initialShifts: neighbour.shifts, centreCol: neighbour.centreCol, estimateAxis: opts.estimateAxis ?? opts.centreCol === undefined, levels: [1] } : {}),
      });
      al = r;
      projections = r.aligned;
      centreCol = r.centreCol;
      warmStarted = warmStart;
    }
  }
  const warm = al?.volume ?? neighbour?.volume;
  const s = await sirt(projections, e.anglesDeg, { ...opts, onProgress: undefined, centreCol, iterations, initial: warm });
  return {
    energy: { volume: s.volume, shifts: al?.shifts ?? null, centreCol, alignPasses: al?.passes.length ?? 0, warmStarted, volumeShift: [0, 0, 0], residuals: s.residuals },
    state: al ? { shifts: al.shifts, centreCol, alignVolume: al.volume, volume: s.volume } : { shifts: new Float64Array(0), centreCol, volume: s.volume },
  };
}

/** Moves every volume but the reference's onto the reference (subpixel 3D registration, one Fourier shift each). */
export async function registerSeriesVolumes(out: TomoSeriesEnergy[], ref: number, signal?: AbortSignal): Promise<void> {
  if (out.length < 2) return;
  for (const [i, e] of out.entries()) {
    if (i === ref) continue;
    const r = await registerVolumeTo(out[ref].volume, e.volume, signal);
    e.volume = r.volume;
    e.volumeShift = r.shift;
  }
}

/**
 * One volume moved onto the reference: each volume is registered against the reference
 * alone, so a series can be registered one volume at a time (reading and writing each in
 * turn: pipeline/tomo-stage.ts holds two volumes, not the series).
 */
export async function registerVolumeTo(reference: RealArray, volume: RealArray, signal?: AbortSignal, maxFftVoxels = MAX_VOLUME_FFT_VOXELS): Promise<{ volume: RealArray; shift: [number, number, number]; binning: number }> {
  // Volumes whose zero-padded FFT would pass registerVolumes' cap (the paper's 418³ pads to
  // 512³ = 2²⁷) are registered binned by the smallest power of two that fits, and the shift
  // scaled back: 0.01 binned voxel (the upsampling) is 0.02 voxel at b = 2, well inside what
  // the per-voxel fit notices; the volume itself is moved at full size.
  const b = registrationBinning(reference.shape, maxFftVoxels);
  const reg = await registerVolumes(binVolume(reference, b), [binVolume(volume, b)], { signal });
  const d: [number, number, number] = [b * reg.shifts[0], b * reg.shifts[1], b * reg.shifts[2]];
  return { volume: shiftVolume(volume, d[0], d[1], d[2], { method: 'fourier', fill: 0 }), shift: d, binning: b };
}

/** The smallest power-of-two binning whose zero-padded registration FFT volume fits `maxFftVoxels` (volume-pairs.ts's sizes). */
export function registrationBinning(shape: readonly number[], maxFftVoxels = MAX_VOLUME_FFT_VOXELS): number {
  for (let b = 1; ; b *= 2) {
    const [z, y, x] = shape.map((n) => Math.floor(n / b));
    const fft = volumeFftShape(z, y, x);
    if (fft.fits && fft.shape[0] * fft.shape[1] * fft.shape[2] <= maxFftVoxels) return b;
    if (Math.min(z, y, x) < 4) throw new PtyxanesError('volume cannot be binned to fit the registration FFT', { field: 'volume', expected: `≤ ${maxFftVoxels} padded voxels`, found: `[${shape.join(', ')}]` });
  }
}

/** Checks a series' reference index, sizes and mode (one line each). */
export function checkTomoSeries(shapes: (readonly number[] | undefined)[], labels: (string | undefined)[], opts: TomoSeriesOptions): number {
  const n = shapes.length;
  if (!n) throw new PtyxanesError('no energies in the series', { field: 'series', expected: 'at least one projection stack', found: '0' });
  const ref = opts.referenceIndex ?? n - 1;
  if (!(Number.isInteger(ref) && ref >= 0 && ref < n)) throw new PtyxanesError('reference index outside the series', { field: 'referenceIndex', expected: `0 … ${n - 1}`, found: String(ref) });
  const s0 = shapes[0]!;
  shapes.forEach((s, i) => {
    if (!s || s.length !== 3 || s[1] !== s0[1] || s[2] !== s0[2]) throw new PtyxanesError('projections differ in size between energies', { field: `series[${i}]${labels[i] ? ` (${labels[i]})` : ''}`, expected: `[angles, ${s0[1]}, ${s0[2]}]`, found: s ? `[${s.join(', ')}]` : 'none' });
  });
  const mode = opts.mode ?? 'each';
  if (mode !== 'each' && mode !== 'shared') throw new PtyxanesError('unknown series mode', { field: 'mode', expected: "'each' or 'shared'", found: String(mode) });
  return ref;
}

export async function reconstructTomoSeries(series: TomoSeriesInput[], opts: TomoSeriesOptions = {}): Promise<TomoSeriesResult> {
  const t0 = performance.now();
  const n = series.length;
  const ref = checkTomoSeries(
    series.map((e) => e.projections?.shape),
    series.map((e) => e.label),
    opts,
  );
  const mode = opts.mode ?? 'each';
  const iterations = opts.iterations ?? DEFAULT_SIRT_ITERATIONS;
  const out: TomoSeriesEnergy[] = new Array(n);
  const states: (TomoNeighbourState | null)[] = new Array(n).fill(null);
  const progress = (done: number, message: string) => opts.onProgress?.({ stage: 'tomo-series', done, total: n, message });
  let done = 0;
  for (const { index, from } of seriesOrder(n, ref)) {
    throwIfAborted(opts.signal);
    const e = series[index];
    const what = e.label ?? `energy ${index}`;
    const neighbour = from === null ? null : states[mode === 'shared' && opts.align !== false ? ref : from];
    const r = await reconstructTomoEnergy(e, neighbour, opts);
    out[index] = r.energy;
    states[index] = r.state;
    progress(++done, `${what}: ${r.energy.shifts ? `aligned in ${r.energy.alignPasses} passes, axis ${r.energy.centreCol.toFixed(2)}; ` : ''}SIRT ${iterations} iterations`);
  }
  if (opts.registerVolumes !== false) await registerSeriesVolumes(out, ref, opts.signal);
  return { energies: out, referenceIndex: ref, seconds: (performance.now() - t0) / 1000 };
}
