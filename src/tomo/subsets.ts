/**
 * Ordered subsets for SIRT (OS-SIRT; with one angle per subset, SART's per-angle update):
 * the angles are split into S interleaved subsets (subset j holds every S-th angle), visited
 * in bit-reversed order so consecutive subsets look from far-apart directions, and each
 * subset updates the volume with its own C_s = λ/BP_s(1). One iteration visits every
 * subset, i.e. costs what one SIRT iteration costs, but updates the volume S times: on
 * 48³ from 60 angles ... (see sirt.ts for the measurement). S = 1 is SIRT exactly.
 *
 * Kernels see a subset as a contiguous range of angles: the angles (and projections) are
 * permuted once so that each subset's angles are adjacent.
 */
import { PtyxanesError } from '../core/errors.ts';
import { makeGeometry, type TomoGeometry } from './geometry.ts';

export interface SubsetPlan {
  /** S + 1 offsets into the permuted angles: subset s is [starts[s], starts[s+1]). */
  starts: Int32Array;
  /** permuted angle k is original angle order[k] */
  order: Int32Array;
}

/** Subsets visited in bit-reversed order of their index (0, S/2, S/4, 3S/4, …). */
function visitOrder(S: number): number[] {
  let bits = 0;
  while (1 << bits < S) bits++;
  const out: number[] = [];
  for (let i = 0; i < 1 << bits; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    if (r < S) out.push(r);
  }
  return out;
}

export function subsetPlan(nAngles: number, subsets: number): SubsetPlan {
  if (!(Number.isInteger(subsets) && subsets >= 1 && subsets <= nAngles)) {
    throw new PtyxanesError('subsets must be a whole number from 1 to the number of angles', { field: 'subsets', expected: `1 … ${nAngles}`, found: String(subsets) });
  }
  const order = new Int32Array(nAngles);
  const starts = new Int32Array(subsets + 1);
  let k = 0;
  visitOrder(subsets).forEach((j, s) => {
    starts[s] = k;
    for (let a = j; a < nAngles; a += subsets) order[k++] = a;
  });
  starts[subsets] = k;
  return { starts, order };
}

/** The geometry with its angles in the plan's order. */
export function permutedGeometry(g: TomoGeometry, plan: SubsetPlan): TomoGeometry {
  if (plan.starts.length === 2) return g;
  return makeGeometry({ anglesDeg: Array.from(plan.order, (a) => g.anglesDeg[a]), rows: g.rows, cols: g.cols, nx: g.nx, ny: g.ny, centreCol: g.centreCol, rotationSense: g.rotationSense, flipDetector: g.flipDetector });
}

/** Projections [nAngles, n, cols] with their angles in the plan's order (a copy; the input if S = 1). */
export function permuteProjections(proj: Float32Array, plan: SubsetPlan, perAngle: number): Float32Array {
  if (plan.starts.length === 2) return proj;
  const out = new Float32Array(proj.length);
  plan.order.forEach((a, k) => out.set(proj.subarray(a * perAngle, (a + 1) * perAngle), k * perAngle));
  return out;
}

/** The angles [a0, a1) of a (permuted) geometry, as a geometry of their own (a view). */
export function angleRange(g: TomoGeometry, a0: number, a1: number): TomoGeometry {
  if (a0 === 0 && a1 === g.nAngles) return g;
  return { ...g, nAngles: a1 - a0, anglesDeg: g.anglesDeg.subarray(a0, a1), table: g.table.subarray(4 * a0, 4 * a1) };
}
