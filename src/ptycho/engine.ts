/**
 * What reconstruct.ts needs from a backend: run one iteration over a plan, orthogonalise
 * the probe modes, hand back the state. CPU and GPU engines, sequential and parallel,
 * implement it with identical arithmetic so they can be tested against each other.
 */
import type { AmplitudeStore } from './amplitude-store.ts';
import type { ScanPixels } from './geometry.ts';
import type { IterationPlan } from './order.ts';
import type { EpieMode } from './types.ts';
import type { UpdateRule } from './update-rule.ts';
import type { PositionRefiner } from './positions.ts';

export interface EngineSetup {
  store: AmplitudeStore;
  scan: ScanPixels;
  modes: number;
  alpha: number;
  beta: number;
  /** Parallel mode: weight of the max term in the step denominators. */
  gamma: number;
  mode: EpieMode;
  /** Coefficients of the generic update, momentum, modulus bound ('epie' / 'mpie'). */
  rule: UpdateRule;
  batchSize: number;
  /** Initial object [objH, objW] complex. */
  object: Float32Array;
  /** Initial probe modes [K, h, w] complex, real space, unshifted. */
  probe: Float32Array;
  signal?: AbortSignal;
  /** Position refinement: engines add each position's terms into refiner.sums when `iterate` is asked to. */
  refiner: PositionRefiner | null;
}

export interface IterationError {
  /** Σ(|Ψ| − √I)² over valid pixels of all positions. */
  residual: number;
  /** Σ I over the same pixels. */
  intensity: number;
}

export interface EngineState {
  object: Float32Array;
  /** [K, h, w], real space, unshifted (centre at h/2, w/2). */
  probe: Float32Array;
}

export interface EpieEngine {
  /** One pass over the plan; with `refine`, also each position's refinement terms (setup.refiner.sums). */
  iterate(plan: IterationPlan, updateProbe: boolean, refine: boolean): Promise<IterationError>;
  orthogonalize(): Promise<void>;
  read(): Promise<EngineState>;
  /** Bytes of GPU buffers held (0 on the CPU). */
  readonly gpuBytes: number;
  readonly gpuResident: boolean;
  readonly threads: number;
  dispose(): Promise<void> | void;
}
