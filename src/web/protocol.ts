/**
 * Messages between the page (main.ts) and its one Worker (engine.worker.ts), which owns
 * h5wasm, the GPU device and every computation, so the page never freezes.
 */
import type { CxiReadOptions } from '../io/cxi-read.ts';
import type { Backend } from '../gpu/backend.ts';
import type { EpieMode } from '../ptycho/types.ts';

export interface EntrySummary {
  name: string;
  energyEv: number;
  nFrames: number;
  height: number;
  width: number;
}

export interface RunSettings {
  iterations: number;
  warmIterations: number;
  alpha: number;
  beta: number;
  probeModes: number;
  mode: EpieMode;
  backend: Backend;
  probeInit: 'zone-plate' | 'mean-pattern';
}

export type ToWorker =
  /** A CXI/HDF5 scan or results.h5; or a TIFF stack [nE, h, w] with its energy sidecar (or energies in its ImageJ description). */
  | { type: 'open'; files: File[]; read: CxiReadOptions; backend: Backend }
  /** Simulates the demo sample (demo-sample.ts) in the Worker and loads it. */
  | { type: 'simulate'; seed: number }
  | { type: 'pattern'; entry: string; index: number }
  /** `entries`: the CXI entries to reconstruct (all, or a subset to try settings on). */
  | { type: 'run'; settings: RunSettings; entries: string[] }
  | { type: 'cancel' }
  /** Holds the run before its next energy (or lets it go on). */
  | { type: 'pause'; paused: boolean }
  | { type: 'spectrum'; row: number; col: number }
  /** The volume-rendering canvas, handed to the Worker once (it draws with its GPU device). */
  | { type: 'volume-canvas'; canvas: OffscreenCanvas }
  | { type: 'volume-draw'; params: import('./worker/volume-render.ts').VolumeViewParams };

/** A finished fit (live run or a results.h5). */
export interface FitView {
  shape: [number, number];
  state: Float32Array;
  stateStd: Float32Array;
  edgeEv: Float32Array;
  edgeStdEv: Float32Array;
  energiesEv: number[];
  pixelSizeM: number;
  /** Registered −ln|O| stack [nE, h, w] (absent in a results.h5 without it). */
  stack?: Float32Array;
  summary: Record<string, unknown>;
  /** NiO / LiNiO2 reference states of the calibration, for the histogram's lines. */
  refLines: { x: number; label: string }[];
  backend: string;
  source: 'run' | 'results.h5' | 'stack';
}

/** A 3D result: the oxidation-state volume [z, y, x] of a results.h5. */
export interface VolumeView {
  shape: [number, number, number];
  state: Float32Array;
  stateStd: Float32Array;
  voxelSizeM: number;
  summary: Record<string, unknown>;
  refLines: { x: number; label: string }[];
}

export type FromWorker =
  | { type: 'gpu'; available: boolean; adapter?: string; isSoftware?: boolean; reason?: string }
  | { type: 'loaded'; file: string; bytes: number; entries: EntrySummary[]; positionsM: Float64Array; validMask: Uint8Array; geometry: { distanceM: number; pixelM: [number, number] } }
  | { type: 'pattern'; entry: string; index: number; data: Float32Array; height: number; width: number }
  | { type: 'progress'; stage: string; done: number; total: number; message?: string; values?: Record<string, number> }
  | { type: 'energy'; index: number; total: number; energyEv: number; modulus: Float32Array; phase: Float32Array; shape: [number, number]; probe: Float32Array; probeShape: [number, number]; errors: number[]; seconds: number; backend: string }
  | { type: 'fit'; fit: FitView }
  | { type: 'volume'; volume: VolumeView }
  /** Volume rendering: ready after a volume was loaded, or why not (no WebGPU). */
  | { type: 'volume-rendering'; ok: boolean; message?: string }
  | {
      type: 'spectrum';
      row: number;
      col: number;
      energiesEv: number[];
      /** −ln|O| at the pixel, or normalised μ when `model` is given. */
      values: number[];
      normalized: boolean;
      /** The fitted shape at this pixel (shared model: the template shifted to the pixel's edge): sum and the three Gaussians. */
      model?: { energiesEv: number[]; sum: number[]; parts: number[][] };
      state: number;
      std: number;
      edgeEv: number;
      edgeStdEv: number;
    }
  /** `fitted`: false when too few energies were chosen for registration and the XANES fit. */
  | { type: 'done'; seconds: number; fitted: boolean; note?: string }
  | { type: 'cancelled' }
  | { type: 'error'; message: string };
