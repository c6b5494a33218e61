/**
 * Surface-to-core profiles: the oxidation state of each crystal against the depth of a
 * voxel below the crystal's exposed surface (exact Euclidean distance to the nearest
 * non-material voxel, less a quarter voxel, in nm: see depthOfDistanceNm), averaged in depth bins, and the mean
 * profile over crystals. A contact face between touching crystals is not a surface (the
 * distance runs to background only), and crystals cut by the array border are left out of
 * the mean by default: their depths there are unknown.
 */
import { PtyxanesError } from '../core/errors.ts';
import { depthOfDistanceNm, groupByLabel } from './crystals.ts';
import { onBorder, unravel } from './grid.ts';
import type { Segmentation } from './segment.ts';

export interface ProfileOptions {
  /** Depth bin width in nm (default: one pixel, the finest the map resolves). */
  binWidthNm?: number;
  /** Bins with fewer finite voxels are left out (default 3). */
  minVoxelsPerBin?: number;
  /** Include crystals that touch the array border in the mean (default false). */
  includeBorderCrystals?: boolean;
}

export interface Profile {
  /** Mean depth of the voxels in each bin (nm): the abscissa fits use. */
  depthNm: number[];
  /** Mean oxidation state per bin. */
  mean: number[];
  /** Standard error of the bin mean from the per-voxel uncertainties, √(Σσ²)/n (the scatter's std/√n without them). */
  uncertainty: number[];
  /** Standard error from the scatter of the values, std/√n (between crystals for the mean profile). */
  sem: number[];
  /** Finite voxels (crystals, for the mean profile) per bin. */
  count: number[];
}

export interface CrystalProfile extends Profile {
  id: number;
  /** Inscribed radius (nm): the largest voxel depth. */
  radiusNm: number;
  touchesBorder: boolean;
}

export interface SurfaceProfiles {
  binWidthNm: number;
  crystals: CrystalProfile[];
  /** Equal-weight mean over the included crystals' profiles, bin by bin. */
  mean: Profile;
  /** Crystal ids averaged into the mean profile. */
  meanOf: number[];
  /** Median inscribed radius of those crystals (nm): the size used to fit the mean profile. */
  meanRadiusNm: number;
  warnings: string[];
}

export function surfaceProfiles(seg: Segmentation, state: Float32Array, uncertainty?: Float32Array, opts: ProfileOptions = {}): SurfaceProfiles {
  const minSpNm = Math.min(...seg.spacingM) * 1e9;
  const bw = opts.binWidthNm ?? minSpNm;
  if (!(bw > 0) || !Number.isFinite(bw)) throw new PtyxanesError('bad profile bin width', { field: 'binWidthNm', expected: 'a positive number of nm', found: String(bw) });
  const minN = opts.minVoxelsPerBin ?? 3;
  const { offsets, indices } = groupByLabel(seg.labels, seg.count);
  const c = new Array<number>(seg.shape.length);
  const crystals: CrystalProfile[] = [];
  for (let k = 1; k <= seg.count; k++) {
    let maxDepth = 0, border = false;
    const bins = new Map<number, { n: number; s: number; s2: number; u2: number; nu: number; d: number }>();
    for (let t = offsets[k]; t < offsets[k + 1]; t++) {
      const i = indices[t];
      unravel(i, seg.shape, c);
      if (!border && onBorder(c, seg.shape)) border = true;
      const depth = depthOfDistanceNm(seg.distanceM[i], seg.spacingM);
      if (depth > maxDepth) maxDepth = depth;
      const v = state[i];
      if (!Number.isFinite(v)) continue;
      const b = Math.floor(depth / bw);
      let e = bins.get(b);
      if (!e) bins.set(b, (e = { n: 0, s: 0, s2: 0, u2: 0, nu: 0, d: 0 }));
      e.n++;
      e.s += v;
      e.s2 += v * v;
      e.d += depth;
      const u = uncertainty?.[i];
      if (u !== undefined && Number.isFinite(u)) {
        e.u2 += u * u;
        e.nu++;
      }
    }
    const p: CrystalProfile = { id: k, radiusNm: maxDepth, touchesBorder: border, depthNm: [], mean: [], uncertainty: [], sem: [], count: [] };
    for (const b of [...bins.keys()].sort((x, y) => x - y)) {
      const e = bins.get(b)!;
      if (e.n < minN) continue;
      const m = e.s / e.n;
      const sd = Math.sqrt(Math.max(0, (e.s2 - e.n * m * m) / Math.max(1, e.n - 1)));
      const sem = sd / Math.sqrt(e.n);
      p.depthNm.push(e.d / e.n);
      p.mean.push(m);
      p.sem.push(sem);
      // Voxels without an uncertainty get the bin's scatter as theirs.
      p.uncertainty.push(e.nu ? Math.sqrt(e.u2 + (e.n - e.nu) * sd * sd) / e.n : sem);
      p.count.push(e.n);
    }
    crystals.push(p);
  }
  const warnings: string[] = [];
  let used = crystals.filter((p) => (opts.includeBorderCrystals || !p.touchesBorder) && p.mean.length);
  if (!used.length) {
    used = crystals.filter((p) => p.mean.length);
    if (used.length) warnings.push('every crystal touches the border: the mean profile includes them, depths near the border are underestimated');
  }
  if (!used.length) throw new PtyxanesError('no crystal has a depth bin with enough finite voxels', { field: 'profiles', expected: `≥ ${minN} finite voxels in a bin`, found: 'none' });
  const mean = meanProfile(used, bw);
  const radii = used.map((p) => p.radiusNm).sort((a, b) => a - b);
  return { binWidthNm: bw, crystals, mean, meanOf: used.map((p) => p.id), meanRadiusNm: radii[Math.floor((radii.length - 1) / 2)], warnings };
}

function meanProfile(used: CrystalProfile[], bw: number): Profile {
  const acc = new Map<number, { k: number; s: number; s2: number; u2: number; d: number }>();
  for (const p of used) {
    p.depthNm.forEach((d, j) => {
      const b = Math.floor(d / bw);
      let e = acc.get(b);
      if (!e) acc.set(b, (e = { k: 0, s: 0, s2: 0, u2: 0, d: 0 }));
      e.k++;
      e.s += p.mean[j];
      e.s2 += p.mean[j] ** 2;
      e.u2 += p.uncertainty[j] ** 2;
      e.d += d;
    });
  }
  const out: Profile = { depthNm: [], mean: [], uncertainty: [], sem: [], count: [] };
  for (const b of [...acc.keys()].sort((x, y) => x - y)) {
    const e = acc.get(b)!;
    const m = e.s / e.k;
    out.depthNm.push(e.d / e.k);
    out.mean.push(m);
    out.uncertainty.push(Math.sqrt(e.u2) / e.k);
    out.sem.push(e.k > 1 ? Math.sqrt(Math.max(0, (e.s2 - e.k * m * m) / (e.k - 1)) / e.k) : NaN);
    out.count.push(e.k);
  }
  return out;
}

/** CSV: one row per (crystal, bin); crystal 'mean' for the mean profile. */
export function profilesCsv(p: SurfaceProfiles): string {
  const f = (v: number) => (Number.isFinite(v) ? String(+v.toPrecision(6)) : '');
  const lines = ['crystal,depth_nm,mean_state,uncertainty,sem,count,in_mean'];
  const row = (id: string, q: Profile, inMean: boolean) => q.depthNm.forEach((d, j) => lines.push([id, f(d), f(q.mean[j]), f(q.uncertainty[j]), f(q.sem[j]), q.count[j], inMean ? 1 : 0].join(',')));
  row('mean', p.mean, true);
  for (const c of p.crystals) row(String(c.id), c, p.meanOf.includes(c.id));
  return lines.join('\n') + '\n';
}
