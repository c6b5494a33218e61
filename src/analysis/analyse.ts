/**
 * One entry for the analysis of an oxidation-state map [y,x] or volume [z,y,x]:
 * segmentation into crystals, the per-crystal table, surface-to-core profiles, their
 * diffusion / core–shell / uniform fits (mean profile and each crystal), and slabs.
 * Pure computation on typed arrays (runs in the browser); outputs.ts writes the files.
 * CPU only: these are light, irregular operations (sorting, flooding, small fits) that
 * take well under a second on a 2D map; see the analysis section of the README.
 */
import { throwIfAborted, type RunControl } from '../core/progress.ts';
import { crystalTable, DEFAULT_STATE_THRESHOLD, type CrystalRow } from './crystals.ts';
import { fitProfileModels, type DiffusionGeometry, type ProfileFits } from './diffusion.ts';
import { checkShape, type Spacing } from './grid.ts';
import { surfaceProfiles, type Profile, type ProfileOptions, type SurfaceProfiles } from './profiles.ts';
import { segmentCrystals, type SegmentOptions, type Segmentation } from './segment.ts';
import { findSlabs, type SlabOptions, type SlabResult } from './slabs.ts';
import { summarize, type Summary } from './stats.ts';

export interface AnalysisInput {
  /** Oxidation state, NaN where not fitted. */
  state: Float32Array;
  shape: readonly number[];
  /** Pixel (voxel) size in metres, scalar or per axis. */
  pixelSizeM: Spacing;
  /** Per-voxel standard error of the state. */
  uncertainty?: Float32Array;
  /** Edge step (∝ Ni thickness) for the material mask. */
  edgeStep?: Float32Array;
}

export interface AnalysisOptions extends SegmentOptions, ProfileOptions, RunControl {
  /** State threshold for 'fraction above' and slabs (default 3, Ni³⁺). */
  threshold?: number;
  /** Diffusion geometry (default 'sphere'). */
  geometry?: DiffusionGeometry;
  /** Effective diffusion time (s) to turn Dt into D, and its standard error. */
  timeS?: number;
  timeErrS?: number;
  /** Slab detection settings (threshold defaults to `threshold`). */
  slabs?: SlabOptions | false;
}

export interface CrystalFit {
  id: number;
  fits: ProfileFits | null;
  /** Why there is no fit (too few bins, ...). */
  skipped?: string;
}

export interface AnalysisResult {
  shape: number[];
  spacingM: number[];
  threshold: number;
  segmentation: Segmentation;
  crystals: CrystalRow[];
  /** State over all crystal voxels. */
  overall: Summary & { fractionAbove: number };
  profiles: SurfaceProfiles;
  meanFit: ProfileFits | null;
  meanFitSkipped?: string;
  crystalFits: CrystalFit[];
  slabs: SlabResult | null;
  warnings: string[];
}

/**
 * Bin errors for the fits: the propagated per-voxel error, else the scatter's; never below
 * 1e-3 valence, so noise-free maps (phantoms, truth volumes) still fit, their parameter
 * errors then coming from the residual scatter (reduced χ² scaling).
 */
const MIN_BIN_ERROR = 1e-3;
function profileData(p: Profile) {
  return { depthNm: p.depthNm, value: p.mean, sigma: p.uncertainty.map((u, i) => Math.max(MIN_BIN_ERROR, u > 0 ? u : p.sem[i] > 0 ? p.sem[i] : 0)) };
}

function tryFits(p: Profile, sizeNm: number, o: AnalysisOptions): { fits: ProfileFits | null; skipped?: string } {
  const d = profileData(p);
  if (p.depthNm.length < 4) return { fits: null, skipped: `${p.depthNm.length} depth bins (need ≥ 4)` };
  return { fits: fitProfileModels(d, { geometry: o.geometry ?? 'sphere', sizeNm, timeS: o.timeS, timeErrS: o.timeErrS }) };
}

export function analyseStateMap(input: AnalysisInput, opts: AnalysisOptions = {}): AnalysisResult {
  const { state, shape } = input;
  checkShape(state, shape, 'oxidation state');
  if (input.uncertainty) checkShape(input.uncertainty, shape, 'uncertainty');
  const threshold = opts.threshold ?? DEFAULT_STATE_THRESHOLD;
  const progress = (stage: string, done: number, message?: string) => opts.onProgress?.({ stage: 'analyse', done, total: 4, message: message ?? stage });
  progress('segment', 0);
  const seg = segmentCrystals(state, shape, input.pixelSizeM, { ...opts, edgeStep: input.edgeStep });
  throwIfAborted(opts.signal);
  const crystals = crystalTable(seg, state, input.uncertainty, threshold);
  const inCrystals: number[] = [];
  for (let i = 0; i < state.length; i++) if (seg.labels[i] && Number.isFinite(state[i])) inCrystals.push(state[i]);
  const overall = { ...summarize(inCrystals), fractionAbove: inCrystals.length ? inCrystals.filter((v) => v > threshold).length / inCrystals.length : NaN };
  progress('profiles', 1, `${seg.count} crystals`);
  const profiles = surfaceProfiles(seg, state, input.uncertainty, opts);
  throwIfAborted(opts.signal);
  progress('fits', 2);
  const mean = tryFits(profiles.mean, profiles.meanRadiusNm, opts);
  const crystalFits: CrystalFit[] = profiles.crystals.map((p) => {
    const r = tryFits(p, p.radiusNm, opts);
    return { id: p.id, fits: r.fits, ...(r.skipped ? { skipped: r.skipped } : {}) };
  });
  throwIfAborted(opts.signal);
  progress('slabs', 3);
  const slabs = opts.slabs === false ? null : findSlabs(seg, state, { threshold, ...opts.slabs });
  progress('done', 4);
  return {
    shape: [...shape],
    spacingM: seg.spacingM,
    threshold,
    segmentation: seg,
    crystals,
    overall,
    profiles,
    meanFit: mean.fits,
    ...(mean.skipped ? { meanFitSkipped: mean.skipped } : {}),
    crystalFits,
    slabs,
    warnings: [...seg.warnings, ...profiles.warnings],
  };
}
