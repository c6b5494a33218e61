/**
 * `pipeline 3d --dry-run`: what a 3D run of a simulator preset (e.g. 3d-paper) would take,
 * before any data exist: tasks, pattern updates, projected ePIE time from a per-pattern
 * cost MEASURED here and now on this machine's CPU path (a short ePIE on synthetic data of
 * the preset's pattern size), disk, and peak memory. The tomography and fit are projected
 * from their measured costs on 3d-small (BENCHMARKS.md), scaled by voxels; a GPU figure is
 * an estimate only, stated as such.
 */
import { objectPixelSizeM } from '../core/frames.ts';
import { reconstructEpie } from '../ptycho/index.ts';
import { makeSyntheticPtycho } from '../ptycho/synthetic.ts';
import type { SimConfig } from '../sim/config.ts';
import { DEFAULT_WARM_ITERATIONS } from './pipeline2d.ts';
import { MAX_VOLUME_FFT_VOXELS, volumeFftShape } from '../register/volume-pairs.ts';
import { registrationBinning } from '../tomo/series.ts';
import { DEFAULT_3D_SIRT_ITERATIONS, DEFAULT_SMOOTH_SIGMA_VOXELS } from './pipeline3d.ts';
import { DEFAULT_XANES_SLAB_MB, planXanesSlabs, type SlabPlan } from './xanes-slabs.ts';
import { DEFAULT_3D_COLD_ITERATIONS } from './ptycho3d-defaults.ts';

export interface Plan3d {
  preset: string;
  energies: number;
  angles: number;
  positions: number;
  patternPx: number;
  reconstructions: number;
  patternUpdates: number;
  /** Measured here: CPU pattern updates per second at this pattern size. */
  cpuPatternUpdatesPerS: number;
  /** Projected seconds per stage on this machine's CPU path. */
  cpuSeconds: { ptycho: number; tomo: number; xanes: number; total: number };
  /** Voxels of one energy's volume (cube of the scanned field at the common pixel). */
  volumeVoxels: number;
  voxelM: number;
  /** Raw frames (uint16) on disk and the run directory. */
  inputBytes: number;
  runDirBytes: number;
  /** Peak memory: the largest of the stages' own peaks (peakMemoryByStage). */
  peakMemoryBytes: number;
  /**
   * What each stage holds at once (the bound each streams to): ePIE one entry's frames and
   * objects (it streams entries); the tomography one energy's projections and a few volumes
   * per energy task, then the reference and one volume with the correlation's FFT work while
   * registering (one energy at a time); the XANES stage one z slab of every energy (the slab
   * budget, xanes-slabs.ts) plus the whole-volume results it keeps for the report (state, its
   * error, edge step, status) and the report's own per-voxel arrays.
   */
  peakMemoryByStage: { ptycho: number; tomo: number; xanes: number };
  /** The XANES stage's slabs: planes a slab, halo planes a side, slab count, bytes of one slab's work. */
  xanesSlabs: SlabPlan;
  notes: string[];
}

/**
 * 3d-small measured (BENCHMARKS.md): tomography 22.3 s and XANES 0.9 s for 16 energies ×
 * 32 angles × 33³ voxels, SIRT 100: per (energy, angle, voxel) and per (energy, voxel).
 */
const TOMO_S_PER_ANGLE_VOXEL = 22.3 / (16 * 32 * 33 ** 3);
const XANES_S_PER_SPECTRUM = 0.9 / 33 ** 3;

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(b > 1024 ** 3 ? 1 : 3)} GiB`;

/**
 * The XANES report's own per-voxel arrays (bytes): the reference volume for the truth
 * comparison (4), one state volume copied into results.h5's WebAssembly memory at a time
 * (4), the segmentation's labels, queue and masks (~10), with room.
 */
const REPORT_BYTES_PER_VOXEL = 24;

export async function planPipeline3d(cfg: SimConfig, opts: { iterations?: number; warmIterations?: number; pixelSizeM?: number; xanesMemoryMb?: number } = {}): Promise<Plan3d> {
  const nE = cfg.energiesEv.length;
  const nA = cfg.tomography?.angles ?? 1;
  const positions = cfg.scan.grid[0] * cfg.scan.grid[1];
  const n = cfg.detector.crop;
  const iterations = opts.iterations ?? DEFAULT_3D_COLD_ITERATIONS;
  const warm = opts.warmIterations ?? DEFAULT_WARM_ITERATIONS;
  // First energy cold (its angles with the warm probe but flat objects), the rest warm.
  const updates = positions * (nA * iterations + (nE - 1) * nA * warm);

  // Measured: a short ePIE at this pattern size (a few iterations over 25 positions).
  // The first call starts the worker threads: the second one is timed.
  const d = makeSyntheticPtycho({ n, scanX: 6, scanY: 6, photons: 1e6, seed: 1 });
  await reconstructEpie(d.source, { iterations: 1, backend: 'cpu' });
  const r = await reconstructEpie(d.source, { iterations: n > 128 ? 3 : 10, backend: 'cpu' });
  const perS = r.timings.patternUpdatesPerS;

  const coarsest = Math.max(...cfg.energiesEv.map((e) => objectPixelSizeM(e, cfg.detector.distanceM, cfg.detector.pixelM, n)));
  const voxelM = Math.max(opts.pixelSizeM ?? 40e-9, coarsest);
  const fieldM = Math.max((cfg.scan.grid[0] - 1) * cfg.scan.stepM[0], (cfg.scan.grid[1] - 1) * cfg.scan.stepM[1]) + 2e-6;
  const side = Math.ceil(fieldM / voxelM);
  const voxels = side ** 3;
  const ptychoS = updates / perS;
  const tomoS = TOMO_S_PER_ANGLE_VOXEL * nE * nA * voxels * (DEFAULT_3D_SIRT_ITERATIONS / 100);
  const xanesS = XANES_S_PER_SPECTRUM * voxels;
  const objPx = Math.ceil(fieldM / coarsest) ** 2;
  const entryBytes = positions * n * n * 2;
  const volBytes = voxels * 4;
  // The registration's FFT volume, after the binning registerVolumeTo applies above the cap.
  const regBin = registrationBinning([side, side, side]);
  const binnedSide = Math.floor(side / regBin);
  const fftVoxels = volumeFftShape(binnedSide, binnedSide, binnedSide).shape.reduce((a, b) => a * b, 1);
  const slabs = planXanesSlabs(nE, [side, side, side], DEFAULT_SMOOTH_SIGMA_VOXELS, opts.xanesMemoryMb ?? DEFAULT_XANES_SLAB_MB);
  const peaks = {
    // One entry at a time: frames as float32 + object, warm-start object and result.
    ptycho: entryBytes * 2 + objPx * 8 * 3,
    // An energy's task: its projections [angle, rows, cols] and ~5 volumes (SIRT, its work, the
    // alignment volumes); the registration: reference, volume and its shifted copy (float32),
    // the Fourier shift's complex volume, and the correlation's two complex FFT volumes
    // (padded to powers of two).
    tomo: Math.max(nA * side * side * 4 + 5 * volBytes, 3 * volBytes + 2 * volBytes + 16 * fftVoxels),
    // One slab of every energy and the fit's work (the budget), the results kept whole, and the
    // report's per-voxel arrays (REPORT_BYTES_PER_VOXEL).
    xanes: slabs.slabBytes + slabs.resultBytes + REPORT_BYTES_PER_VOXEL * voxels,
  };
  return {
    preset: cfg.name,
    energies: nE,
    angles: nA,
    positions,
    patternPx: n,
    reconstructions: nE * nA,
    patternUpdates: updates,
    cpuPatternUpdatesPerS: perS,
    cpuSeconds: { ptycho: ptychoS, tomo: tomoS, xanes: xanesS, total: ptychoS + tomoS + xanesS },
    volumeVoxels: voxels,
    voxelM,
    inputBytes: nE * nA * entryBytes,
    // Per entry: object (complex64) + attenuation, modulus, phase (float32) + probe; per energy: projections and volume.
    runDirBytes: nE * nA * (objPx * 20 + n * n * 8) + nE * (nA * side * side * 4 + voxels * 4) + 12 * voxels * 4,
    peakMemoryBytes: Math.max(...Object.values(peaks)),
    peakMemoryByStage: peaks,
    xanesSlabs: slabs,
    notes: [
      `ePIE cost measured now on this CPU (${perS.toFixed(0)} pattern updates/s at ${n}², 2 threads; the load of other work included)`,
      'tomography and fit scaled from 3d-small (BENCHMARKS.md) by angles × voxels',
      'GPU: not measured here (software adapter only); a real GPU runs ePIE 10–100× faster than this CPU path (an estimate, not a measurement)',
      `memory by stage: ePIE ${gib(peaks.ptycho)} (streams frames per entry), tomography ${gib(peaks.tomo)} (one energy at a time), XANES fit ${gib(peaks.xanes)} (z slabs of ${slabs.planes} planes + ${slabs.halo} halo a side, ${slabs.slabs} slabs, ${gib(slabs.slabBytes)} a slab within the ${opts.xanesMemoryMb ?? DEFAULT_XANES_SLAB_MB} MB budget; the whole stack would be ${gib(nE * volBytes)})`,
      ...(regBin > 1 ? [`registration across energies on volumes binned ×${regBin} (${side}³ would pad past the ${MAX_VOLUME_FFT_VOXELS}-voxel FFT cap; shifts to ${(0.01 * regBin).toFixed(2)} voxel), the volumes moved at full size`] : []),
    ],
  };
}

export function formatPlan3d(p: Plan3d): string {
  const h = (s: number) => (s > 86400 ? `${(s / 86400).toFixed(1)} days` : s > 3600 ? `${(s / 3600).toFixed(1)} h` : `${s.toFixed(0)} s`);
  const gb = (b: number) => `${(b / 1024 ** 3).toFixed(b > 1024 ** 3 ? 1 : 3)} GiB`;
  return [
    `ptyxanes pipeline 3d --dry-run: preset ${p.preset}: ${p.energies} energies × ${p.angles} angles × ${p.positions} positions of ${p.patternPx}²`,
    `  ${p.reconstructions} ePIE reconstructions, ${p.patternUpdates.toExponential(2)} pattern updates`,
    `  projected on this CPU: ePIE ${h(p.cpuSeconds.ptycho)}, tomography ${h(p.cpuSeconds.tomo)}, XANES fit ${h(p.cpuSeconds.xanes)}; total ${h(p.cpuSeconds.total)}`,
    `  volume ${Math.round(Math.cbrt(p.volumeVoxels))}³ voxels of ${(p.voxelM * 1e9).toFixed(1)} nm per energy`,
    `  disk: input ${gb(p.inputBytes)} (uint16 frames, uncompressed), run directory ${gb(p.runDirBytes)}; peak memory ${gb(p.peakMemoryBytes)}`,
    ...p.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}
