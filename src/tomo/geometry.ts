/**
 * Parallel-beam tomography geometry, stated once for every projector, solver and file.
 *
 * - Volume `[z, y, x]` (row-major, x fastest); z is the rotation axis and equals the
 *   projection rows, one voxel per detector pixel (the voxel size is the projections' pixel
 *   size). Voxel (ix, iy) has centred coordinates x = ix − (nx − 1)/2, y = iy − (ny − 1)/2.
 * - Projections `[angle, rows, cols]`; angles θ in degrees in the API and in files.
 * - At angle θ the voxel (x, y) lands on detector column
 *       u = x·cos θ + y·sin θ + centreCol
 *   so θ = 0 sums along y (columns of a slice map onto detector columns, as scikit-image's
 *   `radon` at 0°), and increasing θ turns the object clockwise in the (x right, y down)
 *   picture of a slice. `centreCol` is where the rotation axis meets the detector, in
 *   columns from the first column's centre, subpixel; default the detector centre
 *   (nCols − 1)/2.
 * - Data from another convention: `rotationSense: -1` uses −θ; `flipDetector` mirrors the
 *   detector columns (u → nCols − 1 − u; `centreCol` is then given in the flipped data's
 *   columns, i.e. as the file has it). Both are folded into the per-angle table here, so
 *   kernels never branch on them.
 * - Projection values are line integrals in units of one voxel length (e.g. −ln|O| from
 *   ptychography); the volume is then attenuation per voxel length: divide by the voxel
 *   size in metres for 1/m.
 */
import { PtyxanesError } from '../core/errors.ts';

export interface TomoGeometryInput {
  /** Projection angles θ, degrees (one per projection). */
  anglesDeg: ArrayLike<number>;
  /** Detector rows (= volume z) and columns. */
  rows: number;
  cols: number;
  /** Volume slice size; default nx = ny = cols. */
  nx?: number;
  ny?: number;
  /** Rotation axis position on the detector, columns (default (cols − 1)/2). */
  centreCol?: number;
  /** +1 (default) or −1 to reverse the rotation sense. */
  rotationSense?: 1 | -1;
  /** Mirror the detector columns (data written with the opposite detector axis). */
  flipDetector?: boolean;
}

export interface TomoGeometry {
  nAngles: number;
  rows: number;
  cols: number;
  nx: number;
  ny: number;
  anglesDeg: Float64Array;
  centreCol: number;
  rotationSense: 1 | -1;
  flipDetector: boolean;
  /**
   * Per angle (cos, sin, centre, 0) as used by the kernels: u = x·c + y·s + centre, with the
   * rotation sense and detector flip folded in. Float32 for the GPU, same numbers on the CPU.
   */
  table: Float32Array;
}

/** Angles that all lie within ±2π and span more than 4 "degrees" look like radians. */
function looksLikeRadians(a: ArrayLike<number>): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]);
    hi = Math.max(hi, a[i]);
  }
  return a.length > 2 && lo >= -2 * Math.PI - 1e-9 && hi <= 2 * Math.PI + 1e-9 && hi - lo > 0;
}

export function makeGeometry(g: TomoGeometryInput, file?: string): TomoGeometry {
  const where = (field: string) => ({ file, field });
  const nAngles = g.anglesDeg?.length ?? 0;
  if (!(nAngles > 0)) throw new PtyxanesError('no projection angles', { ...where('angles'), expected: 'at least one angle in degrees', found: '0' });
  for (const [field, v] of [['rows', g.rows], ['cols', g.cols], ['nx', g.nx ?? g.cols], ['ny', g.ny ?? g.cols]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new PtyxanesError('size must be a positive integer', { ...where(field), expected: '≥ 1', found: String(v) });
  }
  const anglesDeg = Float64Array.from(g.anglesDeg as ArrayLike<number>);
  for (let i = 0; i < nAngles; i++) {
    if (!Number.isFinite(anglesDeg[i])) throw new PtyxanesError('angle is not a finite number', { ...where(`angles[${i}]`), expected: 'degrees', found: String(anglesDeg[i]) });
  }
  if (looksLikeRadians(anglesDeg)) {
    const hi = Math.max(...anglesDeg);
    throw new PtyxanesError('angles look like radians: all lie within ±2π', { ...where('angles'), expected: 'degrees (e.g. 0 … 180)', found: `${Math.min(...anglesDeg).toFixed(3)} … ${hi.toFixed(3)}` });
  }
  const cols = g.cols;
  const centreCol = g.centreCol ?? (cols - 1) / 2;
  if (!Number.isFinite(centreCol) || centreCol < 0 || centreCol > cols - 1) {
    throw new PtyxanesError('rotation axis outside the detector', { ...where('centreCol'), expected: `0 … ${cols - 1} (columns)`, found: String(centreCol) });
  }
  const rotationSense = g.rotationSense ?? 1;
  if (rotationSense !== 1 && rotationSense !== -1) throw new PtyxanesError('rotation sense must be +1 or −1', { ...where('rotationSense'), expected: '1 or -1', found: String(rotationSense) });
  const flipDetector = !!g.flipDetector;
  const table = new Float32Array(4 * nAngles);
  for (let a = 0; a < nAngles; a++) {
    const th = (rotationSense * anglesDeg[a] * Math.PI) / 180;
    let c = Math.cos(th);
    let s = Math.sin(th);
    const centre = centreCol;
    // Flipped detector: u_file = cols − 1 − u, so u_file = −(x c + y s) + (cols − 1 − centre_true);
    // the axis is given in file columns, centre_true = cols − 1 − centreCol.
    if (flipDetector) {
      c = -c;
      s = -s;
    }
    table.set([c, s, centre, 0], 4 * a);
  }
  return { nAngles, rows: g.rows, cols, nx: g.nx ?? cols, ny: g.ny ?? cols, anglesDeg, centreCol, rotationSense, flipDetector, table };
}

/** The same geometry with another axis position (alignment and axis scans). */
export function withCentre(g: TomoGeometry, centreCol: number): TomoGeometry {
  return makeGeometry({ ...g, centreCol });
}

/** The geometry of `rows` detector rows out of `g` (a z slab). */
export function withRows(g: TomoGeometry, rows: number): TomoGeometry {
  if (rows === g.rows) return g;
  return { ...g, rows };
}

/** Volume and projection shapes of a geometry. */
export function volumeShape(g: TomoGeometry): [number, number, number] {
  return [g.rows, g.ny, g.nx];
}
export function projectionShape(g: TomoGeometry): [number, number, number] {
  return [g.nAngles, g.rows, g.cols];
}

/** Checks an array against an expected shape, one line naming the field. */
export function checkShape(arr: { data: Float32Array; shape: readonly number[] } | undefined, expected: readonly number[], field: string, file?: string): void {
  const ok = !!arr && arr.data instanceof Float32Array && arr.shape.length === expected.length && arr.shape.every((v, i) => v === expected[i]) && arr.data.length === expected.reduce((p, v) => p * v, 1);
  if (!ok) throw new PtyxanesError('array shape does not match the geometry', { file, field, expected: `[${expected.join(', ')}]`, found: arr?.shape ? `[${arr.shape.join(', ')}]` : typeof arr });
}

/** Throws on the first NaN/Inf, naming where it is. */
export function checkFinite(data: Float32Array, shape: readonly number[], field: string, file?: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const idx: number[] = [];
      let r = i;
      for (let d = shape.length - 1; d >= 0; d--) {
        idx.unshift(r % shape[d]);
        r = Math.floor(r / shape[d]);
      }
      throw new PtyxanesError('not a finite number', { file, field: `${field}[${idx.join(', ')}]`, expected: 'finite values', found: String(data[i]) });
    }
  }
}
