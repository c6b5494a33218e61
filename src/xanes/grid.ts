/**
 * Energy grids and the index ranges the fit uses (pre-edge, post-edge, edge fit window),
 * validated once per stack so that per-pixel code never meets a bad grid.
 */
import { PtyxanesError, check } from '../core/errors.ts';

/** The reference paper's 2D grid: 8.270, 8.285, 8.300, 8.325–8.370 keV in 1 eV steps, 8.400, 8.420 keV (51 energies). */
export const PAPER_2D_ENERGIES_EV: readonly number[] = Object.freeze([
  8270, 8285, 8300,
  ...Array.from({ length: 46 }, (_, i) => 8325 + i),
  8400, 8420,
]);

/** The paper's 3D grid: same pre/post-edge energies, 8.341–8.360 keV in 1 eV steps (25 energies). */
export const PAPER_3D_ENERGIES_EV: readonly number[] = Object.freeze([
  8270, 8285, 8300,
  ...Array.from({ length: 20 }, (_, i) => 8341 + i),
  8400, 8420,
]);

export const DEFAULT_PRE_EDGE_EV: [number, number] = [8270, 8300];
export const DEFAULT_POST_EDGE_EV: [number, number] = [8400, 8420];

export interface GridOptions {
  preEdgeEv?: [number, number];
  postEdgeEv?: [number, number];
  /** Edge fit window; default: the energies strictly between the pre- and post-edge ranges. */
  fitRangeEv?: [number, number];
  /** Post-edge model: a line (default, 2+ points) or a quadratic (3+ points). */
  postEdgeDegree?: 1 | 2;
  /**
   * Energy at which the edge step post(E) − pre(E) is taken. Default: the mean of the
   * post-edge energies, where the post-edge line is best determined. (Extrapolating two
   * post-edge points 50 eV back to the edge would scale each spectrum by their EXAFS-driven
   * slope: NiO's 8.40 keV EXAFS maximum makes that step 1.7× too large.)
   */
  edgeStepEnergyEv?: number;
}

export interface EnergyGrid {
  energyEv: Float64Array;
  preIdx: number[];
  postIdx: number[];
  /** Fit window [fitLo, fitHi) as indices into energyEv. */
  fitLo: number;
  fitHi: number;
  postEdgeDegree: 1 | 2;
  edgeStepEnergyEv: number;
  preEdgeEv: [number, number];
  postEdgeEv: [number, number];
  fitRangeEv: [number, number];
}

function checkRange(r: unknown, field: string): [number, number] {
  check(Array.isArray(r) && r.length === 2 && r.every(Number.isFinite) && r[0] <= r[1], 'must be [lowEv, highEv] with low ≤ high', { field, found: JSON.stringify(r) });
  return [r[0], r[1]];
}

/** Validates energies (finite, strictly increasing) and resolves the ranges into indices. */
export function resolveGrid(energies: ArrayLike<number>, opts: GridOptions = {}, where = 'energies'): EnergyGrid {
  const n = energies.length;
  check(n >= 7, 'too few energies for normalisation and a 3-Gaussian edge fit', { field: where, expected: 'at least 7', found: `${n}` });
  const e = Float64Array.from(energies);
  for (let i = 0; i < n; i++) {
    check(Number.isFinite(e[i]), 'energy is not a finite number', { field: `${where}[${i}]`, found: String(e[i]) });
    if (i > 0 && !(e[i] > e[i - 1])) {
      const what = e[i] === e[i - 1] ? 'duplicate energy' : 'energies are not in increasing order';
      throw new PtyxanesError(what, { field: `${where}[${i}]`, expected: `> ${e[i - 1]} eV`, found: `${e[i]} eV` });
    }
  }
  check(e[0] > 1000 && e[n - 1] < 100000, 'energies must be in eV (convert keV once, at the reader)', { field: where, expected: 'values in eV (e.g. 8270–8420)', found: `${e[0]}–${e[n - 1]}` });
  const preEdgeEv = checkRange(opts.preEdgeEv ?? DEFAULT_PRE_EDGE_EV, 'preEdgeEv');
  const postEdgeEv = checkRange(opts.postEdgeEv ?? DEFAULT_POST_EDGE_EV, 'postEdgeEv');
  check(preEdgeEv[1] < postEdgeEv[0], 'pre-edge range must end below the post-edge range', { field: 'preEdgeEv/postEdgeEv', found: `${preEdgeEv} / ${postEdgeEv}` });
  const degree = opts.postEdgeDegree ?? 1;
  check(degree === 1 || degree === 2, 'post-edge model must be 1 (line) or 2 (quadratic)', { field: 'postEdgeDegree', found: String(degree) });
  const inRange = (r: [number, number]) => [...e.keys()].filter((i) => e[i] >= r[0] - 1e-6 && e[i] <= r[1] + 1e-6);
  const preIdx = inRange(preEdgeEv);
  const postIdx = inRange(postEdgeEv);
  check(preIdx.length >= 2, 'fewer than 2 energies in the pre-edge range', { field: 'preEdgeEv', expected: `≥ 2 energies in ${preEdgeEv[0]}–${preEdgeEv[1]} eV`, found: `${preIdx.length}` });
  check(postIdx.length >= degree + 1, `fewer than ${degree + 1} energies in the post-edge range`, { field: 'postEdgeEv', expected: `≥ ${degree + 1} energies in ${postEdgeEv[0]}–${postEdgeEv[1]} eV`, found: `${postIdx.length}` });
  let fitRangeEv: [number, number];
  let fit: number[];
  if (opts.fitRangeEv) {
    fitRangeEv = checkRange(opts.fitRangeEv, 'fitRangeEv');
    fit = inRange(fitRangeEv);
  } else {
    fit = [...e.keys()].filter((i) => e[i] > preEdgeEv[1] + 1e-6 && e[i] < postEdgeEv[0] - 1e-6);
    fitRangeEv = fit.length ? [e[fit[0]], e[fit[fit.length - 1]]] : [preEdgeEv[1], postEdgeEv[0]];
  }
  // Nine parameters need clearly more than nine points to leave residual degrees of freedom.
  check(fit.length >= 12, 'too few energies in the edge fit window for three Gaussians', { field: 'fitRangeEv', expected: '≥ 12 energies', found: `${fit.length} in ${fitRangeEv[0]}–${fitRangeEv[1]} eV` });
  const edgeStepEnergyEv = opts.edgeStepEnergyEv ?? postIdx.reduce((acc, i) => acc + e[i], 0) / postIdx.length;
  check(Number.isFinite(edgeStepEnergyEv), 'must be a finite energy in eV', { field: 'edgeStepEnergyEv', found: String(edgeStepEnergyEv) });
  return { energyEv: e, preIdx, postIdx, fitLo: fit[0], fitHi: fit[fit.length - 1] + 1, postEdgeDegree: degree, edgeStepEnergyEv, preEdgeEv, postEdgeEv, fitRangeEv };
}
