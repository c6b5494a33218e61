/**
 * Connected components of N-D masks (breadth-first flood, face or full connectivity), and
 * the clean-up a material mask needs: holes filled, components below a size dropped.
 */
import { forNeighbours, neighbourSteps, onBorder, shapeSize, strides, unravel } from './grid.ts';

export interface Components {
  /** 0 = background, 1..count = component, in raster order of first voxel. */
  labels: Int32Array;
  count: number;
  /** sizes[k] = voxels of component k (sizes[0] unused). */
  sizes: number[];
  /** touchesBorder[k]: the component reaches the array border. */
  touchesBorder: boolean[];
}

export function connectedComponents(mask: Uint8Array, shape: readonly number[], connectivity: 'face' | 'full' = 'full'): Components {
  const n = shapeSize(shape);
  const labels = new Int32Array(n);
  const st = strides(shape);
  const steps = neighbourSteps(shape.length, connectivity);
  const queue = new Int32Array(n);
  const c = new Array<number>(shape.length);
  const sizes = [0];
  const touchesBorder = [false];
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (!mask[s] || labels[s]) continue;
    const id = ++count;
    let head = 0, tail = 0, size = 0, border = false;
    labels[s] = id;
    queue[tail++] = s;
    while (head < tail) {
      const i = queue[head++];
      size++;
      unravel(i, shape, c);
      if (!border && onBorder(c, shape)) border = true;
      forNeighbours(c, shape, st, steps, i, (j) => {
        if (mask[j] && !labels[j]) {
          labels[j] = id;
          queue[tail++] = j;
        }
      });
    }
    sizes.push(size);
    touchesBorder.push(border);
  }
  return { labels, count, sizes, touchesBorder };
}

/** Fills background components that do not reach the border (holes inside crystals). */
export function fillHoles(mask: Uint8Array, shape: readonly number[]): Uint8Array {
  const inv = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) inv[i] = mask[i] ? 0 : 1;
  // Face connectivity for the background so a diagonal gap does not leak a hole outside.
  const bg = connectedComponents(inv, shape, 'face');
  const out = Uint8Array.from(mask);
  for (let i = 0; i < mask.length; i++) if (!mask[i] && !bg.touchesBorder[bg.labels[i]]) out[i] = 1;
  return out;
}

/** Keeps labels of components with at least minSize voxels, renumbered 1..k in order. */
export function relabelBySize(labels: Int32Array, count: number, minSize: number): { labels: Int32Array; count: number; dropped: number[] } {
  const sizes = new Array<number>(count + 1).fill(0);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]]++;
  const map = new Int32Array(count + 1);
  const dropped: number[] = [];
  let k = 0;
  // New ids follow the first voxel in raster order, so numbering is stable run to run.
  const seen = new Uint8Array(count + 1);
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!l) continue;
    if (!seen[l]) {
      seen[l] = 1;
      if (sizes[l] >= minSize) map[l] = ++k;
      else dropped.push(sizes[l]);
    }
    out[i] = map[l];
  }
  return { labels: out, count: k, dropped };
}
