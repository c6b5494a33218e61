/**
 * Per-batch object tile lists for the GPU object gather (shaders/epie_object_gather.wgsl):
 * for every TILE×TILE object tile that some window of the batch touches, the batch slots of
 * the positions whose windows touch it. One workgroup per listed tile then sums over just
 * those positions, so each object pixel is written once and no atomics are needed.
 */
export const TILE = 16;

export interface TileLists {
  /** Per listed tile: (tile index = ty·tilesX + tx, first entry in `slots`, entry count, 0). */
  info: Uint32Array;
  slots: Uint32Array;
  /** Per batch: first listed tile and how many. */
  batchTiles: Array<[number, number]>;
}

/** Tile lists of consecutive batches (`batches` index into `frames`; slots are positions within the batch). */
export function buildTileLists(
  frames: Int32Array, batches: Array<[number, number]>, ix: Int32Array, iy: Int32Array,
  h: number, w: number, objH: number, objW: number,
): TileLists {
  const tilesX = Math.ceil(objW / TILE);
  const tilesY = Math.ceil(objH / TILE);
  const counts = new Int32Array(tilesX * tilesY);
  const infos: number[] = [];
  const slots: number[] = [];
  const batchTiles: Array<[number, number]> = [];
  for (const [start, count] of batches) {
    const touched: number[] = [];
    const span = (j: number) => [Math.floor(ix[j] / TILE), Math.floor((ix[j] + w - 1) / TILE), Math.floor(iy[j] / TILE), Math.floor((iy[j] + h - 1) / TILE)];
    for (let s = 0; s < count; s++) {
      const [x0, x1, y0, y1] = span(frames[start + s]);
      for (let ty = y0; ty <= y1; ty++) {
        for (let tx = x0; tx <= x1; tx++) {
          const t = ty * tilesX + tx;
          if (counts[t]++ === 0) touched.push(t);
        }
      }
    }
    touched.sort((a, b) => a - b);
    const first = new Map<number, number>();
    const tileBase = infos.length / 4;
    for (const t of touched) {
      first.set(t, slots.length);
      infos.push(t, slots.length, counts[t], 0);
      for (let i = 0; i < counts[t]; i++) slots.push(0);
      counts[t] = 0;
    }
    const fill = new Map<number, number>();
    for (let s = 0; s < count; s++) {
      const [x0, x1, y0, y1] = span(frames[start + s]);
      for (let ty = y0; ty <= y1; ty++) {
        for (let tx = x0; tx <= x1; tx++) {
          const t = ty * tilesX + tx;
          const k = fill.get(t) ?? 0;
          slots[first.get(t)! + k] = s;
          fill.set(t, k + 1);
        }
      }
    }
    batchTiles.push([tileBase, touched.length]);
  }
  return { info: Uint32Array.from(infos), slots: Uint32Array.from(slots), batchTiles };
}
