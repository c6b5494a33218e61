/**
 * Per-crystal table: size (µm² for maps, µm³ for volumes), centroid, and the oxidation
 * state's mean, median, spread and fraction above a threshold (default 3, i.e. Ni³⁺:
 * the paper's Fig. 3 reads the > 3+ regions). CSV and JSON come from the same rows.
 */
import { onBorder, unravel } from './grid.ts';
import type { Segmentation } from './segment.ts';
import { summarize } from './stats.ts';

export const DEFAULT_STATE_THRESHOLD = 3;

export interface CrystalRow {
  id: number;
  voxels: number;
  /** Voxels with a finite oxidation state. */
  validVoxels: number;
  /** Area (µm², maps) or volume (µm³, volumes). */
  size: number;
  sizeUnit: 'um2' | 'um3';
  /** Diameter of the disc (map) or sphere (volume) of the same size (µm). */
  equivalentDiameterUm: number;
  /** Centroid per axis in array order ([y,x] or [z,y,x]), in pixels and µm. */
  centroidPx: number[];
  centroidUm: number[];
  /** Largest depth below the surface (nm): the inscribed radius. */
  maxDepthNm: number;
  mean: number;
  median: number;
  std: number;
  p05: number;
  p95: number;
  /** Mean per-voxel standard error of the state (NaN without an uncertainty map). */
  meanUncertainty: number;
  fractionAbove: number;
  threshold: number;
  touchesBorder: boolean;
}

/** Voxel indices grouped by label: indices[offsets[k] .. offsets[k+1]) hold crystal k. */
export function groupByLabel(labels: Int32Array, count: number): { offsets: Int32Array; indices: Int32Array } {
  const offsets = new Int32Array(count + 2);
  for (let i = 0; i < labels.length; i++) if (labels[i]) offsets[labels[i] + 1]++;
  for (let k = 1; k <= count + 1; k++) offsets[k] += offsets[k - 1];
  const fill = offsets.slice();
  const indices = new Int32Array(offsets[count + 1]);
  for (let i = 0; i < labels.length; i++) if (labels[i]) indices[fill[labels[i]]++] = i;
  return { offsets, indices };
}

export function crystalTable(seg: Segmentation, state: Float32Array, uncertainty?: Float32Array, threshold = DEFAULT_STATE_THRESHOLD): CrystalRow[] {
  const { shape, spacingM } = seg;
  const nd = shape.length;
  const voxelUm = spacingM.reduce((a, s) => a * s * 1e6, 1);
  const { offsets, indices } = groupByLabel(seg.labels, seg.count);
  const c = new Array<number>(nd);
  const rows: CrystalRow[] = [];
  for (let k = 1; k <= seg.count; k++) {
    const a = offsets[k], b = offsets[k + 1];
    const vals: number[] = [];
    const cen = new Array<number>(nd).fill(0);
    let border = false, maxD = 0, uSum = 0, uN = 0, above = 0;
    for (let t = a; t < b; t++) {
      const i = indices[t];
      unravel(i, shape, c);
      for (let ax = 0; ax < nd; ax++) cen[ax] += c[ax];
      if (!border && onBorder(c, shape)) border = true;
      if (seg.distanceM[i] > maxD) maxD = seg.distanceM[i];
      const v = state[i];
      if (Number.isFinite(v)) {
        vals.push(v);
        if (v > threshold) above++;
        const u = uncertainty?.[i];
        if (u !== undefined && Number.isFinite(u)) {
          uSum += u;
          uN++;
        }
      }
    }
    const nv = b - a;
    const s = summarize(vals);
    const size = nv * voxelUm;
    const centroidPx = cen.map((v) => v / nv);
    rows.push({
      id: k,
      voxels: nv,
      validVoxels: s.n,
      size,
      sizeUnit: nd === 3 ? 'um3' : 'um2',
      equivalentDiameterUm: nd === 3 ? Math.cbrt((6 * size) / Math.PI) : 2 * Math.sqrt(size / Math.PI),
      centroidPx,
      centroidUm: centroidPx.map((v, ax) => v * spacingM[ax] * 1e6),
      maxDepthNm: depthOfDistanceNm(maxD, spacingM),
      mean: s.mean,
      median: s.median,
      std: s.std,
      p05: s.p05,
      p95: s.p95,
      meanUncertainty: uN ? uSum / uN : NaN,
      fractionAbove: s.n ? above / s.n : NaN,
      threshold,
      touchesBorder: border,
    });
  }
  return rows;
}

/**
 * Depth of a voxel centre below the surface (nm) from its distance to the nearest
 * background voxel centre. The true surface lies between the last material voxel centre
 * and the first background one; how far depends on the face's angle to the grid: 0.5 voxel
 * for a face along an axis midway between centres, less for slanted faces, where some
 * background centre lies close to the face. Over straight faces at 0–90° and sub-voxel
 * offsets the EDT exceeds the true depth by 0.255 voxel on average (0.17 for discs), so
 * a quarter voxel is subtracted (measured with distanceTransform on half-planes, 48² px).
 */
export const SURFACE_OFFSET_VOXELS = 0.25;

export function depthOfDistanceNm(distanceM: number, spacingM: readonly number[]): number {
  return Math.max(0, distanceM - SURFACE_OFFSET_VOXELS * Math.min(...spacingM)) * 1e9;
}

const AXES = ['z', 'y', 'x'];

export function crystalTableCsv(rows: CrystalRow[], shapeNd: number): string {
  const axes = AXES.slice(3 - shapeNd);
  const unit = shapeNd === 3 ? 'um3' : 'um2';
  const head = ['id', 'voxels', 'valid_voxels', `size_${unit}`, 'equivalent_diameter_um', ...axes.map((a) => `centroid_${a}_um`), ...axes.map((a) => `centroid_${a}_px`), 'max_depth_nm', 'mean', 'median', 'std', 'p05', 'p95', 'mean_uncertainty', 'fraction_above', 'threshold', 'touches_border'];
  const f = (v: number) => (Number.isFinite(v) ? String(+v.toPrecision(6)) : '');
  const lines = [head.join(',')];
  for (const r of rows) {
    lines.push([r.id, r.voxels, r.validVoxels, f(r.size), f(r.equivalentDiameterUm), ...r.centroidUm.map(f), ...r.centroidPx.map(f), f(r.maxDepthNm), f(r.mean), f(r.median), f(r.std), f(r.p05), f(r.p95), f(r.meanUncertainty), f(r.fractionAbove), r.threshold, r.touchesBorder ? 1 : 0].join(','));
  }
  return lines.join('\n') + '\n';
}
