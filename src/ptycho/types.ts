/**
 * Public types of the ePIE stage (contract in the team brief, extended additively).
 */
import type { ComplexArray, RealArray } from '../core/arrays.ts';
import type { Backend } from '../gpu/backend.ts';
import type { GpuContext } from '../gpu/context.ts';

export type EpieMode = 'sequential' | 'parallel';
export type { EngineName } from './update-rule.ts';

/**
 * Initial probe: an array ([n,n] or [K,n,n], e.g. the simulator's zone-plate model), the mean
 * pattern back-propagated with a flat phase, or a generic guess a user can make without the
 * answer: a flat circular aperture or a Gaussian of a given size at the sample. Every start is
 * scaled to the data's power (Σ I per pattern).
 */
export type ProbeInit =
  | ComplexArray
  | 'mean-pattern'
  | { zonePlate: ComplexArray }
  | { aperture: { diameterM: number } }
  | { gaussian: { fwhmM: number } };

export interface EpieOptions {
  /** Iterations (full passes over the positions). Default 50. */
  iterations?: number;
  /**
   * Update rule (update-rule.ts): 'mpie' (rPIE steps, object momentum, |O| ≤ 1; converges from
   * generic probe guesses) or 'epie' (plain ePIE, the reference paper's algorithm). Default:
   * 'mpie' in the sequential mode, 'epie' in the parallel mode.
   */
  engine?: import('./update-rule.ts').EngineName;
  /** Object modulus bound (a transmission object: 1); null = none. Default 1 for 'mpie', none for 'epie'. */
  objectAmplitudeMax?: number | null;
  /** 'mpie' momentum: friction (0.7), feedback (0.3), positions between steps (20). */
  momentumFriction?: number;
  momentumFeedback?: number;
  momentumEvery?: number;
  /**
   * Refine the scan positions during the iterations (positions.ts): true for the defaults
   * (from iteration 5, ≤ 0.5 px per iteration, ≤ 8 px in all), or those settings. Refined
   * positions use exact subpixel shifts. Default off.
   */
  refinePositions?: boolean | Partial<import('./positions.ts').RefineOptions>;
  /** Object step α, default 1. */
  alpha?: number;
  /** Probe step β, default 1. */
  beta?: number;
  /** First iteration (0-based) with probe updates; default 0 (measured: as good or better than later starts, and the error falls monotonically). */
  probeUpdateStart?: number;
  /** Incoherent probe modes K (1 = plain ePIE), at most 8. Default 1. */
  probeModes?: number;
  /**
   * 'sequential' ePIE (one position at a time) or 'parallel' (mini-batches with accumulated,
   * normalised updates). Default: 'sequential' on the CPU from a generic probe guess (mean
   * pattern, aperture, Gaussian), else 'parallel' (options.ts defaultMode).
   */
  mode?: EpieMode;
  /** Parallel mode: positions per batch (all see the same object and probe; bounds work memory). Default ≈ 1/25 of the positions, 16..256. */
  batchSize?: number;
  /** Seed of the position order (and of extra probe modes). Default 1. */
  seed?: number;
  backend?: Backend;
  ctx?: GpuContext;
  probeInit?: ProbeInit;
  /**
   * Subpixel positions: 'fourier' (default) shifts the probe exactly by a Fourier phase ramp;
   * 'nearest' rounds positions to whole object pixels (as PtyPy does), saving two FFTs per
   * position in the parallel mode and the probe shifts in the sequential mode.
   */
  subpixel?: 'fourier' | 'nearest';
  /** Initial object on this scan's grid (see reconstructSeries for other grids). Default ones. */
  objectInit?: ComplexArray;
  /** Frames per FrameSource read. Default 256. */
  blockFrames?: number;
  /** Bytes of patterns processed together (a chunk: the unit of random ordering and streaming). Default 512 MiB. */
  chunkBytes?: number;
  /** Keep all patterns in host memory up to this many bytes, else re-read per iteration. Default min(4 GiB, RAM/3). */
  hostBudgetBytes?: number;
  /** Keep all patterns on the GPU up to this many bytes, else stream chunks each iteration. Default 2 GiB. */
  gpuBudgetBytes?: number;
  /** CPU worker threads for the parallel mode; default the core count (max 8). */
  threads?: number;
  /** Orthogonalise the probe modes every this many iterations (K > 1). Default 1. */
  orthogonalizeEvery?: number;
  /** Stop early once the iteration's Fourier error is at or below this. */
  targetError?: number;
  /** Fraction of the maximum illumination defining the well-lit area (phase ramp, modulus normalisation). Default 0.1. */
  illuminationThreshold?: number;
  /** Scale the object so the 95th-percentile modulus on the well-lit area is 1 (free space ≈ 1), the probe inversely. Default true. */
  normalizeModulus?: boolean;
  /**
   * Parallel mode: γ in the step denominators (1 − γ)·Σ_j|P_j|² + γ·max|P|² (object) and
   * (1 − γ)·Σ_j|O_j|² + γ·Σ_j max|O_j|² (probe) of a batch; γ = 1 with batchSize 1 is ePIE. Default 0.2.
   */
  regularization?: number;
}

export interface EpieTimings {
  backend: 'gpu' | 'cpu';
  mode: EpieMode;
  /** Worker threads (CPU parallel) or 1. */
  threads: number;
  /** Reading and checking the patterns. */
  loadS: number;
  /** Engine start: GPU pipelines and uploads, or CPU worker threads. */
  setupS: number;
  iterateS: number;
  totalS: number;
  perIterationS: number;
  patternUpdatesPerS: number;
  iterations: number;
  chunks: number;
  /** Patterns kept in host memory (else re-read per iteration). */
  hostResident: boolean;
  /** Patterns kept on the GPU (else streamed per iteration); false on the CPU path. */
  gpuResident: boolean;
  peakRssBytes: number;
  /** Bytes of GPU buffers this reconstruction allocated (its FFT plans' own scratch excluded). */
  gpuBytes: number;
  adapter?: string;
}

export interface EpieResult {
  /** Complex object [h, w], global phase offset and linear ramp removed on the well-lit area. */
  object: ComplexArray;
  modulus: RealArray;
  phase: RealArray;
  /** Probe modes [K, n, n], centre at (n/2, n/2), sorted by power. */
  probe: ComplexArray;
  modePowers: number[];
  pixelSizeM: number;
  /** Object pixel (0,0) position (x, y) in metres, same frame as positionsM. */
  originM: [number, number];
  /** Scan positions (x, y) in metres as used at the end: the refined ones with `refinePositions`, else the input's. */
  positionsM: Float64Array;
  /** Refined minus input positions (x, y) in metres (zeros without refinement; subpixel rounding of 'nearest' excluded). */
  positionShiftsM: Float64Array;
  /** Per-iteration Fourier magnitude error Σ(|Ψ|−√I)²/ΣI over valid pixels. */
  errors: number[];
  /** Σ_j Σ_k |P_k(r − r_j)|² on the object grid. */
  illumination: RealArray;
  /** Well-lit area (illumination > threshold × max), 1 = inside. */
  illuminatedMask: Uint8Array;
  energyEv: number;
  label: string;
  timings: EpieTimings;
}
