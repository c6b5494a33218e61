/**
 * Crystal segmentation of an oxidation-state map [y,x] or volume [z,y,x]:
 * 1. material mask: edge step (∝ Ni thickness) above a threshold (Otsu's by default), holes
 *    filled; without an edge-step map, the voxels with a finite state. Faceted crystals are
 *    thin at their rims in projection, and Otsu's cut (between support and bulk crystal)
 *    leaves the rims out: on the simulator's 2d-small truth it kept 60–80 % of each
 *    crystal's footprint. So the cores are split and labelled with that mask, then the rims
 *    down to the XANES fit's own mask (10 % of the 99th percentile of the edge step) join
 *    the crystal they touch first (breadth-first from the cores), and depths are measured
 *    from the surface of the grown crystals. The low threshold alone merges crystals that
 *    touch at their rims (2d-small truth: 3 regions for 6 crystals, against 4 with the cores);
 * 2. touching crystals split by a watershed of the exact Euclidean distance transform.
 *    Markers are the distance maxima whose dynamic (height above the saddle joining them to
 *    a higher maximum) is at least max(splitMinDepthPx px, splitFraction × their height):
 *    a neck between two crystals is a deep saddle, a bump on a rough surface a shallow one.
 *    Flooding merges shallower maxima as it goes (union-find over voxels in decreasing
 *    distance), so markers and watershed come out of one pass;
 * 3. regions below minCrystalVoxels are dropped (reported, not silently).
 */
import { PtyxanesError } from '../core/errors.ts';
import { distanceTransform } from './distance.ts';
import { checkShape, forNeighbours, neighbourSteps, spacingPerAxis, strides, unravel, type Spacing } from './grid.ts';
import { connectedComponents, fillHoles, relabelBySize } from './labels.ts';
import { otsuThreshold } from './stats.ts';
import { resolveMinEdgeStep } from '../xanes/normalize.ts';

export interface SegmentOptions {
  /** Edge-step threshold of the crystals' cores, which are split and labelled (default: Otsu's threshold of the map). */
  maskThreshold?: number;
  /**
   * Edge-step threshold of the crystals' rims, grown onto the nearest crystal after the split
   * (default: the XANES fit's own mask, 10 % of the 99th percentile: see resolveMinEdgeStep).
   */
  rimThreshold?: number;
  /** Smallest dynamic of a distance maximum that starts its own crystal, in pixels (default 2). */
  splitMinDepthPx?: number;
  /** ... and as a fraction of that maximum's height (default 0.25: a neck narrower than 3/4 of the smaller crystal). */
  splitFraction?: number;
  /** Crystals with fewer voxels are dropped (default 9: a 3×3 patch; one-pixel specks are noise). */
  minCrystalVoxels?: number;
  /** Split touching crystals at all (default true). */
  split?: boolean;
}

export interface Segmentation {
  shape: number[];
  spacingM: number[];
  /** Material mask (1 = material), after hole filling. */
  mask: Uint8Array;
  /** Crystal label per voxel: 0 = none, 1..count. */
  labels: Int32Array;
  count: number;
  /** Distance (m) of each material voxel to the nearest background voxel centre. */
  distanceM: Float64Array;
  maskThreshold: number | null;
  rimThreshold: number | null;
  /** Regions removed as smaller than minCrystalVoxels (their sizes). */
  droppedSizes: number[];
  warnings: string[];
}

/** Material mask from an edge-step (thickness) map, or from the finite voxels of the state. */
export function materialMask(state: Float32Array, shape: readonly number[], edgeStep?: Float32Array, threshold?: number): { mask: Uint8Array; threshold: number | null } {
  const n = state.length;
  const mask = new Uint8Array(n);
  if (edgeStep) {
    checkShape(edgeStep, shape, 'edge step');
    const t = threshold ?? otsuThreshold(edgeStep);
    if (!Number.isFinite(t)) throw new PtyxanesError('the edge-step map has no finite values', { field: 'edge step', expected: 'a thickness map', found: 'NaN everywhere' });
    for (let i = 0; i < n; i++) mask[i] = edgeStep[i] > t ? 1 : 0;
    return { mask: fillHoles(mask, shape), threshold: t };
  }
  for (let i = 0; i < n; i++) mask[i] = Number.isFinite(state[i]) ? 1 : 0;
  return { mask: fillHoles(mask, shape), threshold: null };
}

export function segmentCrystals(state: Float32Array, shape: readonly number[], pixelSizeM: Spacing, opts: SegmentOptions & { edgeStep?: Float32Array } = {}): Segmentation {
  checkShape(state, shape, 'oxidation state');
  const sp = spacingPerAxis(pixelSizeM, shape.length);
  let finite = 0;
  for (let i = 0; i < state.length; i++) if (Number.isFinite(state[i])) finite++;
  if (!finite) throw new PtyxanesError('the oxidation-state map has no finite values', { field: 'oxidation state', expected: 'fitted pixels', found: `NaN in all ${state.length}` });
  const { mask, threshold } = materialMask(state, shape, opts.edgeStep, opts.maskThreshold);
  let nMask = 0;
  for (let i = 0; i < mask.length; i++) nMask += mask[i];
  if (!nMask) {
    throw new PtyxanesError('the material mask is empty', { field: 'mask', expected: 'voxels above the edge-step threshold', found: threshold === null ? 'none' : `none above ${threshold.toPrecision(4)}` });
  }
  if (nMask === mask.length) {
    throw new PtyxanesError('the material mask covers the whole map, so crystals have no surface', { field: 'mask', expected: 'background around the crystals', found: `all ${nMask} voxels` });
  }
  const distanceM = distanceTransform(mask, shape, sp);
  const minSp = Math.min(...sp);
  const minVox = opts.minCrystalVoxels ?? 9;
  const raw = opts.split === false ? connectedComponents(mask, shape, 'full') : watershedByDynamics(distanceM, mask, shape, (opts.splitMinDepthPx ?? 2) * minSp, opts.splitFraction ?? 0.25);
  const kept = relabelBySize(raw.labels, raw.count, minVox);
  const warnings: string[] = [];
  if (!kept.count) {
    const largest = Math.max(0, ...kept.dropped);
    throw new PtyxanesError(`no crystal of at least ${minVox} ${shape.length === 3 ? 'voxels' : 'pixels'}: the mask holds only specks`, {
      field: 'mask',
      expected: `connected regions ≥ ${minVox} voxels (minCrystalVoxels)`,
      found: `${kept.dropped.length} regions, the largest ${largest} voxel${largest === 1 ? '' : 's'}`,
    });
  }
  if (kept.dropped.length) warnings.push(`${kept.dropped.length} regions below ${minVox} voxels dropped (largest ${Math.max(...kept.dropped)})`);
  let rim: number | null = null;
  if (opts.edgeStep && threshold !== null) {
    rim = opts.rimThreshold ?? resolveMinEdgeStep(opts.edgeStep);
    if (rim < threshold) growIntoRims(kept.labels, opts.edgeStep, rim, shape);
    else rim = null;
  }
  for (let i = 0; i < mask.length; i++) mask[i] = kept.labels[i] ? 1 : 0;
  const depthM = rim === null ? distanceM : distanceTransform(mask, shape, sp);
  return { shape: [...shape], spacingM: sp, mask, labels: kept.labels, count: kept.count, distanceM: depthM, maskThreshold: threshold, rimThreshold: rim, droppedSizes: kept.dropped, warnings };
}

/** Breadth-first growth of labels into unlabelled voxels whose edge step exceeds `rim` (first come, first served). */
function growIntoRims(labels: Int32Array, edgeStep: Float32Array, rim: number, shape: readonly number[]): void {
  const st = strides(shape);
  const steps = neighbourSteps(shape.length, 'face');
  const c = new Array<number>(shape.length);
  let front: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i]) front.push(i);
  while (front.length) {
    const next: number[] = [];
    for (const p of front) {
      unravel(p, shape, c);
      forNeighbours(c, shape, st, steps, p, (q) => {
        if (!labels[q] && edgeStep[q] > rim) {
          labels[q] = labels[p];
          next.push(q);
        }
      });
    }
    front = next;
  }
}

/**
 * Watershed of the distance map with markers chosen by dynamics (see the file comment).
 * Pass 1 floods voxels from the highest distance down with union-find: a voxel joining two
 * basins merges the lower one into the higher unless the lower one's peak stands at least
 * max(minDepthM, fraction × peak) above this voxel. The peaks of the basins that survive
 * are the markers. Pass 2 is Meyer's priority flood from those markers (highest distance
 * first, ties first-come), so the line between two crystals runs along the neck.
 */
export function watershedByDynamics(dist: Float64Array, mask: Uint8Array, shape: readonly number[], minDepthM: number, fraction: number): { labels: Int32Array; count: number } {
  const n = mask.length;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (mask[i]) idx.push(i);
  const order = Uint32Array.from(idx).sort((a, b) => dist[b] - dist[a] || a - b);
  const parent = new Int32Array(n).fill(-1);
  const peak = new Float64Array(n);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r];
    while (parent[i] !== r) {
      const nx = parent[i];
      parent[i] = r;
      i = nx;
    }
    return r;
  };
  const st = strides(shape);
  const steps = neighbourSteps(shape.length, 'full');
  const c = new Array<number>(shape.length);
  const roots: number[] = [];
  for (const p of order) {
    const level = dist[p];
    roots.length = 0;
    unravel(p, shape, c);
    forNeighbours(c, shape, st, steps, p, (q) => {
      if (parent[q] < 0) return;
      const r = find(q);
      if (!roots.includes(r)) roots.push(r);
    });
    if (!roots.length) {
      parent[p] = p;
      peak[p] = level;
      continue;
    }
    let a = roots[0];
    for (const r of roots) if (peak[r] > peak[a]) a = r;
    for (const b of roots) {
      if (b === a) continue;
      const depth = peak[b] - level;
      if (depth < Math.max(minDepthM, fraction * peak[b])) parent[b] = a;
    }
    parent[p] = a;
  }
  // Roots are the peak voxels of the surviving basins (a root is the first voxel of its basin).
  const labels = new Int32Array(n);
  const heap = new MaxHeap(dist);
  let count = 0;
  for (const p of order) if (parent[p] === p) {
    labels[p] = ++count;
    heap.push(p);
  }
  while (heap.size) {
    const p = heap.pop();
    unravel(p, shape, c);
    forNeighbours(c, shape, st, steps, p, (q) => {
      if (mask[q] && !labels[q]) {
        labels[q] = labels[p];
        heap.push(q);
      }
    });
  }
  return { labels, count };
}

/** Binary max-heap of voxel indices keyed by dist; equal keys pop in insertion order. */
class MaxHeap {
  private idx: number[] = [];
  private seq: number[] = [];
  private counter = 0;
  constructor(private readonly key: Float64Array) {}
  get size(): number {
    return this.idx.length;
  }
  private above(a: number, b: number): boolean {
    const ka = this.key[this.idx[a]], kb = this.key[this.idx[b]];
    return ka > kb || (ka === kb && this.seq[a] < this.seq[b]);
  }
  private swap(a: number, b: number): void {
    [this.idx[a], this.idx[b]] = [this.idx[b], this.idx[a]];
    [this.seq[a], this.seq[b]] = [this.seq[b], this.seq[a]];
  }
  push(i: number): void {
    this.idx.push(i);
    this.seq.push(this.counter++);
    let k = this.idx.length - 1;
    while (k > 0) {
      const up = (k - 1) >> 1;
      if (!this.above(k, up)) break;
      this.swap(k, up);
      k = up;
    }
  }
  pop(): number {
    const top = this.idx[0];
    const lastI = this.idx.pop()!;
    const lastS = this.seq.pop()!;
    if (this.idx.length) {
      this.idx[0] = lastI;
      this.seq[0] = lastS;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1, r = l + 1;
        let m = k;
        if (l < this.idx.length && this.above(l, m)) m = l;
        if (r < this.idx.length && this.above(r, m)) m = r;
        if (m === k) break;
        this.swap(k, m);
        k = m;
      }
    }
    return top;
  }
}
