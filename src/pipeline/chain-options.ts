/**
 * Options the 2D and 3D chains share (input, run directory, ePIE, common grid, XANES fit),
 * declared once; each pipeline adds its own stage options.
 */
import type { RunControl } from '../core/progress.ts';
import type { Backend } from '../gpu/backend.ts';
import type { CxiReadOptions } from '../io/cxi.ts';
import type { EpieOptions } from '../ptycho/index.ts';
import type { EdgeModel } from '../xanes/index.ts';
import { probeStartOptions, type ProbeStart, type ZonePlateModel } from './probe-model.ts';
import { DEFAULT_SERIES_ALPHA, DEFAULT_WARM_ITERATIONS, type PtychoStageOptions } from './series-core.ts';

export interface ChainOptions extends RunControl {
  /** A simulated sample directory (manifest.json) or CXI data (see each pipeline). */
  input: string;
  outDir: string;
  resume?: boolean;
  force?: boolean;
  backend?: Backend;
  /** ePIE settings (defaults: ptycho's, except the object step α = DEFAULT_SERIES_ALPHA). */
  epie?: Omit<EpieOptions, 'backend' | 'ctx' | 'objectInit' | 'probeInit'>;
  warmStart?: boolean;
  /** ePIE iterations for warm-started reconstructions (default DEFAULT_WARM_ITERATIONS; cold starts get epie.iterations). */
  warmIterations?: number;
  /**
   * Starting probe: a zone-plate model (default; the simulator's optics for a simulated
   * sample, else `zonePlate` or the paper's), ePIE's mean-pattern guess, or a generic
   * aperture / Gaussian of `probeSizeM` at the sample (probeStartOptions).
   */
  probeInit?: ProbeStart;
  /** Aperture diameter or Gaussian FWHM at the sample (m) for probeInit 'aperture' / 'gaussian'. */
  probeSizeM?: number;
  zonePlate?: Partial<ZonePlateModel>;
  /** Common pixel (voxel) size (m); default 40 nm (the paper), never finer than the coarsest reconstruction unless allowUpsample. */
  pixelSizeM?: number;
  allowUpsample?: boolean;
  /** Energy (eV) the others are registered to. */
  referenceEnergyEv?: number;
  /** Edge model of the XANES fit (default 'shared', see src/xanes/shared-shape.ts; 'free' is the paper's per-pixel fit). */
  edgeModel?: EdgeModel;
  preEdgeEv?: [number, number];
  postEdgeEv?: [number, number];
  fitRangeEv?: [number, number];
  /** JSON calibration file; default the shipped Ni calibration. */
  calibrationFile?: string;
  read?: CxiReadOptions;
}

/** The shared options that decide results, with their defaults (run.json; a resume must match them). */
export function chainResultOptions(o: ChainOptions): Record<string, unknown> {
  return {
    epie: { ...o.epie, alpha: o.epie?.alpha ?? DEFAULT_SERIES_ALPHA },
    warmStart: o.warmStart ?? true,
    warmIterations: o.warmIterations ?? DEFAULT_WARM_ITERATIONS,
    probeInit: o.probeInit ?? 'zone-plate',
    probeSizeM: o.probeSizeM,
    zonePlate: o.zonePlate,
    pixelSizeM: o.pixelSizeM ?? 40e-9,
    allowUpsample: o.allowUpsample ?? false,
    referenceEnergyEv: o.referenceEnergyEv,
    edgeModel: o.edgeModel ?? 'shared',
    preEdgeEv: o.preEdgeEv,
    postEdgeEv: o.postEdgeEv,
    fitRangeEv: o.fitRangeEv,
    calibrationFile: o.calibrationFile,
    read: o.read,
    backend: o.backend ?? 'auto',
  };
}

/**
 * The ptycho stage's options for one entry of either chain, from the chain's options (as
 * stored in its plan): ePIE with the series' α on the resolved backend, the warm starts and
 * the probe start. `coldIterations` is the chain's default for entries that start cold.
 */
export function ptychoStageOptionsOf(
  o: ChainOptions,
  backend: Backend,
  manifest: Record<string, unknown> | undefined,
  coldIterations?: number,
): Pick<PtychoStageOptions, 'epie' | 'warmStart' | 'warmIterations' | 'probeModel' | 'probeGuess' | 'read'> {
  return {
    epie: { ...o.epie, ...(coldIterations !== undefined ? { iterations: o.epie?.iterations ?? coldIterations } : {}), alpha: o.epie?.alpha ?? DEFAULT_SERIES_ALPHA, backend },
    warmStart: o.warmStart ?? true,
    warmIterations: o.warmIterations ?? DEFAULT_WARM_ITERATIONS,
    ...probeStartOptions(o.probeInit ?? 'zone-plate', { zonePlate: o.zonePlate, sizeM: o.probeSizeM, manifest }),
    read: o.read,
  };
}
