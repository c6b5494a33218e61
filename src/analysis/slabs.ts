/**
 * Slabs: connected regions of a crystal above a state threshold (default 3+, the paper's
 * Ni³⁺ slabs along the Li layers, Figs. 3–4), each with its dominant plane from the
 * principal axes of its voxel positions (µm): the plane normal is the axis of least
 * spread, and a slab of uniform thickness T has variance T²/12 along it, so T = √(12·λmin).
 * In a map [y,x] a slab is seen edge-on as a band: its trace angle is reported (degrees
 * counter-clockwise from +x as displayed, rows increasing downwards); in a volume the
 * normal vector and its polar angle from the z axis.
 */
import { groupByLabel } from './crystals.ts';
import { unravel } from './grid.ts';
import { connectedComponents, relabelBySize } from './labels.ts';
import type { Segmentation } from './segment.ts';

export interface SlabOptions {
  /** State above which a voxel belongs to a slab (default 3). */
  threshold?: number;
  /** Smallest slab in voxels (default 9: a 3×3 patch, below which noise specks dominate). */
  minVoxels?: number;
}

export interface Orientation {
  /** Unit normal of the dominant plane in (x, y[, z]) order. */
  normal: number[];
  /** 2D: trace (long-axis) angle, degrees in [0, 180); 3D: polar angle of the normal from z, degrees in [0, 90]. */
  angleDeg: number;
  /** 3D only: azimuth of the normal in the x–y plane, degrees counter-clockwise from +x. */
  azimuthDeg?: number;
  /** Thickness √(12 λmin) and extent √(12 λmax) along the principal axes (nm). */
  thicknessNm: number;
  lengthNm: number;
  /** 1 − λmin/λnext: near 1 for a thin flat region, 0 for a round blob. */
  planarity: number;
}

export interface Slab extends Orientation {
  id: number;
  crystal: number;
  voxels: number;
  centroidUm: number[];
  meanState: number;
}

export interface CrystalSlabs {
  crystal: number;
  count: number;
  /** Fraction of the crystal's voxels in its slabs. */
  fraction: number;
  meanThicknessNm: number;
  /** Principal-axes orientation of all the crystal's voxels above the threshold (null if fewer than 3). */
  orientation: Orientation | null;
}

export interface SlabResult {
  threshold: number;
  slabs: Slab[];
  perCrystal: CrystalSlabs[];
  /** Slab id per voxel (0 = none). */
  labels: Int32Array;
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: values ascending, vectors as columns. */
export function symmetricEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      if (Math.abs(m[p][q]) < 1e-300) continue;
      const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const mkp = m[k][p], mkq = m[k][q];
        m[k][p] = c * mkp - s * mkq;
        m[k][q] = s * mkp + c * mkq;
      }
      for (let k = 0; k < n; k++) {
        const mpk = m[p][k], mqk = m[q][k];
        m[p][k] = c * mpk - s * mqk;
        m[q][k] = s * mpk + c * mqk;
      }
      for (let k = 0; k < n; k++) {
        const vkp = v[k][p], vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i][i] - m[j][j]);
  return { values: order.map((i) => m[i][i]), vectors: v.map((row) => order.map((i) => row[i])) };
}

/** Principal-axes orientation of voxel positions (array-order coordinates, spacing in m). */
export function orientationOf(indices: ArrayLike<number>, shape: readonly number[], spacingM: readonly number[]): Orientation | null {
  const nd = shape.length;
  const n = indices.length;
  if (n < 3 || nd < 2) return null;
  const c = new Array<number>(nd);
  const mean = new Array<number>(nd).fill(0);
  const cov = Array.from({ length: nd }, () => new Array<number>(nd).fill(0));
  // Physical positions (µm) in (x, y, z) order: reverse the array axes.
  const pos = (i: number) => {
    unravel(i, shape, c);
    return c.map((v, a) => v * spacingM[a] * 1e6).reverse();
  };
  for (let t = 0; t < n; t++) pos(indices[t]).forEach((v, a) => (mean[a] += v / n));
  for (let t = 0; t < n; t++) {
    const p = pos(indices[t]).map((v, a) => v - mean[a]);
    for (let a = 0; a < nd; a++) for (let b = 0; b < nd; b++) cov[a][b] += (p[a] * p[b]) / n;
  }
  // A voxel is a cube, not a point: add its own variance (s²/12) so a one-voxel-thick slab is s thick.
  const vox = [...spacingM].reverse().map((s) => (s * 1e6) ** 2 / 12);
  for (let a = 0; a < nd; a++) cov[a][a] += vox[a];
  const { values, vectors } = symmetricEigen(cov);
  let normal = vectors.map((row) => row[0]);
  if (normal[normal.length - 1] < 0 || (normal[normal.length - 1] === 0 && normal[0] < 0)) normal = normal.map((v) => -v);
  const lmin = Math.max(0, values[0]), lnext = Math.max(1e-30, values[1]), lmax = Math.max(0, values[nd - 1]);
  const o: Orientation = { normal, angleDeg: 0, thicknessNm: Math.sqrt(12 * lmin) * 1e3, lengthNm: Math.sqrt(12 * lmax) * 1e3, planarity: 1 - lmin / lnext };
  if (nd === 2) {
    // Trace = long axis = normal turned by 90°; y points down the rows, so negate it for a displayed angle.
    const tx = -normal[1], ty = normal[0];
    o.angleDeg = (((Math.atan2(-ty, tx) * 180) / Math.PI) % 180 + 180) % 180;
  } else {
    o.angleDeg = (Math.acos(Math.min(1, Math.abs(normal[2]))) * 180) / Math.PI;
    o.azimuthDeg = (((Math.atan2(normal[1], normal[0]) * 180) / Math.PI) + 360) % 360;
  }
  return o;
}

export function findSlabs(seg: Segmentation, state: Float32Array, opts: SlabOptions = {}): SlabResult {
  const threshold = opts.threshold ?? 3;
  const minVox = opts.minVoxels ?? 9;
  const above = new Uint8Array(state.length);
  for (let i = 0; i < state.length; i++) above[i] = seg.labels[i] && state[i] > threshold ? 1 : 0;
  // Regions never cross a crystal boundary: label within each crystal by masking per crystal id.
  const comp = connectedComponents(above, seg.shape, 'full');
  const split = new Int32Array(state.length);
  const key = new Map<string, number>();
  for (let i = 0; i < state.length; i++) {
    if (!comp.labels[i]) continue;
    const k = `${comp.labels[i]}:${seg.labels[i]}`;
    let id = key.get(k);
    if (id === undefined) key.set(k, (id = key.size + 1));
    split[i] = id;
  }
  const kept = relabelBySize(split, key.size, minVox);
  const { offsets, indices } = groupByLabel(kept.labels, kept.count);
  const slabs: Slab[] = [];
  for (let k = 1; k <= kept.count; k++) {
    const idx = indices.subarray(offsets[k], offsets[k + 1]);
    const o = orientationOf(idx, seg.shape, seg.spacingM)!;
    let s = 0;
    for (const i of idx) s += state[i];
    const c = new Array<number>(seg.shape.length);
    const cen = new Array<number>(seg.shape.length).fill(0);
    for (const i of idx) unravel(i, seg.shape, c).forEach((v, a) => (cen[a] += v / idx.length));
    slabs.push({ id: k, crystal: seg.labels[idx[0]], voxels: idx.length, centroidUm: cen.map((v, a) => v * seg.spacingM[a] * 1e6), meanState: s / idx.length, ...o });
  }
  const byCrystal = groupByLabel(seg.labels, seg.count);
  const perCrystal: CrystalSlabs[] = [];
  for (let cid = 1; cid <= seg.count; cid++) {
    const mine = slabs.filter((s) => s.crystal === cid);
    const vox = byCrystal.indices.subarray(byCrystal.offsets[cid], byCrystal.offsets[cid + 1]);
    const hi = Array.from(vox).filter((i) => above[i]);
    perCrystal.push({
      crystal: cid,
      count: mine.length,
      fraction: mine.reduce((a, s) => a + s.voxels, 0) / Math.max(1, vox.length),
      meanThicknessNm: mine.length ? mine.reduce((a, s) => a + s.thicknessNm, 0) / mine.length : NaN,
      orientation: orientationOf(hi, seg.shape, seg.spacingM),
    });
  }
  return { threshold, slabs, perCrystal, labels: kept.labels };
}

export function slabsCsv(r: SlabResult, nd: number): string {
  const f = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? String(+v.toPrecision(6)) : '');
  const axes = ['x', 'y', 'z'].slice(0, nd);
  const head = ['slab', 'crystal', 'voxels', 'mean_state', 'thickness_nm', 'length_nm', 'planarity', nd === 2 ? 'trace_angle_deg' : 'normal_polar_deg', 'normal_azimuth_deg', ...axes.map((a) => `normal_${a}`)];
  const lines = [head.join(',')];
  for (const s of r.slabs) lines.push([s.id, s.crystal, s.voxels, f(s.meanState), f(s.thicknessNm), f(s.lengthNm), f(s.planarity), f(s.angleDeg), f(s.azimuthDeg), ...s.normal.map(f)].join(','));
  return lines.join('\n') + '\n';
}

/** One row per crystal: slab count, fraction of its voxels in slabs, mean thickness, orientation of its > threshold voxels. */
export function slabsPerCrystalCsv(r: SlabResult, nd: number): string {
  const f = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? String(+v.toPrecision(6)) : '');
  const axes = ['x', 'y', 'z'].slice(0, nd);
  const lines = [['crystal', 'slabs', 'slab_fraction', 'mean_thickness_nm', nd === 2 ? 'above_trace_angle_deg' : 'above_normal_polar_deg', 'above_planarity', ...axes.map((a) => `above_normal_${a}`)].join(',')];
  for (const c of r.perCrystal) lines.push([c.crystal, c.count, f(c.fraction), f(c.meanThicknessNm), f(c.orientation?.angleDeg), f(c.orientation?.planarity), ...axes.map((_, a) => f(c.orientation?.normal[a]))].join(','));
  return lines.join('\n') + '\n';
}
