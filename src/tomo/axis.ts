/**
 * First estimates of the rotation axis and of each projection's shift, from mass
 * conservation in parallel beam: every projection of an object inside the field of view
 * holds the same mass, its centre of mass along the detector traces the sinusoid
 *     u_com(θ) = axis + X·cos θ + Y·sin θ      (X, Y: the object's centre of mass)
 * and its centre along the rows is the same at every angle. A least-squares fit of the
 * sinusoid gives the axis (the constant), and what each projection's centre of mass
 * departs from the fit is its shift, whatever its size: this is what lets alignment start
 * from errors of many pixels. Needs projections of an object surrounded by empty field
 * (attenuation ≈ 0 outside, as −ln|O| of a particle); negative noise is clipped.
 */
import type { TomoGeometry } from './geometry.ts';

export interface MassCentreEstimate {
  /** Axis column (the fit's constant), in the gauge where the shifts have zero mean. */
  centreCol: number;
  /** [nAngles, 2] (dy, dx) that move each projection onto the fitted model. */
  shifts: Float64Array;
}

export function massCentreEstimate(g: TomoGeometry, proj: Float32Array): MassCentreEstimate {
  const n = g.nAngles;
  const cu = new Float64Array(n);
  const cz = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let m = 0;
    let su = 0;
    let sz = 0;
    for (let z = 0; z < g.rows; z++) {
      const off = (a * g.rows + z) * g.cols;
      for (let u = 0; u < g.cols; u++) {
        const v = proj[off + u] > 0 ? proj[off + u] : 0;
        m += v;
        su += v * u;
        sz += v * z;
      }
    }
    cu[a] = m > 0 ? su / m : (g.cols - 1) / 2;
    cz[a] = m > 0 ? sz / m : (g.rows - 1) / 2;
  }
  const [k, X, Y] = fitSinusoid(g, cu);
  let zMean = 0;
  for (let a = 0; a < n; a++) zMean += cz[a] / n;
  const shifts = new Float64Array(2 * n);
  for (let a = 0; a < n; a++) {
    shifts[2 * a] = zMean - cz[a];
    shifts[2 * a + 1] = k + X * g.table[4 * a] + Y * g.table[4 * a + 1] - cu[a];
  }
  return { centreCol: k, shifts };
}

/**
 * Least squares v_a ≈ k + X·c_a + Y·s_a over the angles (c_a, s_a from the geometry table,
 * rotation sense and detector flip included). In alignment this is the gauge of the
 * horizontal shifts: k is a moved axis and (X, Y) a translated volume; on a half turn the
 * three are not orthogonal (sin θ has a mean), so they are fitted together.
 */
export function fitSinusoid(g: TomoGeometry, v: ArrayLike<number>, stride = 1, offset = 0): [number, number, number] {
  const M = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const r = [0, 0, 0];
  for (let a = 0; a < g.nAngles; a++) {
    const row = [1, g.table[4 * a], g.table[4 * a + 1]];
    const y = v[offset + a * stride];
    for (let i = 0; i < 3; i++) {
      r[i] += row[i] * y;
      for (let j = 0; j < 3; j++) M[i][j] += row[i] * row[j];
    }
  }
  return solve3(M, r);
}

/** Solves a 3×3 system (Cramer's rule); a singular system (one angle) returns zeros for X, Y. */
function solve3(M: number[][], r: number[]): [number, number, number] {
  const det = (m: number[][]) => m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const d = det(M);
  if (Math.abs(d) < 1e-9 * Math.max(1, M[0][0] ** 3)) return [r[0] / Math.max(1, M[0][0]), 0, 0];
  const col = (j: number) => M.map((row, i) => row.map((v, k) => (k === j ? r[i] : v)));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

