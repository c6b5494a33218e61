/**
 * Options every tomography entry function shares, and the one place that checks
 * projections and angles against each other.
 */
import { PtyxanesError } from '../core/errors.ts';
import type { RealArray } from '../core/arrays.ts';
import type { RunControl } from '../core/progress.ts';
import type { Backend } from '../gpu/backend.ts';
import type { GpuContext } from '../gpu/context.ts';
import { checkFinite, makeGeometry, type TomoGeometry } from './geometry.ts';

export interface TomoOptions extends RunControl {
  backend?: Backend;
  ctx?: GpuContext;
  /** CPU threads (default: all cores, at most 8). */
  threads?: number;
  /** Rotation axis on the detector, columns (default (cols − 1)/2). */
  centreCol?: number;
  rotationSense?: 1 | -1;
  flipDetector?: boolean;
  /** Volume slice size (default cols × cols). */
  nx?: number;
  ny?: number;
  /** GPU memory a call may hold for slab buffers (default 1 GiB); slabs of z stream through it. */
  gpuBudgetBytes?: number;
  /** Rows per GPU slab (default: the most that fit the budget). */
  slabRows?: number;
  /** File the projections came from, for error messages. */
  file?: string;
}

export const DEFAULT_GPU_BUDGET_BYTES = 1024 ** 3;

/** Geometry for projections [nAngles, rows, cols] and their angles, checked. */
export function geometryForProjections(projections: RealArray, anglesDeg: ArrayLike<number>, opts: TomoOptions, field = 'projections'): TomoGeometry {
  const s = projections?.shape;
  if (!projections || !(projections.data instanceof Float32Array) || !s || s.length !== 3) {
    throw new PtyxanesError('projections must be a float32 stack', { file: opts.file, field, expected: '[angles, rows, cols]', found: s ? `[${s.join(', ')}]` : typeof projections });
  }
  if (s.some((v) => !(v > 0))) throw new PtyxanesError('empty projection stack', { file: opts.file, field, expected: 'all sizes ≥ 1', found: `[${s.join(', ')}]` });
  if (projections.data.length !== s[0] * s[1] * s[2]) throw new PtyxanesError('data length does not match shape', { file: opts.file, field, expected: String(s[0] * s[1] * s[2]), found: String(projections.data.length) });
  if (anglesDeg.length !== s[0]) {
    throw new PtyxanesError('angle count differs from projection count', { file: opts.file, field: 'angles', expected: `${s[0]} angles (one per projection)`, found: String(anglesDeg.length) });
  }
  const g = makeGeometry({ anglesDeg, rows: s[1], cols: s[2], nx: opts.nx, ny: opts.ny, centreCol: opts.centreCol, rotationSense: opts.rotationSense, flipDetector: opts.flipDetector }, opts.file);
  checkFinite(projections.data, s, field, opts.file);
  return g;
}

/** Geometry for a volume [rows, ny, nx] projected onto `cols` detector columns. */
export function geometryForVolume(volume: RealArray, anglesDeg: ArrayLike<number>, opts: TomoOptions & { cols?: number }): TomoGeometry {
  const s = volume?.shape;
  if (!volume || !(volume.data instanceof Float32Array) || !s || s.length !== 3 || s.some((v) => !(v > 0))) {
    throw new PtyxanesError('volume must be a non-empty float32 array', { file: opts.file, field: 'volume', expected: '[z, y, x]', found: s ? `[${s.join(', ')}]` : typeof volume });
  }
  const g = makeGeometry({ anglesDeg, rows: s[0], cols: opts.cols ?? s[2], nx: s[2], ny: s[1], centreCol: opts.centreCol, rotationSense: opts.rotationSense, flipDetector: opts.flipDetector }, opts.file);
  checkFinite(volume.data, s, 'volume', opts.file);
  return g;
}
